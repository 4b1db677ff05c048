"""`reliability gate` on the bundled example's artifacts: pass, stop, and every way it cannot decide."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from conftest import EXAMPLE_CONFIG
from support.artifact_builders import error_budgets, sla_compliance, slo_budget
from support.output_schemas import assert_matches_schema
from support.republish import republish
from typer.testing import CliRunner, Result

from reliability import artifacts
from reliability.actions import gate as decision
from reliability.artifacts.error_budgets import Policy, SloBudget, UnjudgedBudget
from reliability.cli import app
from reliability.commands import gate
from reliability.conventions import ARTIFACT_FILES, MANIFEST_FILE, Stage

BUDGETS_FILE = ARTIFACT_FILES[Stage.BUDGETS]
HEALTHY_SLO = "edge/gateway-availability"
SILENT_SLO = "storefront/recommendations-availability"

runner = CliRunner()


def _gate(*args: str) -> Result:
    return runner.invoke(app, ["gate", *args])


@pytest.fixture(scope="module")
def budgets(example_run: Path) -> dict[str, Any]:
    return artifacts.read(example_run / BUDGETS_FILE)


def _stopping(budgets: dict[str, Any]) -> set[str]:
    """SLOs the policy says stop for, straight from the artifact."""
    return {
        e["slo"]
        for e in budgets["slos"]
        if e["policy"]["state"] == "freeze" or e["budget"]["exhausted"] or e["alert"]["state"] == "page"
    }


def _copy(example_run: Path, tmp_path: Path) -> Path:
    folder = tmp_path / "artifacts"
    shutil.copytree(example_run, folder)
    return folder


def test_the_example_stops_and_names_the_freezes(example_run: Path, budgets: dict[str, Any]) -> None:
    result = _gate("--artifacts", str(example_run))
    assert result.exit_code == 1, result.output
    assert result.stdout.startswith("gate: STOP (exit 1)")
    freezes = {e["slo"] for e in budgets["slos"] if e["policy"]["state"] == "freeze"}
    assert freezes, "the example plants SLOs whose budget policy says freeze"
    for slo in freezes:
        assert f"{slo} (STOP): policy freeze by rules[" in result.stdout
    assert f"{SILENT_SLO} (" not in result.stdout  # no data does not decide a stop


def test_a_healthy_slo_passes(example_run: Path) -> None:
    result = _gate("--artifacts", str(example_run), "--slo", HEALTHY_SLO)
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("gate: PASS (exit 0)")
    assert f"{HEALTHY_SLO} (PASS): policy ok" in result.stdout


def test_an_slo_without_data_cannot_be_decided(example_run: Path, budgets: dict[str, Any]) -> None:
    entry = next(e for e in budgets["slos"] if e["slo"] == SILENT_SLO)
    assert entry["policy"]["state"] == "no_data"
    result = _gate("--artifacts", str(example_run), "--slo", SILENT_SLO)
    assert result.exit_code == 2, result.output
    assert f"{SILENT_SLO} (NO DECISION): policy no_data: {entry['policy']['reason']}" in result.stdout


def test_a_stop_outweighs_silence(example_run: Path) -> None:
    args = [
        "--artifacts",
        str(example_run),
        "--slo",
        SILENT_SLO,
        "--slo",
        "orders/checkout-availability",
    ]
    assert _gate(*args).exit_code == 1


def test_service_and_slo_each_add_slos(example_run: Path, budgets: dict[str, Any]) -> None:
    result = _gate(
        "--artifacts", str(example_run), "--service", "edge", "--slo", SILENT_SLO, "--format", "json"
    )
    chosen = {s["slo"] for s in json.loads(result.stdout)["slos"]}
    edge = {e["slo"] for e in budgets["slos"] if e["service"] == "edge"}
    assert chosen == edge | {SILENT_SLO}


@pytest.mark.parametrize(
    ("option", "value", "expected"),
    [
        ("--slo", "orders/checkout-availabilty", "unknown SLO 'orders/checkout-availabilty'"),
        ("--service", "ordrs", "unknown service 'ordrs'"),
    ],
)
def test_an_unknown_selection_is_one_line_and_exit_2(
    example_run: Path, option: str, value: str, expected: str
) -> None:
    result = _gate("--artifacts", str(example_run), option, value)
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr.startswith(f"error: {expected}") and "did you mean" in result.stderr
    assert len(result.stderr.splitlines()) == 1


def test_missing_artifacts_exit_2(tmp_path: Path) -> None:
    result = _gate("--artifacts", str(tmp_path))
    assert result.exit_code == 2
    assert result.stderr.startswith(
        f"error: {tmp_path / BUDGETS_FILE}: no such artifact: run `reliability run`"
    )
    assert len(result.stderr.splitlines()) == 1


def test_a_truncated_artifact_exits_2(example_run: Path, tmp_path: Path) -> None:
    folder = _copy(example_run, tmp_path)
    path = folder / BUDGETS_FILE
    path.write_text(path.read_text()[:500])
    republish(path)
    result = _gate("--artifacts", str(folder))
    assert result.exit_code == 2
    assert result.stderr.startswith(f"error: {path}: not valid JSON")
    assert len(result.stderr.splitlines()) == 1


def test_an_artifact_off_its_schema_exits_2(example_run: Path, tmp_path: Path) -> None:
    folder = _copy(example_run, tmp_path)
    path = folder / BUDGETS_FILE
    data = artifacts.read(path)
    del data["slos"][0]["policy"]
    path.write_text(json.dumps(data))
    republish(path)
    result = _gate("--artifacts", str(folder))
    assert result.exit_code == 2
    assert f"{path}: does not match the error-budgets schema: slos/0" in result.stderr


def test_artifacts_of_two_runs_are_not_mixed(example_run: Path, tmp_path: Path) -> None:
    folder = _copy(example_run, tmp_path)
    path = folder / ARTIFACT_FILES[Stage.SLA]
    data = artifacts.read(path)
    data["run_id"] = "0123456789abcdef"
    path.write_text(json.dumps(data))
    result = _gate("--artifacts", str(folder))
    assert result.exit_code == 2
    assert "are from different runs" in result.stderr


def test_a_crash_is_never_read_as_stop(example_run: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(*_: Any) -> None:
        raise RuntimeError("a bug")

    monkeypatch.setattr(gate, "decide", broken)
    result = _gate("--artifacts", str(example_run))
    assert result.exit_code == 2  # exit 1 would tell CI the policy said stop
    assert "internal error: RuntimeError: a bug" in result.stderr


def test_json_for_machines(example_run: Path, budgets: dict[str, Any]) -> None:
    result = _gate("--artifacts", str(example_run), "--format", "json")
    assert result.exit_code == 1
    data = assert_matches_schema("gate", json.loads(result.stdout))
    assert data["verdict"] == "stop" and data["exit_code"] == 1
    assert data["evaluated_at"] == budgets["evaluated_at"] and data["run_id"] == budgets["run_id"]
    assert set(data["deciding"]) == _stopping(budgets)
    by_slo = {s["slo"]: s for s in data["slos"]}
    assert len(by_slo) == len(budgets["slos"])
    payments = by_slo["orders/payments-availability"]
    assert payments["policy_state"] == "freeze" and payments["budget_exhausted"] is True
    assert payments["budget_remaining_ratio"] < 0  # a number, never display text
    assert payments["slas"][0]["status"] == "breached" and 0 < payments["slas"][0]["credit_ratio"] <= 1
    assert any(reason.startswith("budget exhausted") for reason in payments["reasons"])


def test_markdown_for_a_job_summary(example_run: Path, budgets: dict[str, Any]) -> None:
    result = _gate("--artifacts", str(example_run), "--format", "markdown")
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    assert lines[0] == "### Reliability gate: STOP"
    assert f"`{budgets['evaluated_at']}`" in result.stdout
    header = lines.index("| SLO | VERDICT | POLICY | BUDGET LEFT | ALERT | SLA | WHY |")
    rows = [line for line in lines[header + 2 :] if line.startswith("| ")]
    assert len(rows) == len(budgets["slos"])
    assert all(row.count(" | ") == 6 for row in rows)  # reasons never break the table
    checkout = next(row for row in rows if row.startswith("| orders/checkout-availability |"))
    assert "| STOP | freeze |" in checkout and "policy freeze by rules[1]" in checkout
    assert result.stdout.isascii()  # markers, not emoji


def test_run_first_writes_the_artifacts_and_judges_them(tmp_path: Path) -> None:
    """--run on the example without its hooks file: the gate reads no planned action."""
    config = tmp_path / "config"
    config.mkdir()
    for file in EXAMPLE_CONFIG.glob("*.yaml"):
        if file.name != "hooks.yaml":
            (config / file.name).symlink_to(file)
    (config / "telemetry").symlink_to(EXAMPLE_CONFIG / "telemetry")
    out = tmp_path / "out"
    result = _gate("--run", str(config), "--artifacts", str(out), "--format", "json")
    assert result.exit_code == 1, result.output
    assert json.loads(result.stdout)["evaluated_at"] == "2026-11-05T12:00:00Z"  # settings.evaluate_at
    assert sorted(p.name for p in out.glob("*.json")) == sorted([*ARTIFACT_FILES.values(), MANIFEST_FILE])
    assert result.stderr.startswith(f"ran the pipeline on {config}")
    # Recorded in the ledger like `reliability run`, so history and hook cooldowns see it.
    history = CliRunner().invoke(app, ["history", "--ledger", str(out / "ledger.sqlite"), "--format", "json"])
    assert history.exit_code == 0, history.output
    assert [run["evaluated_at"] for run in json.loads(history.stdout)["runs"]] == ["2026-11-05T12:00:00Z"]


def test_a_failed_run_first_exits_2(tmp_path: Path) -> None:
    result = _gate("--run", str(tmp_path / "missing"), "--artifacts", str(tmp_path / "out"))
    assert result.exit_code == 2
    assert "no such file or folder" in result.stderr


def test_a_reader_that_leaves_before_the_verdict_means_undecided(repo: Path) -> None:
    # The read end is closed before the interpreter has even started: the verdict cannot be written.
    command = [
        sys.executable,
        "-m",
        "reliability.cli",
        "gate",
        "--artifacts",
        str(repo / "tests" / "golden" / "example" / "expected" / "generated"),
    ]
    with subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE) as process:
        assert process.stdout is not None and process.stderr is not None
        process.stdout.close()
        errors = process.stderr.read().decode()
        process.wait(timeout=60)
    assert process.returncode == 2  # never 1: a gate exits 1 only to say "stop"
    assert "Traceback" not in errors and "Exception ignored" not in errors


# --- the decision alone, on values -----------------------------------------------------------------


def _entry(name: str, policy: str = "ok", objective: bool = True) -> SloBudget | UnjudgedBudget:
    """A budget entry with only what the gate reads set: no budget spent and no alert."""
    if not objective:
        return UnjudgedBudget(
            f"shop/{name}", "shop", name, "availability", "30d", 2_592_000, None, True, "no data"
        )
    planted = slo_budget("shop", "ok")
    return replace(planted, slo=f"shop/{name}", component=name, policy=Policy(policy, None, "as planted"))


def _decide(*entries: SloBudget | UnjudgedBudget, slos: list[str] | None = None) -> decision.GateResult:
    budgets = replace(error_budgets(), slos=entries)
    return decision.decide(budgets, sla_compliance(), [], slos or [], Path("artifacts"))


def test_stop_wins_over_no_data_and_names_only_the_stopping_slo() -> None:
    result = _decide(_entry("a"), _entry("b", objective=False), _entry("c", policy="freeze"))
    assert result.verdict is decision.Verdict.STOP and result.exit_code == 1
    assert [s.slo for s in result.deciding] == ["shop/c"]
    assert result.headline() == "3 SLO(s): 1 stop, 1 cannot be decided, 1 pass"


def test_a_policy_state_the_gate_does_not_know_is_no_decision() -> None:
    result = _decide(_entry("a"), _entry("b", policy="review"))
    assert result.verdict is decision.Verdict.UNDECIDED
    assert "knows no other state" in result.slos[1].reasons[0]


def test_a_selection_judges_only_its_slos_and_an_empty_run_never_passes() -> None:
    assert (
        _decide(_entry("a"), _entry("b", policy="freeze"), slos=["shop/a"]).verdict is decision.Verdict.PASS
    )
    assert _decide().verdict is decision.Verdict.UNDECIDED
