"""Which events an SLI counts, and which of those are good: one vectorised rule per SLI kind."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from reliability.config.model import Sli, SliKind, StatusItem, status_codes_and_classes
from reliability.core.events import FLAG_ABSENT, STATUS_ABSENT, EventColumns

Bool = npt.NDArray[np.bool_]

# Latencies from two timestamps carry float rounding; a microsecond of slack keeps
# "at most the threshold" true for a request that took exactly the threshold.
LATENCY_SLACK_SECONDS = 1e-6


def classify(events: EventColumns, sli: Sli) -> tuple[Bool, Bool]:
    """(counted, good): counted events have what the SLI needs; good is a subset of counted."""
    if sli.kind is SliKind.LATENCY:
        assert sli.threshold_seconds is not None
        counted = ~np.isnan(events.latency)
        good = counted & (events.latency <= sli.threshold_seconds + LATENCY_SLACK_SECONDS)
        return counted, good
    rule = sli.good
    assert rule is not None
    if rule.success_flag:
        counted = events.success != FLAG_ABSENT
        return counted, events.success == 1
    counted = events.status != STATUS_ABSENT
    if rule.status_below is not None:
        good = events.status < rule.status_below
    elif rule.status_in is not None:
        good = _status_among(events.status, rule.status_in)
    else:
        good = ~_status_among(events.status, rule.status_not_in or ())
    return counted, counted & good


def _status_among(status: npt.NDArray[np.int32], items: tuple[StatusItem, ...]) -> Bool:
    codes, classes = status_codes_and_classes(items)
    among = np.isin(status, codes)
    if classes:
        among |= np.isin(status // 100, classes) & (status >= 0)
    return among
