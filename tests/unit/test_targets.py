"""Objectives from history: verdicts and the `auto` ladder."""

from __future__ import annotations

from reliability.core.counts import Count
from reliability.core.targets import Verdict, highest_met_step, verdict

MARGIN = 0.75


def test_verdicts() -> None:
    # 99.9 % allows an error ratio of 0.001; with margin 0.75 history may use 0.00075.
    assert verdict(Count(999_300, 1_000_000), 99.9, MARGIN) is Verdict.ACHIEVABLE  # 0.0007
    assert verdict(Count(999_100, 1_000_000), 99.9, MARGIN) is Verdict.TIGHT  # 0.0009
    assert verdict(Count(998_900, 1_000_000), 99.9, MARGIN) is Verdict.NOT_ACHIEVABLE  # 0.0011
    assert verdict(Count(0, 0), 99.9, MARGIN) is Verdict.NO_DATA


def test_auto_picks_the_highest_step_met_with_margin() -> None:
    # error ratio 0.0025: 99.5 allows 0.005 (margin 0.00375, met); 99.9 allows 0.001 (not met)
    assert highest_met_step(Count(997_500, 1_000_000), MARGIN) == 99.5
    # error ratio 0.0004: 99.95 allows 0.0005 x 0.75 = 0.000375 -> not met; 99.9 met
    assert highest_met_step(Count(999_600, 1_000_000), MARGIN) == 99.9
    assert highest_met_step(Count(1_000_000, 1_000_000), MARGIN) == 99.99


def test_auto_without_history_or_below_every_step() -> None:
    assert highest_met_step(Count(0, 0), MARGIN) is None
    assert highest_met_step(Count(50, 100), MARGIN) is None
