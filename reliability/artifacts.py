"""Every artifact is checked against its shipped JSON Schema and written atomically."""

from __future__ import annotations

import json
import os
import tempfile
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import jsonschema

from reliability.errors import ReliabilityError


@cache
def schema(name: str) -> dict[str, Any]:
    """A schema shipped in reliability/schemas, e.g. 'sli-metrics'."""
    text = resources.files("reliability.schemas").joinpath(f"{name}.schema.json").read_text()
    loaded: dict[str, Any] = json.loads(text)
    return loaded


def problems(kind: str, data: Any) -> list[str]:
    validator = jsonschema.Draft202012Validator(schema(kind))
    return [
        f"{'/'.join(map(str, e.absolute_path)) or '(top level)'}: {e.message}"
        for e in sorted(validator.iter_errors(data), key=lambda e: list(map(str, e.absolute_path)))
    ]


def check(kind: str, data: Any) -> None:
    found = problems(kind, data)
    if found:
        raise ReliabilityError(
            f"internal error: the {kind} artifact does not match its schema: {found[0]}"
            + (f" (and {len(found) - 1} more)" if len(found) > 1 else "")
        )


def write_atomically(path: Path, text: str) -> None:
    """Write to a temporary file beside `path`, flush to disk, then rename over it.

    Readers see the old file or the new one, never a torn one.
    """
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
    return json.dumps(data, indent=2, allow_nan=False) + "\n"


def read(path: Path) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return loaded
