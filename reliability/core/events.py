"""The columnar event type every telemetry source produces and the core consumes."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

Float64 = npt.NDArray[np.float64]
Int32 = npt.NDArray[np.int32]
Int8 = npt.NDArray[np.int8]

STATUS_ABSENT = -1
FLAG_ABSENT = -1


@dataclass(frozen=True)
class EventColumns:
    """A chunk of events; index i of every array is one event."""

    timestamp: Float64  # epoch seconds
    component: Int32  # index into the source's component list
    status: Int32  # HTTP-like status, STATUS_ABSENT when the source has none
    success: Int8  # 1 succeeded, 0 failed, FLAG_ABSENT when the source has no flag
    latency: Float64  # seconds; NaN when the event has no latency

    def __len__(self) -> int:
        return int(self.timestamp.shape[0])
