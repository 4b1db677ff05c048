"""Memory freed after reading telemetry is handed back to the system before the stages run.

Reading a large source frees hundreds of megabytes (answers, parsed samples) in many blocks
between the counts that stay. glibc keeps such free blocks in its heaps, and Arrow's memory pool
(mimalloc or jemalloc) keeps the pages it parsed answers into; neither reuses them for what comes
next (large texts and the artifacts' JSON trees come from fresh mappings), so the run's peak is
both stacked.
Handing them back costs milliseconds. Where the C library has no malloc_trim (not glibc), or
Arrow is not loaded, there is nothing to do.
"""

from __future__ import annotations

import ctypes
import sys
from collections.abc import Callable


def _malloc_trim() -> Callable[[int], int] | None:
    try:
        found: Callable[[int], int] | None = getattr(ctypes.CDLL(None), "malloc_trim", None)
    except OSError:  # no C library to open by that name (Windows)
        return None
    return found


def release_freed_memory() -> None:
    """Return to the system the memory that glibc and Arrow keep after it was freed."""
    arrow = sys.modules.get("pyarrow")  # imported by the readers that use it: never loaded for this
    if arrow is not None:
        arrow.default_memory_pool().release_unused()
    trim = _malloc_trim()
    if trim is not None:
        trim(0)  # 0: keep no padding at the top of the heap
