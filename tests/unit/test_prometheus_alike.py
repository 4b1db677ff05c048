"""The counters of one SLI are read at the same points: one read minute by minute takes the others
along, and so does a series two selectors share."""

from __future__ import annotations

from reliability.telemetry.prometheus_alike import read_alike

REQUESTS = ("requests_total", (("code", "200"),))
SLIS = [
    frozenset({"requests", "errors"}),  # total and bad counter of one SLI
    frozenset({"requests_200", "slow"}),  # another SLI, whose total shares a series with `requests`
    frozenset({"jobs", "failed_jobs"}),
]
SERIES_AT_HOURS = {
    "requests": {REQUESTS, ("requests_total", (("code", "500"),))},
    "requests_200": {REQUESTS},
    "slow": {("slow_total", ())},
    "jobs": {("jobs_total", ())},
    "failed_jobs": {("failed_jobs_total", ())},
}


def test_a_bad_counter_read_by_minutes_takes_its_total_along() -> None:
    # `errors` reset: every selector reading what its SLI's total reads follows, jobs stay at hours
    found = read_alike(["errors"], SLIS, {k: v for k, v in SERIES_AT_HOURS.items() if k != "errors"})
    assert found == {"errors", "requests", "requests_200", "slow"}


def test_a_total_read_by_minutes_takes_its_bad_counter_along() -> None:
    without = {k: v for k, v in SERIES_AT_HOURS.items() if k != "jobs"}
    assert read_alike(["jobs"], SLIS, without) == {"jobs", "failed_jobs"}


def test_nothing_read_by_minutes_takes_nothing_along() -> None:
    assert read_alike([], SLIS, SERIES_AT_HOURS) == set()
