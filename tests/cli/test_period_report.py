"""`reliability report CONFIG --period|--last`: one period's compliance from telemetry, and bad input."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from support.configs import component, service, sla, slo, write_config
from typer.testing import CliRunner, Result

from reliability.cli import app

NOW = "2026-11-05T12:00:00Z"
# Day 2: 3 good and 1 bad in two minutes; day 5: one good; November's bad event is outside October.
EVENTS = """ts,comp,status
2026-09-30T23:59:59Z,web,500
2026-10-02T10:00:00Z,web,200
2026-10-02T10:00:10Z,web,200
2026-10-02T10:00:20Z,web,200
2026-10-02T10:01:00Z,web,500
2026-10-05T00:00:00Z,web,200
2026-11-01T00:00:00Z,web,500
"""
OCTOBER_MINUTES = 31 * 24 * 60

runner = CliRunner()


@pytest.fixture
def config(tmp_path: Path) -> Path:
    (tmp_path / "events.csv").write_text(EVENTS)
    shop = service(
        "shop",
        component("web", slo("web-availability", 99)),
        slas=[sla("web-contract", "web", 99.5, (99.5, 10), (90, 25))],
    )
    return write_config(tmp_path, shop)


def _report(*args: str) -> Result:
    return runner.invoke(app, ["report", *args])


def test_a_month_from_telemetry_as_markdown(config: Path) -> None:
    result = _report(str(config), "--period", "2026-10", "--now", NOW)
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0] == "# Compliance report 2026-10"
    assert lines[2].startswith("From 2026-10-01T00:00:00Z to 2026-11-01T00:00:00Z (complete)")
    slo_row = next(line for line in lines if line.startswith("| shop/web-availability |"))
    cells = [c.strip() for c in slo_row.strip("|").split("|")]
    no_data_minutes = OCTOBER_MINUTES - 3
    assert cells == [
        "shop/web-availability", "99%", "80.000%", "MISSED", "2000.0%", "1 event", "1",
        str(no_data_minutes), "2026-10-02 (75.000%)",
    ]  # fmt: skip
    sla_row = next(line for line in lines if line.startswith("| shop/web-contract |"))
    assert [c.strip() for c in sla_row.strip("|").split("|")][:5] == [
        "shop/web-contract", "99.5%", "80.000%", "BREACHED", "25%",
    ]  # fmt: skip


def test_a_period_without_telemetry_is_no_data_never_100_percent(config: Path) -> None:
    result = _report(str(config), "--period", "2026-08", "--now", NOW, "--format", "csv")
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert [(r["kind"], r["status"], r["achieved_ratio"]) for r in rows] == [
        ("slo", "no_data", ""),
        ("sla", "no_data", ""),
    ]
    assert rows[0]["no_data_minutes"] == str(OCTOBER_MINUTES)  # August has 31 days too


def test_last_quarter_in_progress_month_and_html_by_suffix(config: Path, tmp_path: Path) -> None:
    out = tmp_path / "q.html"
    result = _report(str(config), "--last", "quarter", "--now", "2027-01-02T00:00:00Z", "-o", str(out))
    assert result.exit_code == 0, result.output
    assert result.stdout == f"wrote {out}\n"
    page = out.read_text()
    assert page.startswith("<!DOCTYPE html>") and "<h1>Compliance report 2026-Q4</h1>" in page
    assert '<tr class="missed"><td>shop/web-availability</td>' in page
    current = _report(str(config), "--period", "2026-11", "--now", NOW)
    assert "in progress: measured until 2026-11-05T12:00:00Z" in current.stdout
    assert "| shop/web-availability | 99% | 0.000% |" in current.stdout  # November's one bad event


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--period", "October"), "error: --period: 'October' is not a period: give a month as YYYY-MM"),
        (("--period", "2026-13"), "error: --period: '2026-13' is not a period"),
        (("--last", "week"), "error: --last (one of month, quarter): 'week' is not a relative period"),
        (("--period", "2026-10", "--last", "month"), "error: give --period or --last, not both"),
        (("--period", "2027-01"), "error: --period: the period 2027-01 starts after the evaluation time"),
        (
            ("--period", "2026-10", "--format", "json"),
            "error: --format json: a period report is md, csv or html",
        ),
    ],
)
def test_bad_period_input_is_one_line_and_exit_2(config: Path, args: tuple[str, ...], message: str) -> None:
    result = _report(str(config), "--now", NOW, *args)
    assert result.exit_code == 2, result.output
    assert result.stderr.startswith(message)
    assert len(result.stderr.splitlines()) == 1


def test_a_config_without_a_period_and_a_period_format_without_one_are_refused(config: Path) -> None:
    without_period = _report(str(config))
    assert without_period.exit_code == 2
    assert "a configuration is read for a period report only; add --period or --last" in without_period.stderr
    csv_of_a_run = _report("--format", "csv")
    assert csv_of_a_run.exit_code == 2
    assert csv_of_a_run.stderr.startswith("error: --format csv: for a period report")
    no_config = _report("--period", "2026-10")
    assert no_config.exit_code == 2
    assert "name the configuration" in no_config.stderr
