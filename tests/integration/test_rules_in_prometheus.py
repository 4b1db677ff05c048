"""Generated rules loaded into a real Prometheus and evaluated over backfilled counters.

Two hours of counters up to the test's start, 10 % of requests failing throughout:
the 5m error-ratio rule must record 0.1, the current burn rate 0.1 / 0.001 = 100 from the 1h
rule, and the page alert (14.4 x 0.001 = 0.0144 over 1h and 5m) must fire.
"""

from __future__ import annotations

import json
import time
import urllib.parse
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
import yaml
from support.configs import component, counter_availability, prometheus_source, service, slo, write_config
from support.real_servers import backfill, prometheus

from reliability.config import load_config
from reliability.exporters import rule_sources, rules

pytestmark = pytest.mark.real  # every test here starts a real server


SHOP = service(
    "shop",
    component(
        "gateway", slo("gateway-availability", 99.9), source="prom", slis=[counter_availability("gateway")]
    ),
)
SCRAPE = 15  # seconds between backfilled samples
POLL_DEADLINE_SECONDS = 60.0


def counters(end: int) -> str:
    """Per scrape: 90 good and 10 bad requests, from two hours before `end` up to it."""
    times = range(end - 2 * 3600, end + 1, SCRAPE)
    lines = ["# TYPE http_requests counter"]
    for code, per_scrape in (("200", 90), ("500", 10)):
        lines += [
            f'http_requests_total{{code="{code}",job="gateway"}} {i * per_scrape} {t}'
            for i, t in enumerate(times)
        ]
    return "\n".join([*lines, "# EOF", ""])


def query(base: str, expr: str) -> list[dict[str, Any]]:
    url = f"{base}/api/v1/query?{urllib.parse.urlencode({'query': expr})}"
    with urllib.request.urlopen(url, timeout=5) as response:
        result: list[dict[str, Any]] = json.load(response)["data"]["result"]
    return result


def poll(base: str, expr: str) -> list[dict[str, Any]]:
    """The query's result once it is not empty: rules are evaluated every second after start."""
    deadline = time.monotonic() + POLL_DEADLINE_SECONDS
    while time.monotonic() < deadline:
        found = query(base, expr)
        if found:
            return found
        urllib.request.urlopen(f"{base}/-/ready", timeout=5).close()  # one round trip between polls
    raise AssertionError(f"{expr} stayed empty for {POLL_DEADLINE_SECONDS:g}s")


@contextmanager
def evaluating(tmp_path: Path, specs: list[rules.SloRuleSpec], openmetrics: str) -> Iterator[str]:
    """A Prometheus over the backfilled `openmetrics`, evaluating the specs' rules every second."""
    (tmp_path / "shop.rules.yml").write_text(yaml.safe_dump(rules.rule_file(specs)))
    data = tmp_path / "data"
    backfill(openmetrics, data, tmp_path)
    config = f"global: {{evaluation_interval: 1s}}\nrule_files: [{tmp_path / 'shop.rules.yml'}]\n"
    with prometheus(tmp_path, config, data_dir=data) as base:
        yield base


def test_prometheus_evaluates_the_generated_rules(tmp_path: Path) -> None:
    config = write_config(tmp_path, SHOP, sources=[prometheus_source()], name="c.yaml")
    conversion = rule_sources.from_config(load_config(config))
    with evaluating(tmp_path, conversion.specs, counters(int(time.time()))) as base:
        ratio = poll(base, 'slo:sli_error:ratio_rate5m{sloth_slo="gateway-availability"}')
        assert abs(float(ratio[0]["value"][1]) - 0.1) < 1e-9
        burn = poll(base, 'slo:current_burn_rate:ratio{sloth_slo="gateway-availability"}')
        assert burn[0]["metric"]["sloth_window"] == "1h"  # the 1h ratio over the budget
        assert abs(float(burn[0]["value"][1]) - 100) < 1e-6
        firing = poll(base, 'ALERTS{alertname="SLOErrorBudgetBurnPage", alertstate="firing"}')
        assert {a["metric"]["long_window"] for a in firing} >= {"1h"}
        objective = query(base, 'slo:objective:ratio{sloth_slo="gateway-availability"}')
        assert float(objective[0]["value"][1]) == 0.999
