"""The backtest engine on planted histories whose answers are known by construction, and the command."""

from __future__ import annotations

import gzip
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import typer
from typer.testing import CliRunner

from reliability import pipeline
from reliability.cli import app
from reliability.config import load_config
from reliability.config.defaults import WORKBOOK_PAIRS
from reliability.config.model import SloWindow
from reliability.conventions import Stage
from reliability.core.backtest import backtest, backtest_rationale, compliance, find_incidents, replay_alerts
from reliability.core.grid import DAY, MinuteGrid
from reliability.core.replay import OccurrenceSeries
from reliability.timefmt import parse_rfc3339
from reliability.vocabulary import Window

DAYS = 4
MINUTES = DAYS * 1440
GRID = MinuteGrid(origin=0, minutes=MINUTES)  # epoch 0 is a UTC midnight
THIRTY_DAYS = SloWindow(Window.of(30 * DAY))
ONE_DAY = SloWindow(Window.of(DAY))
TWO_DAYS = SloWindow(Window.of(2 * DAY))


def steady(events_per_minute: int = 1000) -> tuple[np.ndarray, np.ndarray]:
    """1000 events a minute, 1 error every other minute: 0.05 % errors (burn 0.5 at 99.9 %)."""
    total = np.full(MINUTES, events_per_minute, np.int64)
    bad = np.zeros(MINUTES, np.int64)
    bad[::2] = 1
    return total - bad, total


def test_fast_incident_pages_at_the_computed_step() -> None:
    good, total = steady()
    start = 3 * 1440 + 601  # 4921, one minute past a 5-minute step
    good[start : start + 30] = 500  # 30 minutes at 50 % errors

    replay = replay_alerts(OccurrenceSeries(good, total), GRID, 0.999, THIRTY_DAYS, WORKBOOK_PAIRS)

    # 1h/5m pair, factor 14.4 at 99.9 %: it needs more than 0.0144 x 60,000 = 864 bad in the hour.
    # With k incident minutes in the hour: 500 k + at most 30 baseline errors; k = 1 gives 530,
    # k = 2 gives 1,029. The 5m window then holds >= 500 of 5,000 (10 % > 1.44 %).
    # So the first step with k >= 2 is minute 4923 rounded up to the 5-minute grid: 4925.
    pages = replay.of("page")
    assert len(pages) == 1  # the 6h/30m pair keeps it firing until the 1h/5m pair stops: one episode
    assert pages[0].start == 4925 * 60
    assert "1h/5m" in pages[0].pairs
    assert not pages[0].low_traffic
    (incident,) = replay.incidents
    assert (incident.start, incident.end) == (start * 60, (start + 30) * 60)
    assert incident.seconds_to_page == (4925 - 4921) * 60


def test_slow_burn_tickets_without_paging() -> None:
    good, total = steady()
    good[1440:2880] = total[1440:2880] - 20  # a whole day at 2 % errors

    # At 99.5 % the burn is 2 % / 0.5 % = 4: above the ticket factors (3 for 1d/2h, 1 for 3d/6h),
    # below both page factors (14.4 for 1h/5m, 6 for 6h/30m).
    replay = replay_alerts(OccurrenceSeries(good, total), GRID, 0.995, THIRTY_DAYS, WORKBOOK_PAIRS)

    assert replay.of("page") == ()
    tickets = replay.of("ticket")
    assert len(tickets) >= 1
    assert 1440 * 60 < tickets[0].start <= 2880 * 60
    assert replay.incidents == ()  # 2 % never exceeds 10 x 0.5 %


def test_page_on_low_traffic_is_counted_as_such() -> None:
    # 15 events in 5 minutes, 90 in 30: both page pairs' short windows are under the default 100.
    total = np.full(MINUTES, 3, np.int64)
    good = total.copy()
    good[3000:3010] = 1  # 10 minutes at 67 % errors

    replay = replay_alerts(OccurrenceSeries(good, total), GRID, 0.999, THIRTY_DAYS, WORKBOOK_PAIRS)

    assert len(replay.low_traffic_pages) == 1
    assert replay.low_traffic_pages[0].short_window_events < 100
    # With alerting.min_events 40 the 6h/30m pair's 90 events are enough traffic.
    confident = replay_alerts(
        OccurrenceSeries(good, total), GRID, 0.999, THIRTY_DAYS, WORKBOOK_PAIRS, min_events=40
    )
    assert len(confident.of("page")) == 1
    assert confident.low_traffic_pages == ()


def test_incidents_merge_short_gaps_and_drop_blips() -> None:
    good, total = steady()
    good[100:110] = 0  # 10 bad minutes
    good[120:130] = 0  # 10 more after a 10-minute gap: merged
    good[200:230] = 0  # after a 70-minute gap: a second incident
    good[400] = 0  # one bad minute: dropped
    assert find_incidents(OccurrenceSeries(good, total), 0.999) == [(100, 130), (200, 230)]


