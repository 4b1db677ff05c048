from __future__ import annotations

from datetime import UTC, datetime

from reliability.config.model import CreditTier
from reliability.core.counts import Count
from reliability.core.sla import compliance, credit_owed, month_start, next_month_start, previous_month_start

TIERS = (CreditTier(99.9, 10), CreditTier(99.0, 25))


def ts(*args: int) -> int:
    return int(datetime(*args, tzinfo=UTC).timestamp())  # type: ignore[misc]


def test_month_boundaries_including_year_end_and_leap_february() -> None:
    assert month_start(ts(2026, 11, 5, 12)) == ts(2026, 11, 1)
    assert next_month_start(ts(2026, 12, 1)) == ts(2027, 1, 1)
    assert previous_month_start(ts(2026, 1, 1)) == ts(2025, 12, 1)
    assert next_month_start(ts(2028, 2, 1)) - ts(2028, 2, 1) == 29 * 86400


def test_credit_tiers() -> None:
    assert credit_owed(99.95, TIERS) is None
    assert credit_owed(99.5, TIERS) == CreditTier(99.9, 10)
    assert credit_owed(98.0, TIERS) == CreditTier(99.0, 25)
    assert credit_owed(99.9, TIERS) is None  # "below 99.9" is strict


def test_compliance() -> None:
    breached = compliance(Count(9_975, 10_000), 99.9, TIERS)  # 99.75 %
    assert breached.breached and breached.credit == CreditTier(99.9, 10)
    assert breached.attained_percent is not None and abs(breached.attained_percent - 99.75) < 1e-9
    met = compliance(Count(9_995, 10_000), 99.9, TIERS)
    assert not met.breached and met.credit is None
    empty = compliance(Count(0, 0), 99.9, TIERS)
    assert empty.attained_percent is None and not empty.breached
