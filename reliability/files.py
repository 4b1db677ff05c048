"""What makes a path readable as an input file: a regular file, not a folder, FIFO or broken link."""

from __future__ import annotations

import os
import stat
from pathlib import Path


def regular_file_problem(path: Path) -> str | None:
    """Why `path` cannot be read as a telemetry file (a folder, a FIFO, a broken link), or None."""
    try:
        mode = os.stat(path).st_mode
    except OSError as exc:
        reason = (exc.strerror or str(exc)).lower()
        if os.path.islink(path):
            return f"is a symbolic link that leads nowhere ({reason})"
        return f"cannot be read ({reason})"
    if stat.S_ISREG(mode):
        return None
    kind = "a directory" if stat.S_ISDIR(mode) else "a FIFO" if stat.S_ISFIFO(mode) else "a special file"
    return f"is {kind}, not a regular file"
