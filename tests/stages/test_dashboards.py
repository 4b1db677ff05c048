"""`reliability dashboards`: Grafana dashboard JSON for the bundled example and for a Prometheus source.

No Grafana server is installable here, so the dashboards are checked structurally (ids, grid,
data source references, variables, units, thresholds) and every query is checked by promtool.
"""

from __future__ import annotations

import json
import re
import string
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from conftest import EXAMPLE_CONFIG, require_binary
from support.configs import (
    Node,
    availability,
    component,
    counter_availability,
    histogram_latency,
    prometheus_source,
    selector,
    service,
    slo,
    write_config,
)
from typer.testing import CliRunner

from reliability import conventions
from reliability.cli import app
from reliability.config import load_config
from reliability.config.model import Config
from reliability.conventions import Metric
from reliability.errors import EXIT_INVALID_CONFIG
from reliability.exporters import grafana
from reliability.exporters.grafana import catalog
from reliability.exporters.grafana.promql import named_series, slo_scope
from reliability.exporters.grafana.specs import overview_facts, slo_facts

Json = dict[str, Any]

EXTRA_SLO = slo("latency-strict", 99.9, "latency")

# Plausible values for Grafana's variables, so that promtool can parse the queries.
VARIABLE_VALUES = {"$__rate_interval": "5m", "$service": "orders", "$slo": "checkout-availability"}

HISTOGRAM_SERIES = ("_bucket", "_count", "_sum")


def write_prometheus_config(folder: Path, service_name: str = "edge", *extra_slos: Node) -> Path:
    """A service on Prometheus with a counter, a good/total and a histogram SLI."""
    goodput = availability(
        "goodput",
        total=selector("api_calls_total", job="api|gateway"),
        good_counter=selector("api_calls_ok_total", job="api|gateway"),
    )
    gateway = component(
        "gateway",
        slo("availability", 99.9),
        slo("goodput", 99, "goodput", window="28d"),
        slo("latency", 99, "latency"),
        *extra_slos,
        source="prom",
        slis=(counter_availability("gateway"), goodput, histogram_latency("gateway")),
    )
    sources = [prometheus_source("http://127.0.0.1:9090")]
    return write_config(folder, service(service_name, gateway), sources=sources)


def invoke(*args: str) -> Any:
    return CliRunner().invoke(app, ["dashboards", *args])


@pytest.fixture(scope="module")
def example() -> Config:
    return load_config(EXAMPLE_CONFIG)


@pytest.fixture(scope="module")
def on_prometheus(tmp_path_factory: pytest.TempPathFactory) -> Config:
    return load_config(write_prometheus_config(tmp_path_factory.mktemp("prometheus-config")))


@pytest.fixture(scope="module")
def built(example: Config, on_prometheus: Config) -> dict[str, Json]:
    """Every dashboard of both configurations, by a readable name."""
    named = {f"example/{name}": board for name, board in grafana.dashboards(example).items()}
    named |= {f"prometheus/{name}": board for name, board in grafana.dashboards(on_prometheus).items()}
    return named


def panels(board: Json) -> list[Json]:
    return list(board["panels"])


def queries(board: Json) -> Iterator[tuple[str, str]]:
    for panel in panels(board):
        for target in panel.get("targets", []):
            yield panel["title"], target["expr"]


def variable(board: Json, name: str) -> Json:
    found: list[Json] = [v for v in board["templating"]["list"] if v["name"] == name]
    assert len(found) == 1, f"variable {name} missing or repeated"
    return found[0]


def panel_titled(board: Json, title: str, after_row: str) -> Json:
    """The panel with this title in the row whose title starts with `after_row`."""
    in_row = False
    for panel in panels(board):
        if panel["type"] == "row":
            in_row = panel["title"].startswith(after_row)
        elif in_row and panel["title"] == title:
            return panel
    raise AssertionError(f"no panel {title!r} under the row {after_row!r}")


def steps(panel: Json) -> list[tuple[str, float | None]]:
    return [(s["color"], s["value"]) for s in panel["fieldConfig"]["defaults"]["thresholds"]["steps"]]


# --- the command ---


