"""OpenSLO end to end: export our configuration, and run, validate, backtest and rules on the result."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import yaml
from typer.testing import CliRunner

from reliability.cli import app

ARTIFACTS = ("sli-metrics.json", "slo-targets.json", "error-budgets.json", "sla-compliance.json")
RUN_IDENTITY = ("run_id", "config_files")  # the run and the files it read; everything else must agree
SHOP = Path(__file__).parents[1] / "stages" / "data" / "openslo" / "shop"


def _invoke(*args: str) -> str:
    result = CliRunner().invoke(app, list(args))
    assert result.exit_code == 0, result.output
    return result.stdout


def _artifacts(folder: Path) -> dict[str, bytes]:
    found = {}
    for name in ARTIFACTS:
        data = json.loads((folder / name).read_text())
        for key in RUN_IDENTITY:
            data.pop(key)
        found[name] = json.dumps(data, sort_keys=True).encode()
    return found


def _round_trip(config: Path, tmp_path: Path) -> tuple[Path, Path]:
    """Run `config`, export it beside itself (so file paths read alike) and run the export alone."""
    _invoke("run", str(config), "--out", str(tmp_path / "ours"), "--until", "sla", "--quiet")
    exported = config / "export.openslo.yaml"
    _invoke("export", "openslo", str(config), "-o", str(exported))
    _invoke("run", str(exported), "--out", str(tmp_path / "openslo"), "--until", "sla", "--quiet")
    return tmp_path / "ours", exported


def test_the_example_survives_the_round_trip(example_config: Path, tmp_path: Path) -> None:
    config = tmp_path / "config"
    shutil.copytree(example_config, config)
    ours, exported = _round_trip(config, tmp_path)
    assert _artifacts(tmp_path / "openslo") == _artifacts(ours)
    kinds = [d["kind"] for d in yaml.safe_load_all(exported.read_text())]
    assert kinds.count("SLO") == 14 and kinds.count("DataSource") == 3
    assert "valid (1 file(s), 3 service(s), 6 component(s), 14 SLO(s), 3 SLA(s), 3 hook(s))" in _invoke(
        "validate", str(exported)
    )
    backtests = [
        json.loads(
            _invoke(
                "backtest",
                "orders/checkout-availability",
                str(path),
                "--objectives",
                "99.9",
                "--format",
                "json",
            )
        )
        for path in (exported, example_config)
    ]
    assert backtests[0]["candidates"] == backtests[1]["candidates"]


def test_several_objectives_end_to_end(tmp_path: Path) -> None:
    config = tmp_path / "config"
    config.mkdir()
    rows = [f"2026-11-05T11:{minute:02d}:00Z,200,{40 * (minute % 30)}" for minute in range(60)]
    (config / "events.csv").write_text("ts,status,ms\n" + "\n".join(rows) + "\n")
    source = {
        "name": "log",
        "type": "events",
        "paths": ["events.csv"],
        "columns": {"timestamp": {"column": "ts"}, "status": "status", "latency": {"column": "ms"}},
    }
    objectives = [{"name": "p95", "objective": 95}, {"name": "p99", "objective": 99.9, "threshold": "1s"}]
    slo = {"name": "latency", "sli": "latency", "window": "1d", "objectives": objectives}
    component = {
        "name": "checkout",
        "source": "log",
        "slis": [{"name": "latency", "kind": "latency", "threshold": "300ms"}],
        "slos": [slo],
    }
    document = {
        "settings": {"evaluate_at": "2026-11-05T12:00:00Z", "history": "2d"},
        "sources": [source],
        "services": [{"name": "shop", "components": [component]}],
    }
    (config / "config.yaml").write_text(yaml.safe_dump(document))
    ours, exported = _round_trip(config, tmp_path)
    [written] = [d for d in yaml.safe_load_all(exported.read_text()) if d["kind"] == "SLO"]
    assert [(o["displayName"], o["value"], o["target"]) for o in written["spec"]["objectives"]] == [
        ("p95", 0.3, 0.95),
        ("p99", 1.0, 0.999),
    ]
    assert _artifacts(tmp_path / "openslo") == _artifacts(ours)
    budgets = json.loads((ours / "error-budgets.json").read_text())
    # Latencies 0, 40, ... 1160 ms, twice: 8 of each 30 are at most 300 ms, 26 at most 1 s.
    ratios = {slo["slo"]: round(slo["sli_ratio"], 4) for slo in budgets["slos"]}
    assert ratios == {"shop/latency_p95": round(8 / 30, 4), "shop/latency_p99": round(26 / 30, 4)}


def test_rules_and_validate_read_an_openslo_folder(tmp_path: Path) -> None:
    assert "valid (1 file(s), 1 service(s), 2 component(s), 3 SLO(s)" in _invoke("validate", str(SHOP))
    report = json.loads(_invoke("rules", str(SHOP), "--out", str(tmp_path), "--format", "json"))
    assert [w["slos_total"] for w in report["written"]] == [1]
    assert {s["slo"] for s in report["skipped"]} == {"web/latency_p95", "web/latency_p99"}
    rules = yaml.safe_load((tmp_path / "web.rules.yml").read_text())
    text = json.dumps(rules)
    assert 'http_requests_total{code=~\\"5..\\",job=~\\"web\\"}' in text
