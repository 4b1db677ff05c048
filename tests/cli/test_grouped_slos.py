"""One grouped SLO over an access log: an SLO per first path segment, a silent one is no data."""

from __future__ import annotations

import json
import string
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from support.file_opens import counting_opens
from typer.testing import CliRunner

from reliability.cli import app

EVALUATED = datetime(2026, 11, 5, 12, 0, tzinfo=UTC)
SEGMENTS = [f"seg-{letter}" for letter in string.ascii_lowercase]  # 26 first path segments
SILENT = "seg-z"  # sends in the first day of history only, nothing in the SLO's 1d window
FAILING = "seg-b"  # one request in six fails

CONFIG = """
settings:
  evaluate_at: "2026-11-05T12:00:00Z"
  history: 2d
sources:
  - name: nginx
    type: events
    paths: [access.log]
    format: log
    preset: combined
    columns:
      timestamp: {column: time_local, format: "%d/%b/%Y:%H:%M:%S %z"}
      status: status
services:
  - name: shop
    components:
      - name: pages
        source: nginx
        group_by:
          - {label: path, column: path, pattern: "^/([^/?]+)"}
        max_groups: MAX
        slis:
          - {name: availability, kind: availability, good: {status_not_in: [5xx]}}
        slos:
          - {name: availability, sli: availability, objective: 99.5, window: 1d}
hooks:
  - {name: notify, triggers: [no_data], command: [/bin/true], slos: [shop/availability]}
"""


def _access_log(path: Path) -> None:
    lines = []
    start = EVALUATED - timedelta(days=2)
    for step in range(0, 2 * 24 * 60):
        at = start + timedelta(minutes=step)
        if at < EVALUATED - timedelta(days=1) and step % 30:
            continue  # history: every 30 minutes; the SLO window: every minute
        stamp = at.strftime("%d/%b/%Y:%H:%M:%S +0000")
        for segment in SEGMENTS:
            if segment == SILENT and at >= EVALUATED - timedelta(days=1):
                continue
            status = 503 if segment == FAILING and step % 60 == 0 else 200
            lines.append(
                f'10.0.0.1 - - [{stamp}] "GET /{segment}/item?id={step} HTTP/1.1" {status} 5 "-" "t"'
            )
    path.write_text("\n".join(lines) + "\n")


@pytest.fixture(scope="module")
def ran(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """One run shared by the tests that read it: its folder and its output."""
    folder = tmp_path_factory.mktemp("grouped")
    code, output = _run(folder)
    assert code == 0, output
    return folder, output


def _run(tmp_path: Path, max_groups: int = 500) -> tuple[int, str]:
    _access_log(tmp_path / "access.log")
    config = tmp_path / "config.yaml"
    config.write_text(CONFIG.replace("MAX", str(max_groups)))
    out = tmp_path / "out"
    args = ["run", str(config), "--out", str(out), "--no-ledger", "--textfile", str(tmp_path / "m.prom")]
    result = CliRunner().invoke(app, args)
    return result.exit_code, result.output


def test_one_grouped_slo_over_26_path_segments_gives_26_slos(ran: tuple[Path, str]) -> None:
    folder = ran[0]
    budgets = json.loads((folder / "out" / "error-budgets.json").read_text())
    by_id = {entry["slo"]: entry for entry in budgets["slos"]}
    assert sorted(by_id) == [f"shop/availability{{path={segment}}}" for segment in SEGMENTS]
    assert by_id["shop/availability{path=seg-a}"]["sli_ratio"] == 1.0
    assert by_id["shop/availability{path=seg-b}"]["total"] == 1440
    assert by_id["shop/availability{path=seg-b}"]["good"] == 1416
    sli = json.loads((folder / "out" / "sli-metrics.json").read_text())
    assert len(sli["components"]) == 26
    assert "pages{path=seg-q}" in {c["component"] for c in sli["components"]}


def test_the_exported_metrics_carry_the_group_label(ran: tuple[Path, str]) -> None:
    folder = ran[0]
    text = (folder / "m.prom").read_text()
    assert (
        'reliability_slo_no_data{component="pages{path=seg-z}",path="seg-z",service="shop",'
        'slo="availability{path=seg-z}"} 1.0'
    ) in text
    assert 'reliability_slo_objective_ratio{component="pages{path=seg-a}",path="seg-a"' in text


def test_a_group_that_stopped_sending_is_no_data_never_good(ran: tuple[Path, str]) -> None:
    folder, output = ran
    budgets = json.loads((folder / "out" / "error-budgets.json").read_text())
    silent = next(e for e in budgets["slos"] if e["slo"] == "shop/availability{path=seg-z}")
    assert (silent["no_data"], silent["events"], silent["sli_ratio"]) == (True, 0, None)
    assert silent["alert"]["state"] == "no_data"
    row = next(line for line in output.splitlines() if "availability{path=seg-z}" in line)
    assert "no data" in row
    assert "shop/availability{path=seg-z}: data in 0 of 24 hours" in output


def test_more_groups_than_max_groups_fail_naming_the_file_line_and_field(tmp_path: Path) -> None:
    code, output = _run(tmp_path, max_groups=25)
    assert code != 0
    assert "config.yaml:17: max_groups: component shop/pages" in output  # the component line
    assert "more than max_groups=25 groups by path" in output


def test_hooks_naming_the_grouped_slo_act_on_the_silent_group_only(ran: tuple[Path, str]) -> None:
    folder = ran[0]
    sla = json.loads((folder / "out" / "sla-compliance.json").read_text())
    (action,) = sla["actions"]
    assert (action["hook"], action["trigger"], action["subject"]) == (
        "notify",
        "no_data",
        "shop/pages{path=seg-z}",
    )
    assert action["event"]["slo"] == "shop/availability{path=seg-z}"


def test_explain_traces_one_group_to_its_rows(ran: tuple[Path, str]) -> None:
    folder = ran[0]
    args = ["explain", "shop/availability{path=seg-b}", "sli", "--artifacts", str(folder / "out")]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    assert "component  shop/pages{path=seg-b}" in result.output
    assert "rows where path (first group of ^/([^/?]+) over path) is 'seg-b'" in result.output
    assert "= 1416 / 1440" in result.output


def test_backtest_replays_one_group(ran: tuple[Path, str]) -> None:
    folder = ran[0]
    args = ["backtest", "shop/availability{path=seg-b}", str(folder / "config.yaml"), "--objectives", "99"]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    assert result.output.startswith("shop/availability{path=seg-b} (rolling 1d, occurrences)")


def test_run_and_backtest_read_the_access_log_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The groups are found in the read that counts them: one open of the log per command."""
    opens = counting_opens(monkeypatch)
    code, output = _run(tmp_path)
    assert code == 0, output
    assert opens == {"access.log": 1}
    assert "shop/availability{path=seg-z}: data in 0 of 24 hours" in output  # counted in that read
    opens.clear()
    args = ["backtest", "shop/availability{path=seg-b}", str(tmp_path / "config.yaml"), "--objectives", "99"]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    assert opens == {"access.log": 1}