def test_the_command_writes_the_overview_and_one_dashboard_per_service(
    tmp_path: Path, example: Config
) -> None:
    result = invoke(str(EXAMPLE_CONFIG), "--out", str(tmp_path / "dashboards"))
    assert result.exit_code == 0, result.output
    expected = grafana.dashboards(example)
    written = sorted(p.name for p in (tmp_path / "dashboards").iterdir())
    assert written == sorted(["overview.json", "edge.json", "orders.json", "storefront.json"])
    for name, board in expected.items():
        path = tmp_path / "dashboards" / name
        assert f"wrote {path} ({len(board['panels'])} panels)" in result.output
        assert json.loads(path.read_text()) == board  # what was built is what was written


def test_a_service_named_overview_is_refused_and_nothing_is_written(tmp_path: Path) -> None:
    config = write_prometheus_config(tmp_path, "overview")
    result = invoke(str(config), "--out", str(tmp_path / "out"))
    assert result.exit_code == EXIT_INVALID_CONFIG
    assert "would overwrite overview.json" in result.output
    assert not (tmp_path / "out").exists()


def test_a_bad_config_fails_with_the_config_exit_code(tmp_path: Path) -> None:
    (tmp_path / "config.yaml").write_text("services: [{name: Not Valid}]\n")
    result = invoke(str(tmp_path / "config.yaml"), "--out", str(tmp_path / "out"))
    assert result.exit_code == EXIT_INVALID_CONFIG
    assert result.output.startswith("error:")
    assert not (tmp_path / "out").exists()


# --- structure ---


def test_dashboards_are_current_grafana_json_that_round_trips(built: dict[str, Json]) -> None:
    for name, board in built.items():
        assert board["schemaVersion"] >= 39, name
        assert json.loads(json.dumps(board, allow_nan=False)) == board, name
        assert board["title"] and board["panels"], name
        assert 0 < len(board["uid"]) <= 40 and re.fullmatch(r"[A-Za-z0-9_-]+", board["uid"]), name
    for config_name in ("example/", "prometheus/"):
        uids = [board["uid"] for name, board in built.items() if name.startswith(config_name)]
        assert len(uids) == len(set(uids)) > 1


def test_panel_ids_are_unique_and_the_grid_holds_every_panel_without_overlap(built: dict[str, Json]) -> None:
    for name, board in built.items():
        ids = [p["id"] for p in panels(board)]
        assert all(isinstance(i, int) and i > 0 for i in ids), name
        assert len(ids) == len(set(ids)), f"{name}: repeated panel ids"
        cells: dict[tuple[int, int], str] = {}
        for panel in panels(board):
            grid = panel["gridPos"]
            assert grid["x"] >= 0 and grid["y"] >= 0 and grid["w"] > 0 and grid["h"] > 0, name
            assert grid["x"] + grid["w"] <= 24, f"{name}: {panel['title']} is wider than the grid"
            for x in range(grid["x"], grid["x"] + grid["w"]):
                for y in range(grid["y"], grid["y"] + grid["h"]):
                    other = cells.setdefault((x, y), panel["title"])
                    assert other == panel["title"], f"{name}: {panel['title']} overlaps {other}"


def test_panel_ids_stay_when_an_slo_is_added(tmp_path: Path, on_prometheus: Config) -> None:
    before = grafana.dashboards(on_prometheus)["edge.json"]
    after = grafana.dashboards(load_config(write_prometheus_config(tmp_path, "edge", EXTRA_SLO)))["edge.json"]
    ids_after = {p["id"]: p["title"] for p in panels(after)}
    assert len(ids_after) > len(panels(before))
    for panel in panels(before):
        assert ids_after.get(panel["id"]) == panel["title"]


def test_every_panel_and_query_reads_the_datasource_variable(built: dict[str, Json]) -> None:
    for name, board in built.items():
        source = variable(board, "datasource")
        assert (source["type"], source["query"]) == ("datasource", "prometheus"), name
        reference = {"type": "prometheus", "uid": "${datasource}"}
        for panel in panels(board):
            assert panel["datasource"] == reference, f"{name}: {panel['title']}"
            for target in panel.get("targets", []):
                assert target["datasource"] == reference, f"{name}: {panel['title']}"
        for query_variable in (variable(board, "service"), variable(board, "slo")):
            assert query_variable["datasource"] == reference, name


