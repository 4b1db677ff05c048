"""The generated rules, evaluated by real rule engines, record the numbers `reliability run` computes.

One SLO over two hours of per-minute counters with uneven traffic (so the event-weighted period
ratio differs from a mean of 5-minute ratios) and a burst of errors in the last half hour. `run`
reads the counters from an OpenMetrics file; the same samples go to:
- Prometheus' rule engine, as `promtool test rules` runs it: every rule evaluated every 5 minutes
  over the whole history, chained rules in order (a live Prometheus only evaluates from its start,
  so it could not record a period ratio over backfilled history);
- VictoriaMetrics' vmalert, replaying the vmalert file over the counters imported into a real
  VictoriaMetrics, one dependency layer of rules at a time (a rule reads only earlier layers' output).
Both must record the SLI, the burn rates and the budget left within 1e-9 relative of `run`'s.

`run` is asked one minute after the rules' instant: it books a sample taken at the evaluation
instant into the minute that starts there (its windows end before `now`), where PromQL's ranges end
with it. On minute-aligned samples, `run` at END + 1m reads exactly the samples the rules read at
END, for every window.

The shortest window is 2m, twice the sample interval: MetricsQL widens a range no longer than the
interval between samples (a 1m rate over 1-minute samples reads 2 minutes), where PromQL does not.
"""

from __future__ import annotations

import json
import re
import subprocess
import time
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Any

import pytest
import yaml
from conftest import require_binary
from support.configs import component, counter_availability, openmetrics_source, service, slo, write_config
from support.real_servers import victoria_metrics

from reliability import pipeline
from reliability.config import load_config
from reliability.conventions import Stage
from reliability.exporters import rule_sources, rules
from reliability.exporters.rule_targets import RuleTarget, for_target
from reliability.timefmt import parse_rfc3339, to_rfc3339

pytestmark = pytest.mark.real

RELATIVE = 1e-9
MINUTES = 120
STEP = 300  # rule evaluation interval: the 5m rates then tile the period exactly
END = int(parse_rfc3339("2026-11-05T12:00:00Z").timestamp())  # within the test server's 10y retention
START = END - MINUTES * 60
BUDGET = 0.01
FAST = {
    "name": "fast",
    "pairs": [
        {"severity": "page", "long": "10m", "short": "2m", "budget_share": 0.1},
        {"severity": "ticket", "long": "30m", "short": "5m", "budget_share": 0.25},
    ],
}
API = service(
    "shop",
    component(
        "api",
        slo("api-availability", 99, window="2h", alerting={"windows": "fast", "min_events": 50}),
        source="counters",
        slis=[counter_availability("api")],
    ),
)
SELECTOR = '{sloth_id="shop-api-availability"}'
POLL_DEADLINE_SECONDS = 30.0


def per_minute(minute: int) -> tuple[int, int]:
    """(requests, errors) in minute `minute` (1-based): uneven, errors bursting in the last 30."""
    total = 40 + (minute * 37) % 61
    errors = total // 4 if minute > MINUTES - 30 else int(minute % 7 == 0)
    return total, errors


def counter_values() -> dict[str, list[int]]:
    """Cumulative counters per minute from START (0) to END, by `code`."""
    ok, failed = [0], [0]
    for minute in range(1, MINUTES + 1):
        total, errors = per_minute(minute)
        ok.append(ok[-1] + total - errors)
        failed.append(failed[-1] + errors)
    return {"200": ok, "500": failed}


def series_name(code: str) -> str:
    return f'http_requests_total{{code="{code}",job="api"}}'


def openmetrics() -> str:
    lines = ["# TYPE http_requests counter"]
    for code, values in counter_values().items():
        lines += [f"{series_name(code)} {v} {START + 60 * i}" for i, v in enumerate(values)]
    return "\n".join([*lines, "# EOF", ""])


def run_figures(tmp_path: Path) -> tuple[dict[str, float], list[dict[str, Any]]]:
    """What `run` computes at END, as the expression each rule records it under; and the rule groups."""
    (tmp_path / "counters.om").write_text(openmetrics())
    path = write_config(
        tmp_path,
        API,
        sources=[openmetrics_source("counters", "counters.om")],
        alert_windows=[FAST],
    )
    config = load_config(path)
    result = pipeline.run(config, pipeline.RunOptions(now=END + 60, out_dir=tmp_path / "out"))
    [entry] = result.as_json()[Stage.BUDGETS]["slos"]
    expected = {
        f"slo:sli_error:ratio_rate2h{SELECTOR}": 1 - entry["sli_ratio"],
        f"slo:period_burn_rate:ratio{SELECTOR}": (1 - entry["sli_ratio"]) / BUDGET,
        f"slo:period_error_budget_remaining:ratio{SELECTOR}": entry["budget"]["remaining_ratio"],
        f"slo:current_burn_rate:ratio{SELECTOR}": entry["current_burn_rate"],
    }
    for rate in entry["burn_rates"]:
        if rate["window"] != "2h":
            expected[f"slo:sli_error:ratio_rate{rate['window']}{SELECTOR}"] = rate["burn_rate"] * BUDGET
    assert all(value != 0 for value in expected.values())  # relative comparisons need no zero
    groups = rules.rule_file(rule_sources.from_config(config).specs)["groups"]
    return expected, groups


def relative_check(expr: str, value: float) -> str:
    """1 when `expr` is within RELATIVE of `value`; no labels, so the expected sample is `{}`."""
    return f"min(abs({expr} / {value!r} - 1) <= bool {RELATIVE})"


