"""A grouped SLO's rules in a real Prometheus: one recorded series per group, summed by its label.

Two hours of counters per `path` up to the test's start: a fails 10 % of requests, b none, c half;
d stopped sending 30 minutes ago. Each group's 5m error ratio is recorded with its `path` label (d:
none, never a good one) and pages per group. A group that stops sending while the rules run raises
its own no-data alert (promtool's rule tests, which evaluate from the first sample on).
"""

from __future__ import annotations

import subprocess
import time
import urllib.request
from pathlib import Path

import pytest
import yaml
from conftest import require_binary
from support.configs import component, counter_availability, prometheus_source, service, slo, write_config
from test_rules_in_prometheus import evaluating, poll, query

from reliability.config import load_config
from reliability.exporters import rule_sources, rules

pytestmark = pytest.mark.real  # every test here starts a real server

SHOP = service(
    "shop",
    component(
        "gateway",
        slo("availability", 99.9, window="1d"),
        source="prom",
        slis=[counter_availability("gateway")],
        group_by=["path"],
    ),
)
SCRAPE = 15  # seconds between backfilled samples
BAD_PER_SCRAPE = {"a": 10, "b": 0, "c": 50, "d": 0}  # of 100 requests
SILENT_FOR = 1800  # d's last sample is this long before the end


def counters(end: int, silent_for: int = SILENT_FOR) -> str:
    """Two hours of requests per path up to `end`; d's stop `silent_for` seconds before it."""
    lines = ["# TYPE http_requests counter"]
    for path, bad in BAD_PER_SCRAPE.items():
        last = end - silent_for if path == "d" else end
        times = range(end - 2 * 3600, last + 1, SCRAPE)
        for code, per_scrape in (("200", 100 - bad), ("500", bad)):
            lines += [
                f'http_requests_total{{code="{code}",job="gateway",path="{path}"}} {i * per_scrape} {t}'
                for i, t in enumerate(times)
            ]
    return "\n".join([*lines, "# EOF", ""])


def test_prometheus_records_one_series_per_group(tmp_path: Path) -> None:
    config = write_config(tmp_path, SHOP, sources=[prometheus_source()], name="c.yaml")
    conversion = rule_sources.from_config(load_config(config))
    (spec,) = conversion.specs
    assert "sum by (path)(rate(" in spec.error_ratio_query
    with evaluating(tmp_path, conversion.specs, counters(int(time.time()))) as base:
        ratios = poll(base, 'slo:sli_error:ratio_rate5m{sloth_slo="availability"}')
        by_path = {r["metric"]["path"]: float(r["value"][1]) for r in ratios}
        assert by_path.keys() == {"a", "b", "c"}  # d is silent: no ratio, not a good one
        assert by_path["a"] == pytest.approx(0.1)
        assert by_path["b"] == 0.0
        assert by_path["c"] == pytest.approx(0.5)
        burn = poll(base, 'slo:current_burn_rate:ratio{sloth_slo="availability", path="c"}')
        assert float(burn[0]["value"][1]) == pytest.approx(500)
        assert _paths_reaching(base, 'ALERTS{alertname="SLOErrorBudgetBurnPage"}', {"a", "c"}) == {"a", "c"}


def _paths_reaching(base: str, expr: str, wanted: set[str]) -> set[str]:
    """The groups the query returns, polled until they are `wanted` (rules run every second)."""
    found: set[str] = set()
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and found != wanted:
        found = {a["metric"]["path"] for a in query(base, expr)}
        urllib.request.urlopen(f"{base}/-/ready", timeout=5).close()  # one round trip between polls
    return found


def test_a_group_that_stops_sending_raises_its_own_no_data_alert(tmp_path: Path) -> None:
    """promtool evaluates the rules from the first sample on: the silent group was recorded while it sent."""
    config = write_config(tmp_path, SHOP, sources=[prometheus_source()], name="c.yaml")
    specs = rule_sources.from_config(load_config(config)).specs
    (tmp_path / "shop.rules.yml").write_text(yaml.safe_dump(rules.rule_file(specs)))
    series = [
        {"series": f'http_requests_total{{code="{code}",job="gateway",path="{path}"}}', "values": values}
        for code, step in (("200", 25), ("500", 0))  # a bad series, or the error ratio has no data
        for path, values in (("a", f"0+{step}x240"), ("d", f"0+{step}x120 stale"))  # d: 30 minutes
    ]
    labels = {
        "sloth_id": "shop-availability",
        "sloth_service": "shop",
        "sloth_slo": "availability",
        "sloth_severity": "ticket",
        "sloth_window": "1m",
        "reliability_tier": "no_data",
    }
    texts = {
        "summary": "shop/availability{path=d} has no events over 1m",
        "description": "No events over the last 1m: the SLO's alerts cannot be judged.",
    }
    test = {
        "rule_files": ["shop.rules.yml"],
        "evaluation_interval": "15s",
        "tests": [
            {
                "interval": "15s",
                "input_series": series,
                "alert_rule_test": [
                    {"eval_time": "20m", "alertname": "SLONoData", "exp_alerts": []},
                    {
                        "eval_time": "50m",
                        "alertname": "SLONoData",
                        "exp_alerts": [{"exp_labels": labels | {"path": "d"}, "exp_annotations": texts}],
                    },
                ],
            }
        ],
    }
    (tmp_path / "test.yml").write_text(yaml.safe_dump(test))
    binary = require_binary("promtool")
    done = subprocess.run(
        [binary, "test", "rules", "test.yml"], cwd=tmp_path, capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stdout + done.stderr