def small_history() -> tuple[np.ndarray, np.ndarray, MinuteGrid]:
    """3 days, 100 events a minute (144,000 a day); 0, 100 and 300 bad events on days 0, 1, 2."""
    total = np.full(3 * 1440, 100, np.int64)
    good = total.copy()
    good[1440:1540] -= 1
    good[2880:3180] -= 1
    return good, total, MinuteGrid(origin=0, minutes=3 * 1440)


def test_met_share_and_budget_left_by_hand() -> None:
    good, total, grid = small_history()
    # 1-day window, so each day end judges one day. Allowed bad: 144 at 99.9 %, 1,440 at 99 %.
    strict = compliance(OccurrenceSeries(good, total), grid, 0.999, ONE_DAY)
    assert [p.end for p in strict.periods] == [DAY, 2 * DAY, 3 * DAY]
    assert [p.budget_left for p in strict.periods] == pytest.approx([1.0, 1 - 100 / 144, 1 - 300 / 144])
    assert [p.met for p in strict.periods] == [True, True, False]
    assert strict.met_share == pytest.approx(2 / 3)

    loose = compliance(OccurrenceSeries(good, total), grid, 0.99, ONE_DAY)
    assert [p.budget_left for p in loose.periods] == pytest.approx([1.0, 1 - 100 / 1440, 1 - 300 / 1440])
    assert loose.met_share == 1.0

    # A 2-day window is covered only at the last two day ends.
    two_days = compliance(OccurrenceSeries(good, total), grid, 0.99, TWO_DAYS)
    assert [p.budget_left for p in two_days.periods] == pytest.approx([1 - 100 / 2880, 1 - 400 / 2880])


def test_windows_starting_before_the_data_are_not_judged() -> None:
    good, total, grid = small_history()
    total[:720], good[:720] = 0, 0  # data starts at noon on day 0
    periods = compliance(OccurrenceSeries(good, total), grid, 0.99, ONE_DAY).periods
    assert [p.end for p in periods] == [2 * DAY, 3 * DAY]


@pytest.mark.parametrize(("late_minutes", "judged"), [(1439, True), (1440, False)])
def test_a_window_is_judged_when_data_began_under_a_30th_of_it_late(late_minutes: int, judged: bool) -> None:
    grid = MinuteGrid(origin=0, minutes=31 * 1440)
    total = np.full(grid.minutes, 10, np.int64)
    total[:late_minutes] = 0
    window = SloWindow(Window.of(30 * DAY))
    ends = [p.end for p in compliance(OccurrenceSeries(total.copy(), total), grid, 0.99, window).periods]
    # The window ending at day 30 starts at minute 0; the one ending at day 31 starts after the data.
    assert ends == ([30 * DAY, 31 * DAY] if judged else [31 * DAY])


def test_rationale_picks_the_highest_candidate_within_the_margin() -> None:
    good, total, grid = small_history()
    sets = {"sre-workbook": WORKBOOK_PAIRS}
    candidates = [
        backtest(OccurrenceSeries(good, total), grid, objective, ONE_DAY, sets)
        for objective in (0.99, 0.995, 0.999)
    ]
    # A 1-day SLO window scales the factors down to ~1/30 of a 30-day one: every blip pages.
    assert "page" in dict(backtest_rationale(candidates, margin=0.75).reasons)[0.99]
    rationale = backtest_rationale(candidates, margin=0.75, max_pages_per_30d=float("inf"))
    # 99.5 %: 300 of 720 allowed = 42 % used (within 75 %); 99.9 % missed on day 2.
    assert rationale.chosen == 0.995
    assert "missed" in dict(rationale.reasons)[0.999]


@pytest.fixture
def cli() -> typer.Typer:
    return app


