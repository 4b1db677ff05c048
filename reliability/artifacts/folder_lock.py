"""An advisory lock on an artifact folder: one publisher at a time, and readers wait for it.

flock(2) on the folder itself: no lock file is left behind, and the kernel drops the lock of a
killed process, so a killed run never blocks the next one.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


@contextmanager
def locked(folder: Path, *, exclusive: bool) -> Iterator[None]:
    """Hold `folder`'s lock: exclusive to publish, shared to read a whole set."""
    if sys.platform == "win32":  # no flock; a reader still refuses a mixed set by its manifest
        yield
        return
    import fcntl

    handle = os.open(folder, os.O_RDONLY)
    try:
        fcntl.flock(handle, fcntl.LOCK_EX if exclusive else fcntl.LOCK_SH)
        yield
    finally:
        os.close(handle)  # closing releases the lock
