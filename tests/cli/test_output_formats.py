"""Every command that prints results: --format json parses with the expected keys, markdown is a
table or a list, and the default table stays the text people and scripts already read."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from conftest import EXAMPLE_CONFIG
from support.output_schemas import assert_matches_schema
from typer.testing import CliRunner, Result

from reliability.cli import app

EXAMPLE = EXAMPLE_CONFIG
SLO = "orders/checkout-availability"
PLAIN_ENV: dict[str, str | None] = {"FORCE_COLOR": None, "NO_COLOR": None, "TTY_COMPATIBLE": None}


def invoke(*args: str) -> Result:
    return CliRunner().invoke(app, list(args), env=PLAIN_ENV)


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The example's artifacts and ledger, from one run."""
    out = tmp_path_factory.mktemp("generated")
    done = invoke("run", str(EXAMPLE), "--out", str(out))
    assert done.exit_code == 0, done.output
    return out


def as_json(result: Result, exit_code: int = 0, *, schema: str) -> Any:
    """The printed JSON, checked against the command's shipped schema."""
    assert result.exit_code == exit_code, result.output
    return assert_matches_schema(schema, json.loads(result.stdout))


UNITS = ("_ratio", "_seconds", "_total", "burn_rate")


def not_numbers(data: Any, where: str = "") -> list[str]:
    """Keys named for a unit whose value is not a number (e.g. "99.985%", "EXHAUSTED (-134.0%)")."""
    if isinstance(data, list):
        return [bad for i, value in enumerate(data) for bad in not_numbers(value, f"{where}[{i}]")]
    if not isinstance(data, dict):
        return []
    found = []
    for key, value in data.items():
        numeric = value is None or (isinstance(value, int | float) and not isinstance(value, bool))
        if key.endswith(UNITS) and not numeric and not isinstance(value, dict):
            found.append(f"{where}.{key}={value!r}")
        found.extend(not_numbers(value, f"{where}.{key}"))
    return found


def markdown(result: Result, exit_code: int = 0) -> list[str]:
    assert result.exit_code == exit_code, result.output
    lines = result.stdout.splitlines()
    assert lines and "\x1b[" not in result.stdout
    return lines


def is_table_start(lines: list[str]) -> bool:
    return lines[0].startswith("| ") and lines[1].startswith("| --- |")


def test_run(tmp_path: Path) -> None:
    data = as_json(invoke("run", str(EXAMPLE), "--out", str(tmp_path), "--format", "json"), schema="run")
    assert not_numbers(data) == []
    by_slo = {s["slo"]: s for s in data["slos"]}
    checkout = by_slo[SLO]
    assert (checkout["objective_ratio"], checkout["alert_state"], checkout["policy_state"]) == (
        0.999,
        "page",
        "freeze",
    )
    assert 0 < checkout["budget_remaining_ratio"] < 1 and checkout["burn_rate"] > 100
    top = checkout["budget_went_to"][0]  # the note "budget went to day 2026-11-05 67%"
    assert (top["dimension"], top["key"]) == ("day", "2026-11-05") and 0.1 <= top["share_ratio"] <= 1
    assert by_slo["orders/payments-availability"]["budget_exhausted"] is True
    assert by_slo["storefront/catalog-latency"]["objective_source"] == "auto"
    # What the notes under the table say: records read and skipped, and the hooks that would run.
    log = next(i for i in data["inputs"] if i["source"] == "storefront-access-log")
    assert log["skipped_total"] == sum(log["skipped_by_reason_total"].values()) == 2
    assert log["skipped_examples"][0]["line"] == 1001
    assert {a["status"] for a in data["actions"]} == {"dry_run"}
    text = invoke("run", str(EXAMPLE), "--out", str(tmp_path / "text")).stdout
    assert f"{log['skipped_total']:,} skipped" in text
    assert all(f"hook {a['hook']} would run for {a['subject']}" in text for a in data["actions"])


def test_backtest() -> None:
    args = ("backtest", SLO, str(EXAMPLE), "--objectives", "99.9")
    data = as_json(invoke(*args, "--format", "json"), schema="backtest")
    assert not_numbers(data) == []
    [candidate] = data["candidates"]
    assert candidate["objective_ratio"] == 0.999 and candidate["alerts"][0]["paged_incidents_total"] == 1


def test_validate(tmp_path: Path) -> None:
    valid = as_json(invoke("validate", str(EXAMPLE), "--format", "json"), schema="validate")
    assert valid["valid"] is True and valid["problems"] == []
    assert valid["counts"] == {
        "files_total": 5,
        "services_total": 3,
        "components_total": 6,
        "slos_total": 14,
        "slas_total": 3,
        "hooks_total": 3,
    }
    assert markdown(invoke("validate", str(EXAMPLE), "--format", "markdown"))[0].startswith(
        f"- `{EXAMPLE}`: valid (5 file(s)"
    )
    bad = tmp_path / "c.yaml"
    bad.write_text("services:\n  - name: Bad Name\n    components: []\n")
    invalid = as_json(invoke("validate", str(bad), "--format", "json"), exit_code=2, schema="validate")
    assert invalid["valid"] is False and invalid["counts"] is None
    first = invalid["problems"][0]
    assert set(first) == {"file", "line", "path", "message"}
    assert (first["file"], first["line"], first["path"]) == (str(bad), 2, "services[0].name")
    lines = markdown(invoke("validate", str(bad), "--format", "markdown"), exit_code=2)
    assert lines[0].startswith(f"- `{bad}:2`: `services[0].name`:")
    table = invoke("validate", str(bad))  # the table format keeps the problems on stderr
    assert table.exit_code == 2 and table.stdout == "" and f"{bad}:2: services[0].name" in table.stderr