def test_command_on_the_example(cli: typer.Typer, example_config: Path) -> None:
    args = ["backtest", "orders/checkout-availability", str(example_config), "--objectives", "99,99.9"]
    result = CliRunner().invoke(cli, [*args, "--format", "json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    by_objective = {c["objective_percent"]: c for c in report["candidates"]}
    assert set(by_objective) == {99.0, 99.9}
    # Data from 2026-10-01T00:00Z: the 30-day windows ending Oct 31 .. Nov 5 at midnight are judged.
    assert by_objective[99.0]["period_ends"] == 6
    strict_alerts = by_objective[99.9]["alerts"][0]
    # The example plants a 20 % burst in the last 40 minutes (from 11:20): at 99.9 % it pages.
    assert [e["start"] for e in strict_alerts["episodes"] if e["severity"] == "page"] == [
        "2026-11-05T11:30:00Z"
    ]
    assert strict_alerts["incident_list"][-1]["start"] == "2026-11-05T11:20:00Z"
    assert strict_alerts["incident_list"][-1]["seconds_to_page"] == 600
    assert strict_alerts["median_seconds_to_page"] == 600
    # At 99 % the same burst is too short for the 1h window: no page.
    assert by_objective[99.0]["alerts"][0]["pages"] == 0

    table = CliRunner().invoke(cli, args)
    assert table.exit_code == 0, table.output
    lines = table.stdout.splitlines()
    assert lines[1].split()[:2] == ["OBJECTIVE", "MET"]
    assert lines[3].startswith("99.9%") and "10 min" in lines[3]  # median time to page
    assert "  page   2026-11-05T11:30:00Z  1h/5m, 6h/30m" in lines

    markdown = CliRunner().invoke(cli, [*args, "--format", "markdown"])
    assert markdown.exit_code == 0, markdown.output
    assert "| OBJECTIVE | MET |" in markdown.stdout


@pytest.mark.parametrize(
    ("slo", "heading"),
    [
        ("orders/order-journey", "composite, rolling 30d"),
        ("orders/checkout-good-minutes", "rolling 30d, timeslices"),
        ("storefront/catalog-availability-monthly", "calendar month (Europe/Berlin)"),
    ],
)
def test_command_replays_every_kind_of_slo(
    cli: typer.Typer, example_config: Path, slo: str, heading: str
) -> None:
    result = CliRunner().invoke(cli, ["backtest", slo, str(example_config), "--objectives", "99"])
    assert result.exit_code == 0, result.output
    assert heading in result.stdout.splitlines()[0]
    assert result.stdout.splitlines()[2].startswith("99%  ")


def test_replayed_budget_left_is_what_a_run_at_that_instant_reports(
    cli: typer.Typer, example_config: Path, tmp_path: Path
) -> None:
    instant = "2026-11-05T00:00:00Z"
    config = load_config(example_config)
    run = pipeline.run(
        config,
        pipeline.RunOptions(now=parse_rfc3339(instant).timestamp(), out_dir=tmp_path, until=Stage.BUDGETS),
    )
    live = {e["slo"]: e for e in run.as_json()[Stage.BUDGETS]["slos"]}
    for slo in (
        "orders/order-journey",
        "orders/checkout-good-minutes",
        "storefront/catalog-availability-monthly",
    ):
        objective = f"{live[slo]['objective_percent']:g}"
        args = ["backtest", slo, str(example_config), "--objectives", objective, "--format", "json"]
        result = CliRunner().invoke(cli, args)
        assert result.exit_code == 0, result.output
        (candidate,) = json.loads(result.stdout)["candidates"]
        replayed = next(p for p in candidate["budget_left"] if p["end"] == instant)
        assert replayed["budget_left"] == pytest.approx(live[slo]["budget"]["remaining_ratio"]), slo


def test_command_refuses_an_objective_without_budget(cli: typer.Typer, example_config: Path) -> None:
    args = ["backtest", "orders/checkout-availability", str(example_config), "--objectives", "99,100"]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 2
    assert "give percents in (0, 100)" in result.output


def test_command_defaults_to_the_auto_ladder(cli: typer.Typer, example_config: Path) -> None:
    args = ["backtest", "storefront/catalog-latency", str(example_config), "--format", "json"]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output
    ladder = [c["objective_percent"] for c in json.loads(result.stdout)["candidates"]]
    assert ladder == [90.0, 95.0, 99.0, 99.5, 99.9, 99.95, 99.99]


def test_command_names_the_known_slos_for_a_typo(cli: typer.Typer, example_config: Path) -> None:
    result = CliRunner().invoke(cli, ["backtest", "orders/checkout", str(example_config)])
    assert result.exit_code == 2
    assert "orders/checkout-availability" in result.output


def _checkout_burn(lines: list[dict[str, Any]], end: datetime, minutes: int, objective: float) -> float:
    """Burn rate of checkouts in [end - minutes, end), counted straight from the JSON lines."""
    start = end - timedelta(minutes=minutes)
    outcomes = [row["ok"] for row in lines if start <= row["at"] < end]
    return (outcomes.count(False) / len(outcomes)) / (1 - objective)


def test_the_example_page_checked_by_hand(example_config: Path) -> None:
    """The 11:30 page at 99.9 % and the silence at 99 %, recounted from the raw file without our code."""
    with gzip.open(example_config / "telemetry" / "orders.jsonl.gz", "rt") as handle:
        rows = [json.loads(line) for line in handle]
    lines = [
        {"at": datetime.fromisoformat(r["time"].replace("Z", "+00:00")), "ok": r["ok"]}
        for r in rows
        if r["operation"] == "checkout" and r["time"] >= "2026-11-05T05"
    ]

    def fires(end: datetime, objective: float) -> bool:  # the Workbook's page pairs, 30-day window
        return any(
            _checkout_burn(lines, end, long, objective) > factor
            and _checkout_burn(lines, end, short, objective) > factor
            for long, short, factor in ((60, 5, 14.4), (360, 30, 6.0))
        )

    at = datetime(2026, 11, 5, 11, 0, tzinfo=UTC)
    steps = [at + timedelta(minutes=5 * k) for k in range(13)]  # 11:00 .. 12:00
    assert next(s.strftime("%H:%M") for s in steps if fires(s, 0.999)) == "11:30"
    assert not any(fires(s, 0.99) for s in steps)
    peak = max(_checkout_burn(lines, s, 60, 0.99) for s in steps)
    assert 13.0 < peak < 14.4  # the README's "peaks near 13.3"
