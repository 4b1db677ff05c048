"""Reporting periods: named months and quarters, and the last complete one before a given time."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from reliability.core.periods import last_period, parse_period


def _at(text: str) -> int:
    return int(datetime.fromisoformat(text).replace(tzinfo=UTC).timestamp())


@pytest.mark.parametrize(
    ("text", "label", "start", "end"),
    [
        ("2026-10", "2026-10", "2026-10-01", "2026-11-01"),
        ("2026-12", "2026-12", "2026-12-01", "2027-01-01"),
        ("2026-Q3", "2026-Q3", "2026-07-01", "2026-10-01"),
        ("2026-q4", "2026-Q4", "2026-10-01", "2027-01-01"),
    ],
)
def test_named_periods_are_whole_utc_months(text: str, label: str, start: str, end: str) -> None:
    period = parse_period(text)
    assert (period.label, period.start, period.end) == (label, _at(start), _at(end))


@pytest.mark.parametrize("text", ["2026-13", "2026-00", "Oct 2026", "2026-Q5", "2026", "26-10", ""])
def test_anything_else_is_refused_naming_both_forms(text: str) -> None:
    with pytest.raises(ValueError, match=r"give a month as YYYY-MM \(2026-10\) or a quarter as YYYY-QN"):
        parse_period(text)


@pytest.mark.parametrize(
    ("kind", "now", "label"),
    [
        ("month", "2026-11-05T12:00:00", "2026-10"),
        ("month", "2027-01-01T00:00:00", "2026-12"),
        ("quarter", "2026-11-05T12:00:00", "2026-Q3"),
        ("quarter", "2027-02-10T00:00:00", "2026-Q4"),
        ("quarter", "2026-04-01T00:00:00", "2026-Q1"),
    ],
)
def test_last_is_the_last_complete_period_before_the_evaluation_time(kind: str, now: str, label: str) -> None:
    period = last_period(kind, _at(now))
    assert period.label == label
    assert period.complete(_at(now))


def test_a_period_in_progress_is_measured_up_to_the_evaluation_time() -> None:
    period, now = parse_period("2026-11"), _at("2026-11-05T12:00:00")
    assert not period.complete(now)
    assert period.measured_end(now) == now


def test_an_unknown_relative_period_is_refused() -> None:
    with pytest.raises(ValueError, match="'week' is not a relative period: give month or quarter"):
        last_period("week", _at("2026-11-05T12:00:00"))
