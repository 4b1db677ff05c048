"""`run` over a grouped component on a real Prometheus: one SLO per `path` value, a silent one no data.

The groups are the label values the SLI's total series held over the history (one instant query);
each group's SLIs then read the series of its value only.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from support.configs import component, counter_availability, prometheus_source, service, slo, write_config
from support.real_servers import backfill, prometheus
from test_grouped_rules_in_prometheus import counters

from reliability import pipeline
from reliability.config import load_config
from reliability.conventions import Stage
from reliability.core.grid import evaluation_time

pytestmark = pytest.mark.real  # every test here starts a real server


def test_run_reads_one_slo_per_label_value_and_a_silent_group_is_no_data(tmp_path: Path) -> None:
    end = evaluation_time(time.time())
    data = tmp_path / "data"
    backfill(counters(end, silent_for=5400), data, tmp_path)  # d: silent for the last 90 minutes
    with prometheus(tmp_path, data_dir=data) as base:
        gateway = component(
            "gateway",
            slo("availability", 99.9, window="1h"),
            source="prom",
            slis=[counter_availability("gateway")],
            group_by=["path"],
        )
        sources = [prometheus_source(base, timeout="5s", retries=1)]
        config = load_config(
            write_config(tmp_path, service("shop", gateway), sources=sources, settings={"history": "1d"})
        )
        result = pipeline.run(config, pipeline.RunOptions(now=end, out_dir=tmp_path / "out"))
    budgets = {s["slo"]: s for s in result.as_json()[Stage.BUDGETS]["slos"]}
    assert sorted(budgets) == [f"shop/availability{{path={p}}}" for p in "abcd"]
    assert budgets["shop/availability{path=a}"]["sli_ratio"] == pytest.approx(0.9)
    assert budgets["shop/availability{path=b}"]["sli_ratio"] == 1.0
    assert budgets["shop/availability{path=c}"]["sli_ratio"] == pytest.approx(0.5)
    silent = budgets["shop/availability{path=d}"]
    assert (silent["no_data"], silent["events"], silent["sli_ratio"]) == (True, 0, None)
