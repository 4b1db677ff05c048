"""SLA compliance over calendar months (UTC) and the service credit owed."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from reliability.config.model import CreditTier
from reliability.core.counts import Count


def month_start(epoch_seconds: int) -> int:
    moment = datetime.fromtimestamp(epoch_seconds, UTC)
    return int(datetime(moment.year, moment.month, 1, tzinfo=UTC).timestamp())


def next_month_start(month_begin: int) -> int:
    moment = datetime.fromtimestamp(month_begin, UTC)
    year, month = (moment.year + 1, 1) if moment.month == 12 else (moment.year, moment.month + 1)
    return int(datetime(year, month, 1, tzinfo=UTC).timestamp())


def previous_month_start(month_begin: int) -> int:
    return month_start(month_begin - 1)


@dataclass(frozen=True)
class Compliance:
    attained_percent: float | None  # None: no data in the period
    breached: bool
    credit: CreditTier | None


def credit_owed(attained_percent: float, tiers: tuple[CreditTier, ...]) -> CreditTier | None:
    """The worst tier whose threshold the attainment fell below (tiers: mildest first)."""
    owed = None
    for tier in tiers:
        if attained_percent < tier.below_percent:
            owed = tier
    return owed


def compliance(count: Count, target_percent: float, tiers: tuple[CreditTier, ...]) -> Compliance:
    ratio = count.ratio
    if ratio is None:
        return Compliance(None, False, None)
    attained = ratio * 100
    return Compliance(attained, attained < target_percent, credit_owed(attained, tiers))


def projected_attainment(
    good_so_far: float, total_so_far: float, good_rate: float, total_rate: float, remaining_seconds: float
) -> float | None:
    """The period's attainment (0..1) at its end if traffic keeps coming at the given rates.

    projected = (good_so_far + good_rate x remaining) / (total_so_far + total_rate x remaining),
    rates in events per second. None when no event is counted or expected: nothing to project.
    """
    expected_total = total_so_far + total_rate * remaining_seconds
    if expected_total <= 0:
        return None
    return (good_so_far + good_rate * remaining_seconds) / expected_total
