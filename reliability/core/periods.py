"""Reporting periods: calendar months and quarters in UTC, named ('2026-10', '2026-Q3') or relative
to the evaluation time ('last month', 'last quarter'). Pure: the evaluation time is always given."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime

from reliability.core.sla import month_start, next_month_start, previous_month_start

MONTH = re.compile(r"(\d{4})-(\d{2})")
QUARTER = re.compile(r"(\d{4})-[Qq]([1-4])")
RELATIVE = ("month", "quarter")
MONTHS_PER_QUARTER = 3


@dataclass(frozen=True)
class Period:
    label: str  # '2026-10' or '2026-Q3'
    start: int  # epoch seconds, UTC midnight
    end: int  # exclusive: the start of the next period

    def measured_end(self, evaluated_at: int) -> int:
        """Where measuring stops: the period's end, or the evaluation time inside a period in progress."""
        return min(self.end, evaluated_at)

    def complete(self, evaluated_at: int) -> bool:
        return self.end <= evaluated_at


def _epoch(year: int, month: int) -> int:
    return int(datetime(year, month, 1, tzinfo=UTC).timestamp())


def _quarter(year: int, quarter: int) -> Period:
    start = _epoch(year, (quarter - 1) * MONTHS_PER_QUARTER + 1)
    end = start
    for _ in range(MONTHS_PER_QUARTER):
        end = next_month_start(end)
    return Period(f"{year}-Q{quarter}", start, end)


def parse_period(text: str) -> Period:
    """'YYYY-MM' or 'YYYY-QN'; ValueError naming both forms otherwise."""
    if found := MONTH.fullmatch(text.strip()):
        year, month = int(found[1]), int(found[2])
        if 1 <= month <= 12 and year >= 1970:
            start = _epoch(year, month)
            return Period(f"{year}-{month:02d}", start, next_month_start(start))
    elif (found := QUARTER.fullmatch(text.strip())) and int(found[1]) >= 1970:
        return _quarter(int(found[1]), int(found[2]))
    raise ValueError(
        f"{text!r} is not a period: give a month as YYYY-MM (2026-10) or a quarter as YYYY-QN (2026-Q3)"
    )


def last_period(kind: str, evaluated_at: int) -> Period:
    """The last complete month or quarter before the evaluation time."""
    if kind not in RELATIVE:
        raise ValueError(f"{kind!r} is not a relative period: give {' or '.join(RELATIVE)}")
    previous = previous_month_start(month_start(evaluated_at))
    moment = datetime.fromtimestamp(previous, UTC)
    if kind == "month":
        return Period(f"{moment:%Y-%m}", previous, next_month_start(previous))
    this_quarter = (datetime.fromtimestamp(evaluated_at, UTC).month - 1) // MONTHS_PER_QUARTER + 1
    year = datetime.fromtimestamp(evaluated_at, UTC).year
    year, quarter = (year - 1, 4) if this_quarter == 1 else (year, this_quarter - 1)
    return _quarter(year, quarter)
