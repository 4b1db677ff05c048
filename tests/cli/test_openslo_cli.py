"""OpenSLO end to end: export our configuration, and run, validate, backtest and rules on the result."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import jsonschema
import yaml
from typer.testing import CliRunner

from reliability.cli import app

ARTIFACTS = ("sli-metrics.json", "slo-targets.json", "error-budgets.json", "sla-compliance.json")
RUN_IDENTITY = ("run_id", "config_files")  # the run and the files it read; everything else must agree
SHOP = Path(__file__).parents[1] / "stages" / "data" / "openslo" / "shop"
EVENTS_SOURCE = {  # events.csv of ts, status, ms
    "name": "log",
    "type": "events",
    "paths": ["events.csv"],
    "columns": {"timestamp": {"column": "ts"}, "status": "status", "latency": {"column": "ms"}},
}
SCHEMA = Path(__file__).parents[1] / "support" / "schemas" / "openslo-v1.schema.json"


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
    source = EVENTS_SOURCE
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


def test_labels_a_weighted_composite_and_a_window_set_survive_the_round_trip(tmp_path: Path) -> None:
    config = tmp_path / "config"
    config.mkdir()
    rows = [
        f"2026-11-05T11:{minute:02d}:00Z,{500 if minute % 20 == 0 else 200},{40 * (minute % 30)}"
        for minute in range(60)
    ]
    (config / "events.csv").write_text("ts,status,ms\n" + "\n".join(rows) + "\n")
    source = EVENTS_SOURCE
    pairs = [
        {"severity": "page", "long": "1h", "short": "5m", "budget_share": 0.05},
        {"severity": "ticket", "long": "6h", "short": "20m", "budget_share": 0.25},
    ]
    alerting = {"windows": "fast", "min_events": 5}
    component = {
        "name": "checkout",
        "source": "log",
        "labels": {"team": "payments"},
        "slis": [
            {"name": "availability", "kind": "availability", "good": {"status_below": 500}},
            {"name": "latency", "kind": "latency", "threshold": "300ms"},
        ],
        "slos": [
            {
                "name": "journey_ok",
                "sli": "availability",
                "window": "1d",
                "objective": 99,
                "labels": {"tier": "1"},
            },
            {
                "name": "journey_fast",
                "sli": "latency",
                "window": "1d",
                "objective": 90,
                "labels": {"tier": "1"},
            },
            {
                "name": "availability",
                "sli": "availability",
                "window": "1d",
                "objective": 95,
                "alerting": alerting,
            },
        ],
    }
    composite = {
        "method": "weighted",
        "of": [{"slo": "shop/journey_ok", "weight": 3}, {"slo": "shop/journey_fast", "weight": 1}],
    }
    journey = {
        "name": "journey",
        "window": "1d",
        "composite": composite,
        "objective": 96.75,
        "labels": {"team": "payments", "tier": "1"},
        "alerting": {"windows": "fast"},
    }
    document = {
        "settings": {"evaluate_at": "2026-11-05T12:00:00Z", "history": "2d"},
        "sources": [source],
        "alert_windows": [{"name": "fast", "pairs": pairs}],
        "services": [
            {"name": "shop", "labels": {"env": "prod"}, "components": [component], "slos": [journey]}
        ],
    }
    (config / "config.yaml").write_text(yaml.safe_dump(document))
    ours, exported = _round_trip(config, tmp_path)
    assert _artifacts(tmp_path / "openslo") == _artifacts(ours)
    written = {(d["kind"], d["metadata"]["name"]): d for d in yaml.safe_load_all(exported.read_text())}
    assert written["Service", "shop"]["metadata"]["labels"] == {"env": "prod"}
    assert written["SLO", "availability"]["metadata"]["labels"] == {"team": "payments"}
    assert written["SLO", "availability"]["spec"]["alertPolicies"] == ["fast"]
    objectives = written["SLO", "journey"]["spec"]["objectives"]
    assert [(o["displayName"], o["compositeWeight"], o["target"]) for o in objectives] == [
        ("ok", 3.0, 0.99),
        ("fast", 1.0, 0.9),
    ]
    assert ("SLO", "journey_ok") not in written  # an objective of its composite, not an SLO of its own
    # 1d = 24 x 1h: 5 % of a day's budget in 1 h is a burn rate of 1.2; 20m is no twelfth of 6h.
    first, second = written["AlertCondition", "fast-1"], written["AlertCondition", "fast-2"]
    assert (first["spec"]["severity"], first["spec"]["condition"]["threshold"]) == ("page", 1.2)
    assert second["metadata"]["annotations"] == {"reliability.dev/short-window": "20m"}
    assert [c["conditionRef"] for c in written["AlertPolicy", "fast"]["spec"]["conditions"]] == [
        "fast-1",
        "fast-2",
    ]
    validator = jsonschema.Draft202012Validator(json.loads(SCHEMA.read_text()))
    assert [name for (_, name), d in written.items() if not validator.is_valid(d)] == []
