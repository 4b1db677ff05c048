"""The clocks as the suite found them, to tell when a test left one patched.

A freeze_time started and never stopped, or a time function replaced and not put back, shifts the
time every later test sees, and pytest's own timer with it (its session duration then stops
following the real clock).
"""

from __future__ import annotations

import datetime
import time

_CLOCKS = (
    *(
        (time, name)
        for name in ("time", "time_ns", "monotonic", "monotonic_ns", "perf_counter", "perf_counter_ns")
    ),
    (datetime, "datetime"),
)
# In a dict, not module attributes: freeze_time replaces every module attribute that is a real clock.
_REAL = {(module, name): getattr(module, name) for module, name in _CLOCKS}


def patched_clocks() -> list[str]:
    """The clocks that are no longer the ones found when this module was first imported."""
    return [
        f"{module.__name__}.{name}"
        for (module, name), real in _REAL.items()
        if getattr(module, name) is not real
    ]
