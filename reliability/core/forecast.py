"""Where the error budget will stand at a horizon, with an uncertainty band, by bootstrap.

Each draw replays the remaining time with past days picked at random (with replacement):

remaining  = 1 - already consumed - sum over the horizon's days of a drawn day's consumption
             (the last, partial day's draw scaled by its fraction of a day)
p10 / p50 / p90          = the 10th / 50th / 90th percentile of remaining over the draws
exhaustion probability   = share of draws with remaining <= 0

Units are shares of the window's budget: 1 is untouched, 0 spent, negative overspent. Days
are assumed independent and alike (no trend, no weekly cycle); the band shows the spread of
the past, not model uncertainty.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from reliability.core.grid import DAY

Float64 = npt.NDArray[np.float64]


@dataclass(frozen=True)
class BudgetForecast:
    """The budget left at the horizon: a median and a band, and how the numbers were made."""

    method: str  # one or two sentences a reader can check
    horizon_seconds: float
    days_sampled_from: int  # how many daily values the draws came from
    remaining_p10: float  # pessimistic end: less budget left
    remaining_p50: float
    remaining_p90: float  # optimistic end
    exhaustion_probability: float  # share of draws with remaining <= 0 at the horizon


def bootstrap_remaining(
    daily_consumption: Float64,
    already_consumed: float,
    horizon_seconds: float,
    *,
    draws: int = 2000,
    seed: int = 0,
    lookback_days: int = 28,
) -> BudgetForecast | None:
    """Forecast the share of budget left at the horizon; None without daily history.

    `daily_consumption`: per past day with data, oldest first, the share of the window's budget
    consumed that day (>= 0). `already_consumed`: the share spent so far that still counts at
    the horizon. Only the last `lookback_days` days are sampled. The percentiles are draws
    themselves (inverted CDF), so p10 <= p50 <= p90 and more `already_consumed` never raises
    them, without interpolation rounding in the way. Same inputs and seed, same forecast.
    """
    history = np.asarray(daily_consumption, dtype=np.float64)
    if history.ndim != 1:
        raise ValueError(f"daily_consumption must be one-dimensional, got shape {history.shape}")
    if not np.all(np.isfinite(history)) or np.any(history < 0):
        raise ValueError("daily_consumption must be finite and >= 0")
    if not math.isfinite(already_consumed):
        raise ValueError(f"already_consumed must be finite, got {already_consumed}")
    if not (math.isfinite(horizon_seconds) and horizon_seconds >= 0):
        raise ValueError(f"horizon_seconds must be finite and >= 0, got {horizon_seconds}")
    if draws < 1:
        raise ValueError(f"draws must be >= 1, got {draws}")
    if lookback_days < 1:
        raise ValueError(f"lookback_days must be >= 1, got {lookback_days}")

    history = history[-lookback_days:]
    if history.size == 0:
        return None  # no data is not a forecast

    days = horizon_seconds / DAY
    whole_days = math.floor(days)
    fraction = days - whole_days
    rng = np.random.default_rng(seed)
    drawn = rng.choice(history, size=(draws, whole_days + 1), replace=True)
    drawn[:, -1] *= fraction  # the partial last day (0 when the horizon is whole days)
    remaining = (1.0 - already_consumed) - drawn.sum(axis=1)

    p10, p50, p90 = np.percentile(remaining, [10, 50, 90], method="inverted_cdf")
    plural = "" if history.size == 1 else "s"
    return BudgetForecast(
        method=(
            f"bootstrap: {draws} draws of the remaining {round(days, 3):g} days, "
            "each day's budget consumption drawn with replacement "
            f"from the last {history.size} day{plural} with data "
            "(a partial last day scaled by its fraction); p10/p50/p90 are percentiles of the draws."
        ),
        horizon_seconds=horizon_seconds,
        days_sampled_from=int(history.size),
        remaining_p10=float(p10),
        remaining_p50=float(p50),
        remaining_p90=float(p90),
        exhaustion_probability=float(np.mean(remaining <= 0)),
    )