def test_gate(generated: Path) -> None:
    verdict = as_json(
        invoke("gate", "--artifacts", str(generated), "--format", "json"), exit_code=1, schema="gate"
    )
    assert verdict["verdict"] == "stop" and SLO in verdict["deciding"]
    lines = markdown(invoke("gate", "--artifacts", str(generated), "--format", "markdown"), exit_code=1)
    assert lines[0] == "### Reliability gate: STOP"
    header = lines.index("| SLO | VERDICT | POLICY | BUDGET LEFT | ALERT | SLA | WHY |")
    assert is_table_start(lines[header:])


def test_history(generated: Path) -> None:
    ledger = str(generated / "ledger.sqlite")
    data = as_json(invoke("history", "--ledger", ledger, "--format", "json"), schema="history")
    assert data["ledger"] == ledger and {s["slo"] for s in data["runs"][0]["slos"]} >= {SLO}
    lines = markdown(invoke("history", "--ledger", ledger, "--format", "markdown"))
    assert is_table_start(lines) and lines[0].startswith("| EVALUATED AT | RUN | SLO |")
    assert len(lines) == 2 + len(data["runs"][0]["slos"])


def test_hooks_list(generated: Path) -> None:
    ledger = str(generated / "ledger.sqlite")
    actions = as_json(invoke("hooks", "list", "--ledger", ledger, "--format", "json"), schema="hooks-list")
    assert actions and all({"id", "status", "hook", "subject"} <= set(a) for a in actions)
    lines = markdown(invoke("hooks", "list", "--ledger", ledger, "--format", "markdown"))
    assert is_table_start(lines) and lines[0].startswith("| ID | STATUS | HOOK |")
    assert any(f"| {actions[0]['id']} | dry_run | {actions[0]['hook']} |" in line for line in lines)


def test_explain(generated: Path) -> None:
    args = ("explain", SLO, "--artifacts", str(generated))
    data = as_json(invoke(*args, "--format", "json"), schema="explain")
    assert {"slo", "run_id", "configuration", "inputs", "fields"} <= set(data)
    assert [f["field"] for f in data["fields"]][:2] == ["sli", "objective"]
    first = data["configuration"][0]
    assert (first["role"], first["name"]) == ("slo", SLO)
    assert first["where"].startswith(str(EXAMPLE / "orders.yaml:"))
    [source] = data["inputs"]
    assert source["files"][0]["bytes"] == (EXAMPLE / "telemetry" / "orders.jsonl.gz").stat().st_size
    lines = markdown(invoke(*args, "--format", "markdown"))
    assert lines[0].startswith(f"- **{SLO}**: run `{data['run_id']}`")
    assert "| CONFIGURATION | NAME | WHERE |" in lines and "#### sli (`sli-metrics.json`, stage sli)" in lines
    text = invoke(*args)
    assert text.stdout.startswith(f"{SLO}: run {data['run_id']}")  # the default stays the text


def test_explain_list(generated: Path) -> None:
    data = as_json(
        invoke("explain", "--list", "--artifacts", str(generated), "--format", "json"), schema="explain-list"
    )
    assert data["run"]["folder"] == str(generated)
    files = [a["file"] for a in data["artifacts"]]
    assert files[0] == "sli-metrics.json" and "error-budgets.json" in files
    lines = markdown(invoke("explain", "--list", "--artifacts", str(generated), "--format", "markdown"))
    assert lines[0].startswith(f"- artifacts in `{generated}`")
    assert "#### `sli-metrics.json` (stage sli)" in lines


def test_rules(tmp_path: Path) -> None:
    data = as_json(
        invoke("rules", str(EXAMPLE), "--out", str(tmp_path / "json"), "--format", "json"), schema="rules"
    )
    assert [Path(w["path"]).name for w in data["written"]] == ["edge.rules.yml"]
    assert data["written"][0]["slos_total"] == 2 and Path(data["written"][0]["path"]).is_file()
    assert {
        "slo": "orders/order-journey",
        "reason": "a composite SLO: its SLI comes from other SLOs, not from series",
    } in data["skipped"]
    lines = markdown(invoke("rules", str(EXAMPLE), "--out", str(tmp_path / "md"), "--format", "markdown"))
    assert lines[0] == f"- wrote `{tmp_path / 'md' / 'edge.rules.yml'}` (2 SLOs)"
    assert all(line.startswith("- ") for line in lines)


def test_dashboards(tmp_path: Path) -> None:
    data = as_json(
        invoke("dashboards", str(EXAMPLE), "--out", str(tmp_path / "json"), "--format", "json"),
        schema="dashboards",
    )
    assert sorted(Path(w["path"]).name for w in data["written"]) == [
        "edge.json",
        "orders.json",
        "overview.json",
        "storefront.json",
    ]
    assert all(w["panels_total"] > 0 and Path(w["path"]).is_file() for w in data["written"])
    lines = markdown(
        invoke("dashboards", str(EXAMPLE), "--out", str(tmp_path / "md"), "--format", "markdown")
    )
    assert len(lines) == 4 and all(line.startswith("- wrote `") for line in lines)


def test_report(generated: Path, tmp_path: Path) -> None:
    target = tmp_path / "report.html"
    args = ("report", "--artifacts", str(generated), "--out", str(target))
    data = as_json(invoke(*args, "--format", "json"), schema="report")
    assert data == {"written": [{"path": str(target)}]} and target.is_file()
    assert markdown(invoke(*args, "--format", "markdown")) == [f"- wrote `{target}`"]
