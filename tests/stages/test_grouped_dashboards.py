"""A grouped SLO's dashboard: a variable per group key, and its panels narrowed by it."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
import yaml
from conftest import require_binary
from support.configs import component, counter_availability, prometheus_source, service, slo, write_config
from test_dashboards import VARIABLE_VALUES, queries, variable

from reliability.config import load_config
from reliability.exporters import grafana


def _boards(tmp_path: Path) -> dict[str, dict[str, object]]:
    gateway = component(
        "gateway",
        slo("availability", 99.9),
        source="prom",
        slis=[counter_availability("gateway")],
        group_by=["path", "region"],
    )
    plain = component(
        "static", slo("static-availability", 99), source="prom", slis=[counter_availability("s")]
    )
    config = write_config(tmp_path, service("edge", gateway, plain), sources=[prometheus_source()])
    return grafana.dashboards(load_config(config))


def test_each_group_key_is_a_variable_listing_its_label_values(tmp_path: Path) -> None:
    board = _boards(tmp_path)["edge.json"]
    for key in ("path", "region"):
        found = variable(board, key)
        assert (
            found["query"] == f'label_values(reliability_slo_objective_ratio{{service=~"$service"}}, {key})'
        )
        assert found["includeAll"] and found["multi"]
    names = [v["name"] for v in board["templating"]["list"]]
    assert names[-2:] == ["path", "region"]


def test_the_grouped_slos_panels_read_every_group_narrowed_by_the_variables(tmp_path: Path) -> None:
    board = _boards(tmp_path)["edge.json"]
    exprs = [expr for _, expr in queries(board)]
    grouped = [e for e in exprs if 'path=~"$path"' in e]
    assert grouped, "no panel is narrowed by the group variable"
    assert any('slo=~"availability\\\\{.*\\\\}"' in e for e in grouped)  # every group's exported series
    assert any('sloth_slo="availability"' in e for e in grouped)  # and the rules' per-group series
    assert not any('slo="static-availability"' in e for e in grouped)  # an ungrouped SLO is not narrowed


@pytest.mark.real
def test_every_grouped_query_is_valid_promql(tmp_path: Path) -> None:
    promtool = require_binary("promtool")
    values = VARIABLE_VALUES | {"$path": "cart", "$region": "eu"}
    exprs = []
    for _, expr in queries(_boards(tmp_path)["edge.json"]):
        for placeholder, value in values.items():
            expr = expr.replace(placeholder, value)
        exprs.append(expr)
    rules = [{"record": f"dashboard_query_{i}", "expr": expr} for i, expr in enumerate(exprs)]
    (tmp_path / "q.yml").write_text(yaml.safe_dump({"groups": [{"name": "d", "rules": rules}]}))
    done = subprocess.run(
        [promtool, "check", "rules", str(tmp_path / "q.yml")], capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
