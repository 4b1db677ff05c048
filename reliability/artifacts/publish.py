"""Artifacts are checked and written atomically, as indented JSON, and read back as parsed JSON."""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any

from reliability.artifacts.codec import Record
from reliability.artifacts.json_text import indented_json, mended, written
from reliability.artifacts.schema_check import check
from reliability.errors import ReliabilityError


def write_atomically(path: Path, text: str) -> None:
    """Write to a temporary file beside `path`, flush to disk, then rename over it.

    Readers see the old file or the new one, never a torn one; a write that fails (a full disk, say)
    leaves the old one and is a ReliabilityError.
    """
    try:
        _write_atomically(path, text)
    except OSError as exc:
        raise ReliabilityError(
            f"{path}: cannot write it: {exc.strerror or exc}; the file as it was is unchanged"
        ) from exc


def _write_atomically(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(temp_name, 0o666 & ~umask)  # mkstemp makes 0600; artifacts are for sharing
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            out.write(text)
            out.flush()
            os.fsync(out.fileno())
        os.replace(temp_name, path)
    except BaseException:
        Path(temp_name).unlink(missing_ok=True)
        raise


def to_json(data: Any) -> str:
    # allow_nan=False: NaN and Infinity are not JSON; the math must say None instead.
    return indented_json(data) + "\n"


def checked_text(kind: str, record: Record) -> bytes:
    """A record's artifact as its file holds it (UTF-8), checked against the schema of `kind` first.

    Its JSON tree is let go once the text is made, before the text is mended: at a thousand SLOs
    each is a hundred megabytes or more, and they are not held together longer than needed.
    """
    data = record.to_json()
    check(kind, data)
    text = written(data)
    del data
    return mended(text)


def read(path: Path) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return loaded