def test_service_and_slo_variables_list_the_exported_label_values(built: dict[str, Json]) -> None:
    for name, board in built.items():
        service, slo = variable(board, "service"), variable(board, "slo")
        assert service["type"] == slo["type"] == "query", name
        assert re.fullmatch(rf"label_values\({Metric.SLO_OBJECTIVE}\{{\}}, service\)", service["query"])
        assert re.fullmatch(
            rf'label_values\({Metric.SLO_OBJECTIVE}\{{service=~"\$service"\}}, slo\)', slo["query"]
        )
    assert variable(built["example/orders.json"], "service")["current"]["value"] == ["orders"]
    assert variable(built["example/overview.json"], "service")["current"]["value"] == ["$__all"]


def test_every_panel_says_what_its_number_means_in_the_right_unit(built: dict[str, Json]) -> None:
    # A panel reading only these series shows them in this unit.
    unit_of: dict[str, str] = {Metric.SLI: "percentunit", Metric.SLO_OBJECTIVE: "percentunit"}
    unit_of |= {Metric.BUDGET_REMAINING: "percentunit", Metric.SLA_ATTAINED: "percentunit"}
    unit_of |= {Metric.EXHAUSTION: "s", conventions.RULE_PERIOD_REMAINING: "percentunit"}
    checked = 0
    for name, board in built.items():
        for panel in panels(board):
            if panel["type"] == "row":
                continue
            assert len(panel["description"]) > 40, f"{name}: {panel['title']}"
            unit = panel["fieldConfig"]["defaults"]["unit"]
            assert unit, f"{name}: {panel['title']} has no unit"
            read = {n for t in panel["targets"] for n in metric_names(t["expr"])}
            counts = any(t["expr"].startswith("count(") for t in panel["targets"])
            if panel["type"] != "table" and not counts and read and read <= set(unit_of):
                assert {unit_of[n] for n in read} == {unit}, f"{name}: {panel['title']}"
                checked += 1
            if "histogram_quantile" in " ".join(t["expr"] for t in panel["targets"]):
                assert unit == "s", f"{name}: {panel['title']}"
    assert checked > 20


def test_thresholds_follow_each_slos_objective_policy_and_alert_factor(built: dict[str, Json]) -> None:
    orders = built["example/orders.json"]
    sli = panel_titled(orders, "SLI", "checkout-availability:")
    assert steps(sli) == [("red", None), ("green", 0.999)]
    graph = panel_titled(orders, "SLI vs objective", "checkout-availability:")
    assert steps(graph) == steps(sli)
    assert graph["fieldConfig"]["defaults"]["custom"]["thresholdsStyle"]["mode"] == "dashed"
    assert steps(panel_titled(orders, "SLI", "order-journey:")) == [("red", None), ("green", 0.995)]
    # The default budget policy: freeze below 0, warn below 25 %.
    budget = panel_titled(orders, "Budget remaining", "checkout-availability:")
    assert steps(budget) == [("red", None), ("orange", 0.0), ("green", 0.25)]
    burn = panel_titled(orders, "Burn rate (1h)", "checkout-availability:")
    assert steps(burn) == [("green", None), ("yellow", 1.0), ("red", 14.4)]
    storefront = built["example/storefront.json"]
    # 28 days: the page pair is scaled to 56m/5m, so no pair's long window is the 1h the panel shows;
    # `auto` has no objective to colour by.
    assert steps(panel_titled(storefront, "Burn rate (1h)", "catalog-latency:"))[-1] == ("yellow", 1.0)
    assert steps(panel_titled(storefront, "SLI", "catalog-latency:")) == [("text", None)]
    # Calendar month: the burn-down shows the month so far.
    assert (
        panel_titled(storefront, "Error budget burn-down", "catalog-availability-monthly:")["timeFrom"]
        == "now/M"
    )
    # SLA tiers: below 99 % owes 25 %, below 99.9 % owes 10 %.
    attained = panel_titled(orders, "payments-contract: attained", "SLAs")
    assert steps(attained) == [("red", None), ("orange", 0.99), ("green", 0.999)]


