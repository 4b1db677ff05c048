"""The points read before the minute detail, and which series a group of selectors answers to."""

from __future__ import annotations

import pytest

from reliability.config.model import Selector
from reliability.core.grid import HOUR, MINUTE, MinuteGrid
from reliability.telemetry.prometheus_hours import HourPlan
from reliability.telemetry.prometheus_selectors import AnyOf, Matching, matches

DAY = 86400
ORIGIN = 1_790_000_000 // DAY * DAY  # a UTC midnight


def _points(plan: HourPlan) -> list[int]:
    return [t for first, last, step in plan.point_ranges() for t in range(first, last + 1, step)]


@pytest.mark.parametrize("minutes_past_the_hour", [0, 17, 35])
def test_hour_points_that_are_step_points_are_read_once(minutes_past_the_hour: int) -> None:
    grid = MinuteGrid(ORIGIN, 10 * 1440 + minutes_past_the_hour)
    detail = grid.end - 6 * HOUR
    plan = HourPlan(grid, detail, steps_from=grid.end - 4 * DAY + 7 * MINUTE)
    hours_only = HourPlan(grid, detail)
    points = _points(plan)
    # Every hour point and every step point is still read...
    assert set(points) == set(_points(hours_only)) | plan.instants()
    assert {float(t) for t in points} == plan.instants()
    # ...and the whole UTC hours among the steps only once, with the steps.
    utc_hours_among_steps = [t for t in points if t > plan.steps_from + HOUR and (t - ORIGIN) % HOUR == 0]
    assert len(utc_hours_among_steps) == len(set(utc_hours_among_steps)) > 0


SELECTORS = [
    Selector("req_total", (("slo", "a"),)),
    Selector("req_total", (("slo", "b-1"),)),
    Selector("req_total", (("slo", "c.*"),)),
    Selector("req_total", (("job", "api"), ("slo", ""))),
]


@pytest.mark.parametrize(
    "labels",
    [
        (("slo", "a"),),
        (("slo", "ab"),),
        (("slo", "b-1"),),
        (("slo", "b"),),
        (("slo", "c"),),
        (("slo", "cd"),),
        (("job", "api"),),
        (("job", "api"), ("slo", "x")),
        (("job", "web"),),
        (),
    ],
)
def test_any_of_answers_as_matching_each_selector(labels: tuple[tuple[str, str], ...]) -> None:
    assert AnyOf(SELECTORS)(labels) == any(matches(selector, labels) for selector in SELECTORS)
    assert not AnyOf([])(labels)


@pytest.mark.parametrize(
    "labels",
    [(("slo", "a"),), (("slo", "cd"),), (("job", "api"), ("slo", "c")), (("job", "api"), ("slo", "x")), ()],
)
def test_matching_names_each_selector_the_series_matches(labels: tuple[tuple[str, str], ...]) -> None:
    selectors = [
        *SELECTORS,
        Selector("req_total", (("job", "api"), ("slo", "c|d"))),  # one plain label, one pattern
        Selector("req_total", (("slo", "a"),)),  # the same selector twice: both answer
        Selector("req_total"),  # every series
    ]
    found = list(Matching(enumerate(selectors))(labels))
    assert sorted(found) == [i for i, selector in enumerate(selectors) if matches(selector, labels)]
