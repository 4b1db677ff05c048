"""`reliability hooks`: an action that needs approval waits in the ledger until a person decides."""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

from conftest import EXAMPLE_CONFIG
from support import configs
from support.output_schemas import assert_matches_schema
from typer.testing import CliRunner

from reliability.cli import app

runner = CliRunner()


def copy_example_with_failover(tmp_path: Path, **options: str) -> tuple[Path, Path]:
    """The example's config plus a failover hook on orders that appends each SLO it fires for to a
    marker file; returns the config folder and the marker."""
    config = tmp_path / "config"
    shutil.copytree(EXAMPLE_CONFIG, config)
    marker = tmp_path / "ran.txt"
    script = f"import json, sys; open({str(marker)!r}, 'a').write(json.load(sys.stdin)['slo'] + chr(10))"
    failover = configs.hook(
        "failover",
        services=["orders"],
        min_confidence=0,
        command=[sys.executable, "-c", script],
        timeout="10s",
        **options,
    )
    configs.write_config(config, sources=(), hooks=[failover], name="hooks.yaml")
    return config, marker


def setup(tmp_path: Path) -> tuple[Path, Path, Path]:
    config, marker = copy_example_with_failover(tmp_path, approval="required")
    out = tmp_path / "out"
    result = runner.invoke(app, ["run", str(config), "--out", str(out), "--execute"])
    assert result.exit_code == 0, result.output
    return config, out / "ledger.sqlite", marker


def pending(ledger: Path) -> list[dict[str, str]]:
    listed = runner.invoke(app, ["hooks", "list", "--ledger", str(ledger), "--format", "json"])
    assert listed.exit_code == 0, listed.output
    actions = assert_matches_schema("hooks-list", json.loads(listed.stdout))
    return [a for a in actions if a["status"] == "pending"]


def test_approval_holds_the_action_until_approved(tmp_path: Path) -> None:
    config, ledger, marker = setup(tmp_path)
    waiting = pending(ledger)
    assert {a["subject"] for a in waiting} >= {"orders/checkout"}
    assert not marker.exists()  # --execute did not run it: it needs approval
    action = next(a for a in waiting if a["subject"] == "orders/checkout")
    approved = runner.invoke(
        app, ["hooks", "approve", action["id"], "--config", str(config), "--ledger", str(ledger)]
    )
    assert approved.exit_code == 0, approved.output
    assert "succeeded" in approved.stdout
    assert marker.read_text().splitlines() == ["orders/checkout-availability"]
    other = next(a for a in waiting if a["id"] != action["id"])
    as_json = runner.invoke(
        app,
        [
            "hooks",
            "approve",
            other["id"],
            "--config",
            str(config),
            "--ledger",
            str(ledger),
            "--format",
            "json",
        ],
    )
    assert as_json.exit_code == 0, as_json.output
    outcome = assert_matches_schema("hooks-decision", json.loads(as_json.stdout))
    assert (outcome["action"], outcome["decision"], outcome["status"]) == (
        other["id"],
        "approved",
        "succeeded",
    )
    assert outcome["exit_code"] == 0 and outcome["attempts_total"] == 1
    again = runner.invoke(
        app, ["hooks", "approve", action["id"], "--config", str(config), "--ledger", str(ledger)]
    )
    assert again.exit_code == 1 and "not pending" in again.output


def test_rejected_actions_never_run(tmp_path: Path) -> None:
    config, ledger, marker = setup(tmp_path)
    action = pending(ledger)[0]
    rejected = runner.invoke(
        app, ["hooks", "reject", action["id"], "--ledger", str(ledger), "--format", "json"]
    )
    assert rejected.exit_code == 0, rejected.output
    decided = assert_matches_schema("hooks-decision", json.loads(rejected.stdout))
    assert decided == {"action": action["id"], "decision": "rejected"}
    assert action["id"] not in {a["id"] for a in pending(ledger)}
    late = runner.invoke(
        app, ["hooks", "approve", action["id"], "--config", str(config), "--ledger", str(ledger)]
    )
    assert late.exit_code == 1
    assert not marker.exists()


def test_list_without_a_ledger_is_one_line(tmp_path: Path) -> None:
    result = runner.invoke(app, ["hooks", "list", "--ledger", str(tmp_path / "none.sqlite")])
    assert result.exit_code == 1
    assert "no ledger here" in result.output and "Traceback" not in result.output


def test_cooldown_holds_across_runs(tmp_path: Path) -> None:
    config, marker = copy_example_with_failover(tmp_path, cooldown="1h")
    out = tmp_path / "out"

    def run_at(now: str) -> list[dict[str, str]]:
        result = runner.invoke(app, ["run", str(config), "--out", str(out), "--execute", "--now", now])
        assert result.exit_code == 0, result.output
        sla = json.loads((out / "sla-compliance.json").read_text())
        return [a for a in sla["actions"] if a["subject"] == "orders/checkout"]

    first = run_at("2026-11-05T12:00:00Z")
    assert [a["status"] for a in first] == ["succeeded"]
    ten_minutes_later = run_at("2026-11-05T12:10:00Z")  # still paging, within the hour
    assert [(a["status"], a["reason"]) for a in ten_minutes_later] == [("skipped", "cooldown")]
    ran = marker.read_text().splitlines()
    assert ran.count("orders/checkout-availability") == 1  # the second run did not fire it again


def test_a_long_page_asks_for_approval_once_per_cooldown(tmp_path: Path) -> None:
    config, ledger, _ = setup(tmp_path)  # ran at 12:00: one pending action per paging SLO
    later = runner.invoke(
        app, ["run", str(config), "--out", str(ledger.parent), "--execute", "--now", "2026-11-05T12:10:00Z"]
    )
    assert later.exit_code == 0, later.output
    checkout = [a for a in pending(ledger) if a["subject"] == "orders/checkout"]
    assert len(checkout) == 1  # the 12:10 evaluation is within the default 1h cooldown of the request
    sla = json.loads((ledger.parent / "sla-compliance.json").read_text())
    again = [a for a in sla["actions"] if a["subject"] == "orders/checkout"]
    assert [(a["status"], a["reason"]) for a in again] == [("skipped", "cooldown")]