def test_burn_panels_show_one_current_burn_and_name_the_configured_factors(built: dict[str, Json]) -> None:
    burn = panel_titled(built["example/orders.json"], "Burn rate (1h)", "checkout-availability:")
    assert burn["description"].endswith("Yellow from 1; red from 14.4, where the 1h/5m page pair fires.")
    storefront = built["example/storefront.json"]
    monthly = panel_titled(storefront, "Burn rate (1h)", "catalog-availability-monthly:")
    assert monthly["description"].endswith("Yellow from 1.")  # a calendar period's factor varies
    trend = panel_titled(built["example/overview.json"], "Burn rate (1h)", "Trends")
    assert trend["description"].endswith("The 1h/5m page pair fires from 14.4 for a 30d SLO.")
    with_rules = 0
    for board in built.values():
        for panel in panels(board):
            if panel["title"] == "Burn rate by window":
                legends = [t["legendFormat"] for t in panel["targets"]]
                assert legends[0] == "{{window}}"  # the 1h line is the current burn: no second one
                assert not any("current" in legend for legend in legends)
                with_rules += "period (rule)" in legends
    assert with_rules


# --- queries ---

_STRING = re.compile(r'"(?:[^"\\]|\\.)*"')
_MATCHERS = re.compile(r"\{[^{}]*\}")
_RANGE = re.compile(r"\[[^\]]*\]")
_GROUPING = re.compile(r"\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^()]*\)")
_NUMBER = re.compile(r"(?<![\w:])\d+(?:\.\d+)?")
_NAME = re.compile(r"[a-zA-Z_:][a-zA-Z0-9_:]*")
_OPERATORS = {"and", "or", "unless", "bool", "offset"}


def metric_names(expr: str) -> set[str]:
    """The series names a PromQL expression reads: identifiers that are no function, keyword or label."""
    text = _STRING.sub('""', expr)
    for pattern in (_MATCHERS, _RANGE, _GROUPING, _NUMBER):
        text = pattern.sub(" ", text)
    names = set()
    for match in _NAME.finditer(text):
        if match.group() not in _OPERATORS and not text[match.end() :].lstrip().startswith("("):
            names.add(match.group())
    return names


def test_metric_names_are_parsed_out_of_expressions() -> None:
    expr = 'max by (a, b) (a_ratio{x="{y}"} * 3 or b:c:rate5m{z=~"1"}) - sum(rate(d_total[5m])) > bool 0.5'
    assert metric_names(expr) == {"a_ratio", "b:c:rate5m", "d_total"}


def known_names(config: Config) -> tuple[set[str], re.Pattern[str]]:
    """Exported metrics, recording rules, and the series the config's selectors name."""
    names = {str(m) for m in Metric}
    names |= {v for k, v in vars(conventions).items() if k.startswith("RULE_") and "{" not in v}
    for configured in config.components:
        for sli in configured.slis:
            if sli.counters is not None:
                names |= {s.metric for s in (sli.counters.total, sli.counters.good, sli.counters.bad) if s}
            if sli.histogram is not None:
                names |= {sli.histogram.metric + suffix for suffix in HISTOGRAM_SERIES}
    window = re.escape(conventions.RULE_SLI_ERROR).replace(re.escape("{window}"), r"(?:\d+[smhdwy])+")
    return names, re.compile(window)


@pytest.mark.parametrize("config_name", ["example", "on_prometheus"])
def test_queries_read_only_exported_metrics_recording_rules_and_configured_series(
    config_name: str, request: pytest.FixtureRequest
) -> None:
    config: Config = request.getfixturevalue(config_name)
    names, sli_error_rule = known_names(config)
    read: set[str] = set()
    for name, board in grafana.dashboards(config).items():
        for title, expr in queries(board):
            for metric in metric_names(expr):
                assert metric in names or sli_error_rule.fullmatch(metric), f"{name}: {title}: {metric}"
                read.add(metric)
        for query_variable in board["templating"]["list"][1:]:
            selector = re.fullmatch(r"label_values\((.+), \w+\)", query_variable["query"])
            assert selector is not None and metric_names(selector.group(1)) <= names, name
    assert {Metric.SLI, Metric.BUDGET_REMAINING, Metric.ALERT, Metric.SLA_ATTAINED} <= read
    configured = {
        "http_requests_total",
        "api_calls_total",
        "api_calls_ok_total",
        "http_request_duration_seconds_bucket",
    }
    if config_name == "example":
        # Only the gateway is measured from metrics (OpenMetrics files): its series and rules appear.
        assert {"http_requests_total", "http_request_duration_seconds_bucket"} <= read
        assert conventions.RULE_SLI_ERROR.format(window="5m") in read
    else:
        assert configured <= read
        assert {conventions.RULE_PERIOD_REMAINING, conventions.RULE_SLI_ERROR.format(window="28d")} <= read


