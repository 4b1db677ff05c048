"""Change events end to end from a config: a file and a command source, through `run --html`, the
budgets artifact, the report, `explain` and `history --config`."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import pytest
from support.configs import component, events_source, service, slo, write_config
from typer.testing import CliRunner, Result

from reliability.cli import app
from reliability.timefmt import parse_rfc3339, to_rfc3339

NOW = "2026-11-05T12:00:00Z"
DEPLOYED = parse_rfc3339("2026-11-05T09:00:00Z").timestamp()
SLO_ID = "shop/web-availability"


def _invoke(*args: str) -> Result:
    return CliRunner().invoke(app, list(args), env={"NO_COLOR": "1", "COLUMNS": "200"})


@pytest.fixture(scope="module")
def run_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The day before NOW, one request a minute; the 30 minutes after the deploy fail one in two."""
    folder = tmp_path_factory.mktemp("changes")
    rows = []
    for minute in range(24 * 60):
        at = parse_rfc3339(NOW).timestamp() - 86400 + 60 * minute
        failing = DEPLOYED <= at < DEPLOYED + 1800 and minute % 2 == 0
        rows.append(f"{to_rfc3339(at)},web,{500 if failing else 200}\n")
    (folder / "events.csv").write_text("ts,comp,status\n" + "".join(rows))
    deploy = {"time": to_rfc3339(DEPLOYED), "service": "shop", "version": "v2.0.1", "description": "cart"}
    (folder / "deploys.jsonl").write_text(json.dumps(deploy) + "\n")
    flag = {"time": "2026-11-05T11:00:00Z", "service": "shop", "kind": "flag", "version": "dark-mode"}
    (folder / "flags.py").write_text(f"import json\nprint(json.dumps([{flag!r}]))\n")
    shop = service("shop", component("web", slo("web-availability", 99, window="1d")))
    write_config(
        folder,
        shop,
        sources=[events_source()],
        settings={"evaluate_at": NOW},
        change_events=[
            {"name": "deploys", "file": "deploys.jsonl"},
            {"name": "flags", "command": [sys.executable, "flags.py"], "attribution_window": "30m"},
        ],
    )
    done = _invoke("run", str(folder / "config.yaml"), "--html", "--out", str(folder / "out"))
    assert done.exit_code in (0, 1), done.output  # 1: the SLO pages, which is not what is tested
    return folder


def _changes(folder: Path) -> list[dict[str, Any]]:
    budgets = json.loads((folder / "out" / "error-budgets.json").read_text())
    (entry,) = budgets["slos"]
    changes: list[dict[str, Any]] = entry["changes"]
    return changes


def test_each_change_has_the_budget_spent_after_it(run_folder: Path) -> None:
    deploy, flag = _changes(run_folder)
    assert (deploy["source"], deploy["kind"], deploy["version"]) == ("deploys", "deploy", "v2.0.1")
    assert deploy["bad_after"] == 15  # every other minute of the 30 failing ones
    # 1,440 requests a day at 99 %: 14.4 allowed bad ones
    assert deploy["budget_share_after"] == pytest.approx(15 / 14.4)
    assert deploy["attributed_until"] == "2026-11-05T11:00:00Z"
    assert (flag["source"], flag["kind"], flag["bad_after"]) == ("flags", "flag", 0)
    assert flag["attribution_seconds"] == 1800


def test_the_report_marks_the_deploy_on_the_chart_and_says_what_it_spent(run_folder: Path) -> None:
    html = (run_folder / "out" / "report.html").read_text()
    assert '<g class="change">' in html
    assert ">deploy v2.0.1</text>" in html
    assert "budget spent in the 2h after deploy v2.0.1 (2026-11-05T09:00:00Z): 104.2% (15 bad events)" in html


def test_explain_names_the_deploy_and_its_working(run_folder: Path) -> None:
    out = str(run_folder / "out")
    done = _invoke("explain", SLO_ID, "changes", "--artifacts", out)
    assert done.exit_code == 0, done.output
    assert "budget spent in the 2h after deploy v2.0.1" in done.stdout
    assert "2026-11-05T09:00:00Z .. 2026-11-05T11:00:00Z: 15 / 14.4 = 1.042" in done.stdout
    everything = _invoke("explain", SLO_ID, "--artifacts", out)
    assert "changes  [error-budgets.json, stage budgets]" in everything.stdout


def test_history_lists_the_changes_beside_the_runs(run_folder: Path) -> None:
    ledger = str(run_folder / "out" / "ledger.sqlite")
    config = str(run_folder / "config.yaml")
    done = _invoke("history", "--ledger", ledger, "--config", config, "--format", "json")
    assert done.exit_code == 0, done.output
    (run,) = json.loads(done.stdout)["runs"]
    listed = [
        (c["time"], c["kind"], c["version"], c["first_run_after"]) for c in json.loads(done.stdout)["changes"]
    ]
    assert listed == [
        ("2026-11-05T09:00:00Z", "deploy", "v2.0.1", run["id"]),
        ("2026-11-05T11:00:00Z", "flag", "dark-mode", run["id"]),
    ]
    table = _invoke("history", "--ledger", ledger, "--config", config)
    assert "CHANGED AT" in table.stdout and "deploy v2.0.1" in table.stdout
    recent = _invoke("history", "--ledger", ledger, "--config", config, "--since", "90m", "--format", "json")
    assert [c["kind"] for c in json.loads(recent.stdout)["changes"]] == ["flag"]
    plain = _invoke("history", "--ledger", ledger, "--format", "json")
    assert "changes" not in json.loads(plain.stdout)
