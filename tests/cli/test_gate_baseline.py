"""`reliability gate --baseline RUN`: the example's run against an edited copy of itself, or a ledger run."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from support.output_schemas import assert_matches_schema
from support.republish import republish
from typer.testing import CliRunner, Result

from reliability.cli import app
from reliability.conventions import ARTIFACT_FILES, Stage
from reliability.ledger import LEDGER_FILE, Ledger, RunStart, SloRecord

BUDGETS_FILE = ARTIFACT_FILES[Stage.BUDGETS]
SLO = "orders/payments-availability"
LATENCY_SLO = "edge/gateway-latency"

runner = CliRunner()


def _gate(*args: str) -> Result:
    return runner.invoke(app, ["gate", *args])


def _baseline(example_run: Path, tmp_path: Path, **figures: Any) -> Path:
    """A copy of the run whose SLO entry for `SLO` carries the given fields; none given: without it."""
    folder = tmp_path / "before"
    shutil.copytree(example_run, folder)
    path = folder / BUDGETS_FILE
    data = json.loads(path.read_text())
    entry = next(e for e in data["slos"] if e["slo"] == SLO)
    if figures:
        entry.update(figures)
    else:
        data["slos"].remove(entry)
    path.write_text(json.dumps(data, indent=2))
    republish(path)
    return folder


def _sli(example_run: Path, slo: str = SLO) -> float:
    data = json.loads((example_run / BUDGETS_FILE).read_text())
    ratio: float = next(e for e in data["slos"] if e["slo"] == slo)["sli_ratio"]
    return ratio


def test_the_same_run_passes_with_a_row_per_figure(example_run: Path) -> None:
    result = _gate("--artifacts", str(example_run), "--baseline", str(example_run))
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("gate --baseline: PASS (exit 0)")
    header = next(line for line in result.stdout.splitlines() if line.startswith("SLO "))
    assert header.split() == ["SLO", "MEASURE", "BEFORE", "AFTER", "CHANGE", "MARGIN", "VERDICT"]
    assert any(line.split()[:2] == [LATENCY_SLO, "p99"] for line in result.stdout.splitlines())


def test_an_sli_worse_than_the_margin_stops_with_the_numbers(example_run: Path, tmp_path: Path) -> None:
    before = _baseline(example_run, tmp_path, sli_ratio=_sli(example_run) + 0.002)
    result = _gate("--artifacts", str(example_run), "--baseline", str(before), "--compare", SLO)
    assert result.exit_code == 1, result.output
    assert f"{SLO} sli (WORSE): SLI down 0.200 pp, more than 0.1 pp" in result.stdout
    row = next(
        line for line in result.stdout.splitlines() if line.split()[:2] == [SLO, "sli"] and "(" not in line
    )
    assert row.split()[4:] == ["-0.200", "pp", "-0.1", "pp", "WORSE"]


def test_a_wider_margin_passes_the_same_drop(example_run: Path, tmp_path: Path) -> None:
    before = _baseline(example_run, tmp_path, sli_ratio=_sli(example_run) + 0.002)
    result = _gate(
        "--artifacts", str(example_run), "--baseline", str(before), "--compare", SLO, "--max-worse", "0.3"
    )
    assert result.exit_code == 0, result.output


def test_the_error_ratio_margin_judges_relative_growth(example_run: Path, tmp_path: Path) -> None:
    after = _sli(example_run)
    before = _baseline(example_run, tmp_path, sli_ratio=1 - (1 - after) / 2)  # half the errors before
    args = ("--artifacts", str(example_run), "--baseline", str(before), "--compare", SLO)
    stopped = _gate(*args, "--max-worse-ratio", "0.5")
    assert stopped.exit_code == 1, stopped.output
    assert "error ratio +100.0%, more than +50%" in stopped.stdout
    assert _gate(*args, "--max-worse-ratio", "1.5").exit_code == 0


def test_no_data_in_the_baseline_is_undecided_unless_allowed(example_run: Path, tmp_path: Path) -> None:
    before = _baseline(example_run, tmp_path)  # the SLO did not exist before the change
    args = ("--artifacts", str(example_run), "--baseline", str(before), "--compare", SLO)
    undecided = _gate(*args)
    assert undecided.exit_code == 2, undecided.output
    assert f"{SLO} sli (NO DATA): no data in the baseline" in undecided.stdout
    allowed = _gate(*args, "--allow-no-data")
    assert allowed.exit_code == 0, allowed.output


def test_json_matches_its_schema(example_run: Path, tmp_path: Path) -> None:
    before = _baseline(example_run, tmp_path, sli_ratio=_sli(example_run) + 0.002)
    result = _gate("--artifacts", str(example_run), "--baseline", str(before), "--format", "json")
    assert result.exit_code == 1, result.output
    data = assert_matches_schema("gate-baseline", json.loads(result.stdout))
    change = next(c for c in data["changes"] if c["slo"] == SLO and c["measure"] == "sli")
    assert change["verdict"] == "stop"
    assert change["change"] == pytest.approx(-0.002)
    assert data["margins"]["max_worse_points"] == 0.1


def test_a_run_id_is_looked_up_in_the_ledger(example_run: Path, tmp_path: Path) -> None:
    folder = tmp_path / "after"
    shutil.copytree(example_run, folder)
    with Ledger.open(folder / LEDGER_FILE) as book:
        row = book.start_run(
            RunStart("0123456789abcdef", "2026-10-01T00:00:00Z", "2026-10-01T00:00:00Z", "x", ())
        )
        book.finish_run(row, [SloRecord(SLO, "orders", _sli(example_run) + 0.002, 99.9, 0.5, "ok", "ok")])
    result = _gate("--artifacts", str(folder), "--baseline", "0123456789abcdef", "--compare", SLO)
    assert result.exit_code == 1, result.output
    assert "before: run 0123456789abcdef evaluated at 2026-10-01T00:00:00Z" in result.stdout
    assert "SLI down 0.200 pp" in result.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--baseline", "no-such-run"), "error: --baseline no-such-run: not a folder, and no ledger at"),
        (("--compare", "nothing/*"), "error: --compare 'nothing/*' matches no SLO of"),
        (("--max-worse", "-1"), "error: --max-worse: a margin is a number >= 0, not -1.0"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(example_run: Path, args: tuple[str, ...], message: str) -> None:
    full = ("--artifacts", str(example_run), "--baseline", str(example_run), *args)
    if args[0] == "--baseline":
        full = ("--artifacts", str(example_run), *args)
    result = _gate(*full)
    assert result.exit_code == 2, result.output
    assert result.stderr.startswith(message)
    assert len(result.stderr.splitlines()) == 1


def test_slo_and_service_select_what_is_compared(example_run: Path) -> None:
    args = ("--artifacts", str(example_run), "--baseline", str(example_run))
    result = _gate(*args, "--slo", SLO, "--service", "edge", "--format", "json")
    assert result.exit_code == 0, result.output
    compared = {c["slo"] for c in json.loads(result.stdout)["changes"]}
    assert compared == {SLO, "edge/gateway-availability", LATENCY_SLO}