def test_raw_series_and_rule_ratios_appear_per_slo_on_a_prometheus_source(built: dict[str, Json]) -> None:
    edge = built["prometheus/edge.json"]
    requests = panel_titled(edge, "Requests and errors: gateway", "goodput:")
    errors = requests["targets"][1]["expr"]
    assert "api_calls_total" in errors and "api_calls_ok_total" in errors and 'job=~"api|gateway"' in errors
    latency = panel_titled(edge, "Latency: gateway", "latency:")
    assert latency["fieldConfig"]["defaults"]["unit"] == "s"
    assert steps(latency) == [("green", None), ("red", 0.25)]
    windows = [t["legendFormat"] for t in panel_titled(edge, "Error ratio by window", "goodput:")["targets"]]
    # the windows of the 28-day SLO's scaled pairs, then its period
    assert windows == ["5m", "28m", "56m", "1h", "1h52m", "5h36m", "22h24m", "2d19h12m", "28d"]


@pytest.mark.real
def test_every_query_is_valid_promql(built: dict[str, Json], tmp_path: Path) -> None:
    promtool = require_binary("promtool")
    checked: list[tuple[str, str]] = []
    for name, board in built.items():
        for title, expr in queries(board):
            for placeholder, value in VARIABLE_VALUES.items():
                expr = expr.replace(placeholder, value)
            assert "$" not in expr, f"{name}: {title}: an unknown variable in {expr}"
            checked.append((f"{name}: {title}", expr))
    rules = [{"record": f"dashboard_query_{i}", "expr": expr} for i, (_, expr) in enumerate(checked)]
    rule_file = tmp_path / "queries.yml"
    rule_file.write_text(yaml.safe_dump({"groups": [{"name": "dashboards", "rules": rules}]}))
    done = subprocess.run(
        [promtool, "check", "rules", str(rule_file)], capture_output=True, text=True, check=False
    )
    failing = [where for i, (where, _) in enumerate(checked) if f'dashboard_query_{i}"' in done.stderr]
    assert done.returncode == 0, f"{failing or done.stderr}"
    assert f"SUCCESS: {len(checked)} rules found" in done.stdout


def test_the_overview_reads_each_slos_sli_over_its_own_window(
    built: dict[str, Json], example: Config
) -> None:
    table = next(
        p for p in panels(built["example/overview.json"]) if p["type"] == "table" and p["title"] == "SLOs"
    )
    parts = table["targets"][0]["expr"].split(" or ")
    seen: list[str] = []
    for part in parts:
        window = re.search(r'window="([^"]+)"', part)
        names = re.search(r'slo=~"([^"$]+)"', part)
        assert window is not None and names is not None, part
        in_window = sorted({s.name for s in example.slos if s.window.name == window.group(1)})
        assert names.group(1).split("|") == in_window
        seen += in_window
    assert len(parts) == 3 and sorted(seen) == sorted({s.name for s in example.slos})


def test_the_catalogs_templates_name_only_known_series_and_facts(example: Config) -> None:
    def fields(template: str) -> set[str]:
        return {name for _, name, _, _ in string.Formatter().parse(template) if name}

    slo = example.slos[0]
    series = set(named_series([slo], slo_scope(slo)))
    per_slo = (*catalog.SLO_STATS, *catalog.SLO_GRAPHS)
    for specs, facts in (
        (per_slo, set(slo_facts(example, slo))),
        (catalog.TRENDS, set(overview_facts(example))),
    ):
        for spec in specs:
            words = fields(spec.title) | fields(spec.description)
            words |= {f for q in spec.queries for f in fields(q.legend)}
            assert words <= facts, f"{spec.key}: {words - facts}"
            assert {f for q in spec.queries for f in fields(q.expr)} <= series, spec.key
    for count in catalog.STATUS_COUNTS:
        assert fields(count.condition) <= series, count.key
    keys = [spec.key for spec in per_slo]
    assert len(keys) == len(set(keys))
