"""Multiwindow multi-burn-rate alerts, as in the SRE Workbook."""

from __future__ import annotations

import pytest

from reliability.core.alerts import WORKBOOK_PAIRS, AlertState, PairStatus, evaluate_alerts
from reliability.core.budget import BurnRate

DAY = 86400
WINDOWS = ("5m", "30m", "1h", "2h", "6h", "1d", "3d")


def rates(default: float | None = 0.5, **overrides: float | None) -> dict[str, BurnRate]:
    values = dict.fromkeys(WINDOWS, default) | {k.replace("_", ""): v for k, v in overrides.items()}
    return {name: BurnRate(value) for name, value in values.items()}


def test_factors_for_30_days_are_the_workbooks() -> None:
    assert [round(p.factor(30 * DAY), 4) for p in WORKBOOK_PAIRS] == [14.4, 6.0, 3.0, 1.0]


def test_factors_for_28_days_keep_the_budget_shares() -> None:
    # Sloth's derivation: share x period hours / long-window hours (672 h in 28 days)
    assert [round(p.factor(28 * DAY), 4) for p in WORKBOOK_PAIRS] == [13.44, 5.6, 2.8, 0.9333]


def test_page_needs_both_windows() -> None:
    only_long = evaluate_alerts(rates(**{"1h": 20.0, "5m": 2.0}), 30 * DAY)
    assert only_long.state is AlertState.OK
    both = evaluate_alerts(rates(**{"1h": 20.0, "5m": 20.0}), 30 * DAY)
    assert both.state is AlertState.PAGE
    assert [(p.pair.long.name, p.pair.short.name) for p in both.fired] == [("1h", "5m")]


def test_threshold_is_strictly_greater() -> None:
    at_factor = evaluate_alerts(rates(**{"1h": 14.4, "5m": 14.4}), 30 * DAY)
    assert at_factor.state is AlertState.OK


def test_ticket_from_the_slow_pair() -> None:
    result = evaluate_alerts(rates(**{"3d": 1.5, "6h": 1.2}), 30 * DAY)
    assert result.state is AlertState.TICKET
    assert [p.pair.long.name for p in result.fired] == ["3d"]


def test_page_wins_over_ticket() -> None:
    result = evaluate_alerts(rates(default=20.0), 30 * DAY)
    assert result.state is AlertState.PAGE
    assert len(result.fired) == 4


def test_no_data_is_not_ok() -> None:
    result = evaluate_alerts(rates(default=None), 30 * DAY)
    assert result.state is AlertState.NO_DATA
    assert {p.status for p in result.pairs} == {PairStatus.NO_DATA}


def test_a_firing_pair_beats_missing_data_elsewhere() -> None:
    result = evaluate_alerts(rates(default=None, **{"3d": 2.0, "6h": 2.0}), 30 * DAY)
    assert result.state is AlertState.TICKET


def test_pairs_longer_than_the_slo_window_do_not_apply() -> None:
    result = evaluate_alerts(rates(default=0.1), 2 * DAY)
    statuses = {p.pair.long.name: p.status for p in result.pairs}
    assert statuses["3d"] is PairStatus.NOT_APPLICABLE
    assert statuses["1d"] is PairStatus.OK
    assert result.state is AlertState.OK


@pytest.mark.parametrize("burn", [BurnRate(None, unbounded=True)])
def test_unbounded_burn_fires(burn: BurnRate) -> None:
    values = {name: burn for name in WINDOWS}
    assert evaluate_alerts(values, 30 * DAY).state is AlertState.PAGE


def test_low_confidence_windows_cannot_page_on_their_own() -> None:
    burning = rates(**{"1h": 20.0, "5m": 20.0})
    weak = evaluate_alerts(burning, 30 * DAY, low_confidence_windows=frozenset({"5m"}))
    assert weak.state is AlertState.TICKET
    fired = weak.fired[0]
    assert fired.low_confidence and fired.effective_severity == "ticket"
    strong = evaluate_alerts(burning, 30 * DAY, low_confidence_windows=frozenset({"3d"}))
    assert strong.state is AlertState.PAGE
