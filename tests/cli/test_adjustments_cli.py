"""Budget adjustments end to end: `run` leaves the planned period out of the SLO it applies to, `explain`
names the adjustment and what it excluded, the report shades and lists it, `backtest` replays without it."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from support.configs import component, events_source, service, slo, write_config
from typer.testing import CliRunner

from reliability.cli import app

runner = CliRunner()
NOW = "2026-03-31T12:00:00Z"
# Sunday 29 March 2026, the day Berlin moves to summer time: 02:00 local is 01:00Z.
OUTAGE = (datetime(2026, 3, 29, 1, tzinfo=UTC), datetime(2026, 3, 29, 3, tzinfo=UTC))
ADJUSTED, PLAIN = "shop/adjusted-availability", "shop/plain-availability"


@pytest.fixture(scope="module")
def run_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One event a minute for 7 days, every one bad during the Sunday maintenance."""
    folder = tmp_path_factory.mktemp("adjusted")
    start = datetime(2026, 3, 24, 12, tzinfo=UTC)
    rows = ["ts,comp,status"]
    for minute in range(7 * 24 * 60):
        at = start + timedelta(minutes=minute)
        rows.append(f"{at.isoformat()},api,{500 if OUTAGE[0] <= at < OUTAGE[1] else 200}")
    (folder / "events.csv").write_text("\n".join(rows) + "\n")
    write_config(
        folder,
        service(
            "shop", component("api", slo("adjusted-availability", 99.9), slo("plain-availability", 99.9))
        ),
        sources=[events_source()],
        settings={"history": "7d"},
        adjustments=[
            {
                "name": "db-maintenance",
                "reason": "weekly database maintenance",
                "rrule": "FREQ=WEEKLY;BYDAY=SU",
                "start": "2026-03-01T02:00:00",
                "duration": "2h",
                "time_zone": "Europe/Berlin",
                "applies_to": {"slos": [ADJUSTED]},
            }
        ],
    )
    result = runner.invoke(
        app, ["run", str(folder / "config.yaml"), "--out", str(folder / "out"), "--now", NOW, "--html"]
    )
    assert result.exit_code == 0, result.output
    return folder


def _artifact(folder: Path, name: str) -> dict[str, object]:
    data: dict[str, object] = json.loads((folder / "out" / name).read_text())
    return data


def _slo_entry(folder: Path, name: str, slo_id: str) -> dict[str, object]:
    entries = _artifact(folder, name)["slos"]
    assert isinstance(entries, list)
    entry: dict[str, object] = next(e for e in entries if e["slo"] == slo_id)
    return entry


def test_the_adjusted_slo_leaves_the_period_out_and_records_what_it_took(run_folder: Path) -> None:
    adjusted = _slo_entry(run_folder, "sli-metrics.json", ADJUSTED)
    plain = _slo_entry(run_folder, "sli-metrics.json", PLAIN)
    assert "adjustments" not in plain
    (applied,) = adjusted["adjustments"]  # type: ignore[misc]
    # Four Sundays fall in the 30-day window; only the last has events (the history goes back further).
    assert {k: v for k, v in applied.items() if k != "periods"} == {
        "name": "db-maintenance",
        "reason": "weekly database maintenance",
        "mode": "exclude",
        "minutes": 4 * 120,
        "good": 0,
        "bad": 120,
    }
    assert applied["periods"][-1] == {"start": "2026-03-29T01:00:00Z", "end": "2026-03-29T03:00:00Z"}
    assert applied["periods"][-2] == {"start": "2026-03-22T01:00:00Z", "end": "2026-03-22T03:00:00Z"}
    budgets = {slo_id: _slo_entry(run_folder, "error-budgets.json", slo_id) for slo_id in (ADJUSTED, PLAIN)}
    assert budgets[ADJUSTED]["budget"]["consumed_events"] == 0  # type: ignore[index]
    assert budgets[PLAIN]["budget"]["consumed_events"] == 120  # type: ignore[index]


def test_explain_names_the_adjustment_and_what_it_excluded(run_folder: Path) -> None:
    result = runner.invoke(app, ["explain", ADJUSTED, "sli", "--artifacts", str(run_folder / "out")])
    assert result.exit_code == 0, result.output
    line = next(x.strip() for x in result.stdout.splitlines() if x.strip().startswith("adjustment"))
    assert line.startswith("adjustment 'db-maintenance' (reason: weekly database maintenance, declared at ")
    assert "excluded 480 min, 120 events (120 bad) of this window" in line
    assert "latest period 2026-03-29T01:00:00Z .. 2026-03-29T03:00:00Z" in line


def test_the_report_lists_and_shades_the_adjusted_period(run_folder: Path) -> None:
    html = (run_folder / "out" / "report.html").read_text()
    adjusted_section, plain_section = (
        html.split(f'<section class="slo" id="slo-{slo_id.replace("/", "-")}"', 1)[1].split("</section>", 1)[
            0
        ]
        for slo_id in (ADJUSTED, PLAIN)
    )
    assert "<h3>Budget adjustments</h3>" in adjusted_section and "db-maintenance" in adjusted_section
    assert '<rect class="adjusted"' in adjusted_section  # the daily and hourly SLI charts
    assert '<rect class="lane-adjusted"' in adjusted_section  # the alert timeline
    assert "adjusted" not in plain_section


def test_backtest_replays_the_adjusted_history(run_folder: Path) -> None:
    results = {}
    for slo_id in (ADJUSTED, PLAIN):
        result = runner.invoke(
            app, ["backtest", slo_id, str(run_folder / "config.yaml"), "--now", NOW, "--format", "json"]
        )
        assert result.exit_code == 0, result.output
        results[slo_id] = json.loads(result.stdout)
    pages = {
        slo_id: sum(alerts["pages_total"] for c in result["candidates"] for alerts in c["alerts"])
        for slo_id, result in results.items()
    }
    assert pages[PLAIN] > 0  # the outage pages when nothing is adjusted
    assert pages[ADJUSTED] == 0


def test_the_gate_judges_the_adjusted_budget(run_folder: Path) -> None:
    out = str(run_folder / "out")
    adjusted = runner.invoke(app, ["gate", "--artifacts", out, "--slo", ADJUSTED])
    plain = runner.invoke(app, ["gate", "--artifacts", out, "--slo", PLAIN])
    assert adjusted.exit_code == 0, adjusted.output
    assert plain.exit_code == 1, plain.output
