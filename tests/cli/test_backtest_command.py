"""`reliability backtest` on the bundled example, and the example's page recounted by hand."""

from __future__ import annotations

import gzip
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import typer
from support.output_schemas import assert_matches_schema
from typer.testing import CliRunner

from reliability import pipeline
from reliability.cli import app
from reliability.config import load_config
from reliability.conventions import Stage
from reliability.timefmt import parse_rfc3339


@pytest.fixture
def cli() -> typer.Typer:
    return app


def test_command_on_the_example(cli: typer.Typer, example_config: Path) -> None:
    args = ["backtest", "orders/checkout-availability", str(example_config), "--objectives", "99,99.9"]
    result = CliRunner().invoke(cli, [*args, "--format", "json"])
    assert result.exit_code == 0, result.output
    report = assert_matches_schema("backtest", json.loads(result.stdout))
    by_objective = {c["objective_ratio"]: c for c in report["candidates"]}
    assert set(by_objective) == {0.99, 0.999}
    # Data from 2026-10-01T00:00Z: the 30-day windows ending Oct 31 .. Nov 5 at midnight are judged.
    assert by_objective[0.99]["period_ends_total"] == 6
    strict_alerts = by_objective[0.999]["alerts"][0]
    # The example plants a 20 % burst in the last 40 minutes (from 11:20): at 99.9 % it pages.
    assert [e["start"] for e in strict_alerts["episodes"] if e["severity"] == "page"] == [
        "2026-11-05T11:30:00Z"
    ]
    assert strict_alerts["incidents"][-1]["start"] == "2026-11-05T11:20:00Z"
    assert strict_alerts["incidents"][-1]["time_to_page_seconds"] == 600
    assert strict_alerts["time_to_page_median_seconds"] == 600
    # At 99 % the same burst is too short for the 1h window: no page.
    assert by_objective[0.99]["alerts"][0]["pages_total"] == 0

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
        replayed = next(p for p in candidate["period_ends"] if p["end"] == instant)
        assert replayed["budget_remaining_ratio"] == pytest.approx(live[slo]["budget"]["remaining_ratio"]), (
            slo
        )


def test_command_refuses_an_objective_without_budget(cli: typer.Typer, example_config: Path) -> None:
    args = ["backtest", "orders/checkout-availability", str(example_config), "--objectives", "99,100"]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 2
    assert "give percents in (0, 100)" in result.output


def test_command_defaults_to_the_auto_ladder(cli: typer.Typer, example_config: Path) -> None:
    args = ["backtest", "storefront/catalog-latency", str(example_config), "--format", "json"]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output
    ladder = [c["objective_ratio"] for c in json.loads(result.stdout)["candidates"]]
    assert ladder == [0.9, 0.95, 0.99, 0.995, 0.999, 0.9995, 0.9999]


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