def test_prometheus_rule_engine_records_what_run_computes(tmp_path: Path) -> None:
    promtool = require_binary("promtool")
    expected, groups = run_figures(tmp_path)
    (tmp_path / "slo.rules.yml").write_text(yaml.safe_dump({"groups": groups}))
    values = counter_values()
    unit_test = {
        "rule_files": ["slo.rules.yml"],
        "evaluation_interval": f"{STEP}s",
        "tests": [
            {
                "interval": "1m",
                "input_series": [
                    {"series": series_name(code), "values": " ".join(map(str, values[code]))}
                    for code in values
                ],
                "promql_expr_test": [
                    {
                        "expr": relative_check(expr, value),
                        "eval_time": f"{MINUTES}m",
                        "exp_samples": [{"labels": "{}", "value": 1}],
                    }
                    for expr, value in expected.items()
                ],
            }
        ],
    }
    (tmp_path / "agreement.test.yml").write_text(yaml.safe_dump(unit_test))
    checked = subprocess.run(
        [promtool, "test", "rules", "agreement.test.yml"], cwd=tmp_path, capture_output=True, text=True
    )
    assert checked.returncode == 0, checked.stdout + checked.stderr


def layers(group: dict[str, Any]) -> list[list[dict[str, Any]]]:
    """The group's rules in dependency layers: a rule reading a series recorded in the group comes
    after the layer that records it."""
    depth: dict[str, int] = {}
    placed: list[tuple[int, dict[str, Any]]] = []
    for rule in group["rules"]:
        reads = [
            depth[name] for name in depth if re.search(rf"(?<![\w:]){re.escape(name)}(?![\w:])", rule["expr"])
        ]
        level = 1 + max(reads) if reads else 0
        if "record" in rule:
            depth[rule["record"]] = max(depth.get(rule["record"], 0), level)
        placed.append((level, rule))
    return [[r for level, r in placed if level == n] for n in range(max(level for level, _ in placed) + 1)]


def instant(base: str, expr: str, at: int) -> list[dict[str, Any]]:
    query = urllib.parse.urlencode({"query": expr, "time": str(at), "nocache": "1"})
    with urllib.request.urlopen(f"{base}/api/v1/query?{query}", timeout=10) as response:
        found: list[dict[str, Any]] = json.load(response)["data"]["result"]
    return found


def poll_recorded(base: str, names: list[str], selector: str = SELECTOR) -> None:
    """Wait until every series of `names` has its sample at END; a forced flush makes what was just
    written searchable at once (otherwise after about 10 s)."""
    deadline = time.monotonic() + POLL_DEADLINE_SECONDS
    missing = names
    while time.monotonic() < deadline:
        urllib.request.urlopen(f"{base}/internal/force_flush", timeout=5).close()  # searchable now
        missing = [n for n in names if not instant(base, f"{n}{selector}", END)]
        if not missing:
            return
    raise AssertionError(f"not recorded at {to_rfc3339(END)}: {missing}")


def test_vmalert_replay_records_what_run_computes(tmp_path: Path) -> None:
    vmalert = require_binary("vmalert")
    expected, groups = run_figures(tmp_path)
    [group] = for_target(RuleTarget.VMALERT, "shop", {"groups": groups})["groups"]
    with victoria_metrics(tmp_path) as base:
        samples = [
            f"{series_name(code)} {v} {(START + 60 * i) * 1000}"
            for code, values in counter_values().items()
            for i, v in enumerate(values)
        ]
        request = urllib.request.Request(f"{base}/api/v1/import/prometheus", "\n".join(samples).encode())
        urllib.request.urlopen(request, timeout=10).close()
        poll_recorded(base, ["http_requests_total"], "")
        for index, layer in enumerate(layers(group)):
            rule_file = tmp_path / f"layer{index}.yml"
            rule_file.write_text(yaml.safe_dump({"groups": [{**group, "rules": layer}]}))
            replay = subprocess.run(
                [
                    vmalert,
                    f"-rule={rule_file}",
                    f"-datasource.url={base}",
                    f"-remoteWrite.url={base}",
                    f"-evaluationInterval={STEP}s",
                    f"-replay.timeFrom={to_rfc3339(START)}",
                    f"-replay.timeTo={to_rfc3339(END)}",
                    "-replay.rulesDelay=0s",
                    "-replay.disableProgressBar",
                ],
                capture_output=True,
                text=True,
                timeout=120,
            )
            assert replay.returncode == 0, replay.stderr[-2000:]
            poll_recorded(base, [r["record"] for r in layer if "record" in r])
        recorded = {expr: float(instant(base, expr, END)[0]["value"][1]) for expr in expected}
    assert recorded == pytest.approx(expected, rel=RELATIVE)


def test_the_traffic_tells_the_period_ratio_from_a_mean_of_5m_ratios() -> None:
    """The data can catch a return to Sloth's mean: it differs from bad / total far beyond RELATIVE."""
    blocks = [[per_minute(m) for m in range(first, first + 5)] for first in range(1, MINUTES + 1, 5)]
    mean = sum(sum(e for _, e in b) / sum(t for t, _ in b) for b in blocks) / len(blocks)
    weighted = sum(e for b in blocks for _, e in b) / sum(t for b in blocks for t, _ in b)
    assert abs(mean / weighted - 1) > 1e-3
