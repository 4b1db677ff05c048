"""Alert window pairs scaled to the SLO period, keeping the Workbook's budget shares and factors."""

from __future__ import annotations

from pathlib import Path

import pytest
from support.configs import component, service, slo, write_config
from typer.testing import CliRunner

from reliability.cli import app
from reliability.config import load_config
from reliability.config.defaults import WORKBOOK_PAIRS
from reliability.config.scaled_windows import DAY, scaled_pairs
from reliability.errors import ConfigError

WORKBOOK_FACTORS = [14.4, 6.0, 3.0, 1.0]


@pytest.fixture(autouse=True)
def events_file(tmp_path: Path) -> None:
    (tmp_path / "events.csv").write_text("ts,status\n")


def table(days: float) -> list[tuple[str, str, str, float]]:
    period = int(days * DAY)
    return [
        (p.severity, p.long.name, p.short.name, round(p.factor(period), 4))
        for p in scaled_pairs(WORKBOOK_PAIRS, period)
    ]


def test_the_30_day_table_is_the_workbooks() -> None:
    assert scaled_pairs(WORKBOOK_PAIRS, 30 * DAY) == WORKBOOK_PAIRS
    assert [f for *_, f in table(30)] == WORKBOOK_FACTORS


def test_a_7_day_period_scales_both_windows_and_keeps_the_factors() -> None:
    assert table(7) == [
        ("page", "14m", "1m", 14.4),  # 5m x 7/30 = 1m10s, rounded to whole minutes
        ("page", "1h24m", "7m", 6.0),
        ("ticket", "5h36m", "28m", 3.0),
        ("ticket", "16h48m", "1h24m", 1.0),
    ]


def test_a_28_day_period_scales_both_windows_and_keeps_the_factors() -> None:
    assert table(28) == [
        ("page", "56m", "5m", 14.4),  # 5m x 28/30 = 4m40s rounds up
        ("page", "5h36m", "28m", 6.0),
        ("ticket", "22h24m", "1h52m", 3.0),
        ("ticket", "2d19h12m", "5h36m", 1.0),
    ]


def test_a_90_day_period() -> None:
    assert table(90) == [
        ("page", "3h", "15m", 14.4),
        ("page", "18h", "1h30m", 6.0),
        ("ticket", "3d", "6h", 3.0),
        ("ticket", "9d", "18h", 1.0),
    ]


def test_under_a_day_the_windows_stop_at_the_floor_and_keep_their_factors() -> None:
    # 1h x 1h/30d is 5 s: the long window stops at twice its 1-minute short one, the factor stays
    # 14.4, so the pair fires after 48 % of the budget instead of 2 %.
    assert table(1 / 24) == [
        ("page", "2m", "1m", 14.4),
        ("page", "2m", "1m", 6.0),
        ("ticket", "2m", "1m", 3.0),
        ("ticket", "6m", "1m", 1.0),
    ]
    assert [round(p.budget_share, 4) for p in scaled_pairs(WORKBOOK_PAIRS, 3600)] == [0.48, 0.2, 0.1, 0.1]


def test_from_one_day_up_no_window_is_at_the_floor() -> None:
    assert [p.budget_share for p in scaled_pairs(WORKBOOK_PAIRS, DAY)] == [0.02, 0.05, 0.1, 0.1]


def test_the_loaded_config_alerts_each_slo_with_its_scaled_set(tmp_path: Path) -> None:
    path = write_config(
        tmp_path,
        service("web", component("api", slo("weekly", 99, window="7d"), slo("monthly", 99, window="30d"))),
    )
    config = load_config(path)
    by_name = {s.name: s.alert_windows for s in config.slos}
    assert by_name == {"weekly": "sre-workbook-7d", "monthly": "sre-workbook"}
    assert config.alert_window_sets["sre-workbook-7d"] == scaled_pairs(WORKBOOK_PAIRS, 7 * DAY)
    assert config.alert_window_sets["sre-workbook"] == WORKBOOK_PAIRS


def test_a_one_hour_slo_on_the_builtin_set_gets_the_floored_set(tmp_path: Path) -> None:
    path = write_config(tmp_path, service("web", component("api", slo("hourly", 99, window="1h"))))
    config = load_config(path)
    assert config.slos[0].alert_windows == "sre-workbook-1h"
    assert config.alert_window_sets["sre-workbook-1h"] == scaled_pairs(WORKBOOK_PAIRS, 3600)


FAST = {"name": "fast", "pairs": [{"severity": "ticket", "long": "1d", "short": "2h", "budget_share": 0.1}]}


def test_an_explicit_set_wins_and_validate_warns_when_it_does_not_fit(tmp_path: Path) -> None:
    # 10 % of a 7-day budget in 1 day is a 0.7x burn: the ticket fires while the budget lasts.
    weekly = slo("weekly", 99, window="7d", alerting={"windows": "fast"})
    path = write_config(tmp_path, service("web", component("api", weekly)), alert_windows=[FAST])
    config = load_config(path)
    assert config.slos[0].alert_windows == "fast"
    assert [p.label for p in config.alert_window_sets["fast"]] == ["1d/2h"]
    result = CliRunner().invoke(app, ["validate", str(path), "--format", "json"])
    assert result.exit_code == 0, result.output
    assert "\"web/weekly: alert window set 'fast': pair 1d/2h fires at 0.7x" in result.output


def test_validate_warns_of_nothing_for_the_builtin_sets(tmp_path: Path) -> None:
    path = write_config(tmp_path, service("web", component("api", slo("weekly", 99, window="7d"))))
    result = CliRunner().invoke(app, ["validate", str(path), "--format", "json"])
    assert result.exit_code == 0 and '"warnings": []' in result.output


def test_a_user_set_cannot_take_a_scaled_sets_name(tmp_path: Path) -> None:
    taken = {**FAST, "name": "sre-workbook-7d"}
    path = write_config(tmp_path, service("web", component("api", slo("a", 99))), alert_windows=[taken])
    with pytest.raises(ConfigError, match="already defined"):
        load_config(path)
