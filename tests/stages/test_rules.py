"""`reliability rules`: Prometheus rules from our config, Sloth and OpenSLO, checked by promtool."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml
from conftest import REPO, require_binary
from support.configs import (
    availability,
    component,
    composite,
    counter_availability,
    histogram_latency,
    prometheus_source,
    selector,
    service,
    slo,
    write_config,
)
from typer.testing import CliRunner

from reliability.cli import app
from reliability.config import load_config
from reliability.exporters import rule_sources
from reliability.exporters.rules import NO_DATA_ALERT, rule_file

DATA = Path(__file__).parent / "data" / "rules"
SELECTOR = '{sloth_id="shop-gateway-availability", sloth_service="shop", sloth_slo="gateway-availability"}'

SHOP = service(
    "shop",
    component(
        "gateway",
        slo("gateway-availability", 99.9),
        slo("gateway-latency", 99, "latency", window="28d", alerting={"windows": "fast-only"}),
        slo("gateway-monthly", 99.9, window={"calendar": "month"}),
        slo("gateway-auto", "auto"),
        slo("gateway-slices", 99, budgeting={"method": "timeslices", "slice": "5m", "target": 95}),
        source="prom",
        slis=[counter_availability("gateway"), histogram_latency("gateway")],
    ),
    component(
        "checkout",
        slo("checkout-availability", 99.5, window="7d"),
        source="prom",
        slis=[
            availability(
                total=selector("checkout_requests_total"),
                good_counter=selector("checkout_ok_total", path="/pay|/cart"),
            )
        ],
    ),
    slos=[
        slo("edge-availability", 99, components=["gateway", "checkout"]),
        composite("edge-journey", 99, "shop/gateway-availability", "shop/checkout-availability"),
    ],
)
FAST_ONLY = {
    "name": "fast-only",
    "pairs": [{"severity": "page", "long": "1h", "short": "5m", "budget_share": 0.02}],
}


@pytest.fixture
def config_path(tmp_path: Path) -> Path:
    sources = [prometheus_source()]
    return write_config(tmp_path, SHOP, sources=sources, alert_windows=[FAST_ONLY], name="reliability.yaml")


def invoke(*args: str) -> Any:
    return CliRunner().invoke(app, ["rules", *args])


def groups_of(path: Path) -> dict[str, list[dict[str, Any]]]:
    loaded = yaml.safe_load(path.read_text())
    return {group["name"]: group["rules"] for group in loaded["groups"]}


def records(rules: list[dict[str, Any]]) -> list[str]:
    return [r["record"] for r in rules if "record" in r]


def promtool(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    binary = require_binary("promtool")
    return subprocess.run([binary, *args], cwd=cwd, capture_output=True, text=True, check=False, timeout=60)


def test_config_slos_become_one_group_each_with_sloth_names(config_path: Path) -> None:
    conversion = rule_sources.from_config(load_config(config_path))
    groups = {g["name"]: g["rules"] for g in rule_file(conversion.specs)["groups"]}
    assert list(groups) == [
        "slo-shop-gateway-availability",
        "slo-shop-gateway-latency",
        "slo-shop-checkout-availability",
        "slo-shop-edge-availability",
    ]
    rules = groups["slo-shop-gateway-availability"]
    windows = ["5m", "30m", "1h", "2h", "6h", "1d", "3d", "30d"]
    ratios = [f"slo:sli_error:ratio_rate{w}" for w in windows]
    assert records(rules) == [
        *ratios[:-1],
        "slo:sli_error:rate5m",
        "slo:sli_total:rate5m",
        ratios[-1],
        "slo:objective:ratio",
        "slo:error_budget:ratio",
        "slo:time_period:days",
        "slo:current_burn_rate:ratio",
        "slo:period_burn_rate:ratio",
        "slo:period_error_budget_remaining:ratio",
        "sloth_slo_info",
    ]
    by_record = {r["record"]: r for r in rules if "record" in r}
    five_minutes = by_record["slo:sli_error:ratio_rate5m"]
    assert five_minutes["expr"] == (
        'sum(rate(http_requests_total{code=~"5..",job=~"gateway"}[5m])) '
        '/ sum(rate(http_requests_total{job=~"gateway"}[5m]))'
    )
    assert five_minutes["labels"] == {
        "sloth_id": "shop-gateway-availability",
        "sloth_service": "shop",
        "sloth_slo": "gateway-availability",
        "sloth_window": "5m",
    }
    # The period is bad / total over it, from the 5m error and total rates: no rate over 30 days.
    assert (
        by_record["slo:sli_error:rate5m"]["expr"]
        == 'sum(rate(http_requests_total{code=~"5..",job=~"gateway"}[5m]))'
    )
    assert by_record["slo:sli_total:rate5m"]["expr"] == 'sum(rate(http_requests_total{job=~"gateway"}[5m]))'
    assert by_record["slo:sli_error:ratio_rate30d"]["expr"] == (
        f"sum_over_time(slo:sli_error:rate5m{SELECTOR}[30d]) "
        f"/ sum_over_time(slo:sli_total:rate5m{SELECTOR}[30d])"
    )
    assert not any("[30d]" in r["expr"] and "rate(http" in r["expr"] for r in rules)
    assert by_record["slo:objective:ratio"]["expr"] == "vector(0.999)"
    assert by_record["slo:error_budget:ratio"]["expr"] == "vector(0.001)"
    assert by_record["slo:time_period:days"]["expr"] == "vector(30)"
    assert by_record["slo:period_error_budget_remaining:ratio"]["expr"] == (
        f"1 - slo:period_burn_rate:ratio{SELECTOR}"
    )
    assert by_record["sloth_slo_info"]["labels"]["sloth_objective"] == "99.9"


def test_one_alert_per_window_pair_with_the_factor_written_out(config_path: Path) -> None:
    conversion = rule_sources.from_config(load_config(config_path))
    rules = rule_file(conversion.specs)["groups"][0]["rules"]
    alerts = [r for r in rules if "alert" in r and r["alert"] != NO_DATA_ALERT]
    assert [(a["alert"], a["labels"]["long_window"], a["labels"]["short_window"]) for a in alerts] == [
        ("SLOErrorBudgetBurnPage", "1h", "5m"),
        ("SLOErrorBudgetBurnPage", "6h", "30m"),
        ("SLOErrorBudgetBurnTicket", "1d", "2h"),
        ("SLOErrorBudgetBurnTicket", "3d", "6h"),
    ]
    first = alerts[0]
    assert first["expr"] == (
        f"(slo:sli_error:ratio_rate1h{SELECTOR} > (14.4 * 0.001)) and ignoring(sloth_window) "
        f"(slo:sli_error:ratio_rate5m{SELECTOR} > (14.4 * 0.001))"
    )
    assert first["labels"]["sloth_severity"] == "page"
    assert first["labels"]["sloth_slo"] == "gateway-availability"
    assert "14.4" in first["annotations"]["description"] and "2%" in first["annotations"]["description"]
    assert "for" not in first
    no_data = rules[-1]
    assert no_data["alert"] == NO_DATA_ALERT
    # the shortest window has no events (no series, or 0 / 0): no pair can be judged
    assert no_data["expr"] == f"absent(slo:sli_error:ratio_rate5m{SELECTOR} >= 0)"


def test_latency_good_counters_and_several_components(config_path: Path) -> None:
    specs = {s.slo: s for s in rule_sources.from_config(load_config(config_path)).specs}
    latency = specs["gateway-latency"]
    assert latency.error_ratio_query.replace("{{.window}}", "5m") == (
        '1 - sum(rate(http_request_duration_seconds_bucket{job=~"gateway",le=~"0*[.]250*"}[5m])) '
        '/ sum(rate(http_request_duration_seconds_bucket{job=~"gateway",le=~"[+]Inf"}[5m]))'
    )
    # A 28d SLO with a declared set of one page pair (used as written, not scaled): only the windows
    # that pair needs, and the period from the 5m rates.
    assert records(rule_file([latency])["groups"][0]["rules"])[:6] == [
        "slo:sli_error:ratio_rate5m",
        "slo:sli_error:ratio_rate1h",
        "slo:sli_error:rate5m",
        "slo:sli_total:rate5m",
        "slo:sli_error:ratio_rate28d",
        "slo:objective:ratio",
    ]
    assert specs["checkout-availability"].error_ratio_query == (
        '1 - sum(rate(checkout_ok_total{path=~"/pay|/cart"}[{{.window}}])) '
        "/ sum(rate(checkout_requests_total{}[{{.window}}]))"
    )
    # Over two components, bad counts add up; the good-counter one counts total - good as bad.
    assert specs["edge-availability"].error_ratio_query.replace("{{.window}}", "1h") == (
        '(sum(rate(http_requests_total{code=~"5..",job=~"gateway"}[1h])) '
        "+ (sum(rate(checkout_requests_total{}[1h])) "
        '- sum(rate(checkout_ok_total{path=~"/pay|/cart"}[1h])))) '
        '/ (sum(rate(http_requests_total{job=~"gateway"}[1h])) + sum(rate(checkout_requests_total{}[1h])))'
    )


@pytest.mark.parametrize(
    ("seconds", "written"), [(0.25, ["0.25", "0.250", ".25"]), (1.0, ["1", "1.0", "1."])]
)
def test_bucket_boundary_matches_however_it_is_written(seconds: float, written: list[str]) -> None:
    regex = rule_sources.bucket_boundary_regex(seconds)
    assert all(re.fullmatch(regex, text) for text in written)
    assert not any(re.fullmatch(regex, text) for text in ["2.5", "0.025", "10", "0.5", "+Inf", "11"])


def test_command_writes_one_file_per_service_and_reports_skips(config_path: Path, tmp_path: Path) -> None:
    out = tmp_path / "rules"
    result = invoke(str(config_path), "--out", str(out), "--for", "2m")
    assert result.exit_code == 0, result.output
    assert f"wrote {out / 'shop.rules.yml'} (4 SLOs)" in result.stdout
    skipped = [line for line in result.stdout.splitlines() if line.startswith("skipped ")]
    assert len(skipped) == 4
    assert "skipped shop/gateway-monthly: calendar month (UTC) window" in result.stdout
    assert "skipped shop/gateway-auto: objective is auto" in result.stdout
    assert "skipped shop/gateway-slices: timeslices budgeting" in result.stdout
    assert "skipped shop/edge-journey: a composite SLO" in result.stdout
    alerts = [r for rules in groups_of(out / "shop.rules.yml").values() for r in rules if "alert" in r]
    assert alerts and all(a["for"] == "2m" for a in alerts)
    assert [p.name for p in out.iterdir()] == ["shop.rules.yml"]  # no temporary file left behind


@pytest.mark.real
def test_promtool_accepts_the_rules_of_all_three_sources(config_path: Path, tmp_path: Path) -> None:
    sources = {
        "config": [str(config_path)],
        "sloth": ["--from-sloth", str(DATA / "sloth.yml")],
        "openslo": ["--from-openslo", str(DATA / "openslo.yml")],
    }
    for name, args in sources.items():
        result = invoke(*args, "--out", str(tmp_path / name))
        assert result.exit_code == 0, result.output
    files = sorted(tmp_path.glob("*/*.rules.yml"))
    assert [f.name for f in files] == ["shop.rules.yml", "search.rules.yml", "payments.rules.yml"]
    checked = promtool("check", "rules", *map(str, files))
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert checked.stdout.count("SUCCESS") == 3


@pytest.mark.real
def test_promtool_unit_tests_page_on_a_fast_burn_and_stay_silent_when_healthy(
    config_path: Path, tmp_path: Path
) -> None:
    out = tmp_path / "rules"
    result = invoke(str(config_path), "--out", str(out), "--tests", "--for", "5m")
    assert result.exit_code == 0, result.output
    test_file = out / "tests" / "shop.rules.test.yml"
    assert f"wrote {test_file} (8 test groups)" in result.stdout
    tests = yaml.safe_load(test_file.read_text())["tests"]
    pages = {t["name"]: t["alert_rule_test"][0]["exp_alerts"] for t in tests}
    assert len(pages["shop/gateway-availability: fast burn"]) == 2  # both page pairs fire
    assert all(alerts == [] for name, alerts in pages.items() if name.endswith("healthy"))

    def fired(test: str) -> set[str]:
        return {alert["exp_labels"]["sloth_slo"] for alert in pages[test]}

    # The edge SLO needs the checkout's series too: without them it has no value, so no page.
    assert fired("shop/gateway-availability: fast burn") == {"gateway-availability"}
    # The edge's inputs are both components' series, so the SLOs of each component page as well.
    assert fired("shop/edge-availability: fast burn") == {
        "gateway-availability",
        "checkout-availability",
        "edge-availability",
    }
    passed = promtool("test", "rules", test_file.name, cwd=test_file.parent)
    assert passed.returncode == 0, passed.stdout + passed.stderr

    # The tests have teeth: with the page alerts unable to fire, promtool must fail them.
    rules_file = out / "shop.rules.yml"
    data = yaml.safe_load(rules_file.read_text())
    for group in data["groups"]:
        for rule in group["rules"]:
            if rule.get("alert") == "SLOErrorBudgetBurnPage":
                rule["expr"] = rule["expr"].replace(" > (", " > 1 + (")
    rules_file.write_text(yaml.safe_dump(data, sort_keys=False))
    failed = promtool("test", "rules", test_file.name, cwd=test_file.parent)
    assert failed.returncode != 0
    assert "SLOErrorBudgetBurnPage" in failed.stdout + failed.stderr


@pytest.mark.real
def test_extra_labels_reach_every_rule_and_its_promtool_tests(config_path: Path, tmp_path: Path) -> None:
    out = tmp_path / "rules"
    result = invoke(str(config_path), "--out", str(out), "--tests", "-l", "team=edge", "-l", "tier=1")
    assert result.exit_code == 0, result.output
    rules = [rule for group in groups_of(out / "shop.rules.yml").values() for rule in group]
    assert NO_DATA_ALERT in {rule.get("alert") for rule in rules}
    assert all(rule["labels"]["team"] == "edge" and rule["labels"]["tier"] == "1" for rule in rules)
    test_file = out / "tests" / "shop.rules.test.yml"
    passed = promtool("test", "rules", test_file.name, cwd=test_file.parent)
    assert passed.returncode == 0, passed.stdout + passed.stderr


def test_sloth_spec_keeps_its_alert_name_labels_and_disabled_ticket(tmp_path: Path) -> None:
    result = invoke("--from-sloth", str(DATA / "sloth.yml"), "--out", str(tmp_path))
    assert result.exit_code == 0, result.output
    groups = groups_of(tmp_path / "payments.rules.yml")
    rules = groups["slo-payments-api-availability"]
    five = next(r for r in rules if r.get("record") == "slo:sli_error:ratio_rate5m")
    assert five["expr"] == (
        '(sum(rate(payment_requests_total{job="payments",code=~"5.."}[5m]))) '
        '/ (sum(rate(payment_requests_total{job="payments"}[5m])))'
    )
    assert five["labels"]["owner"] == "payments-team" and five["labels"]["tier"] == "1"
    alerts = [r for r in rules if "alert" in r and r["alert"] != NO_DATA_ALERT]
    assert {a["alert"] for a in alerts} == {"PaymentsApiErrorBudgetBurn"}
    # events given: the period's ratio sums the error and total rates apart
    assert {"slo:sli_error:rate5m", "slo:sli_total:rate5m"} <= set(records(rules))
    assert {a["labels"]["sloth_severity"] for a in alerts} == {"page"}  # ticket_alert is disabled
    assert alerts[0]["labels"]["route"] == "pager" and alerts[0]["labels"]["team"] == "payments"
    assert alerts[0]["annotations"]["runbook"] == "https://runbooks.example.com/payments-api"
    raw = groups["slo-payments-settlement-freshness"]
    assert raw[0]["expr"] == '1 - avg_over_time(settlement_fresh{job="settlement"}[5m])'
    assert "slo:sli_error:ratio_rate30d" in records(raw)


def test_openslo_documents_convert_ratio_metrics_and_skip_calendar_windows(tmp_path: Path) -> None:
    result = invoke("--from-openslo", str(DATA / "openslo.yml"), "--out", str(tmp_path), "--tests")
    assert result.exit_code == 0, result.output
    assert "skipped search/search-monthly: calendar window" in result.stdout
    assert "no tests for imported specs" in result.stdout
    groups = groups_of(tmp_path / "search.rules.yml")
    availability = groups["slo-search-search-availability"]
    assert availability[0]["expr"] == (
        'sum(rate(search_requests_total{job="search",code=~"5.."}[5m])) '
        '/ sum(rate(search_requests_total{job="search"}[5m]))'
    )
    assert "slo:sli_error:ratio_rate28d" in records(availability)
    by_record = {r["record"]: r["expr"] for r in availability if "record" in r}
    assert by_record["slo:objective:ratio"] == "vector(0.999)"
    fast = {r["record"]: r["expr"] for r in groups["slo-search-search-fast"] if "record" in r}
    assert fast["slo:sli_error:ratio_rate5m"].startswith("1 - (sum(rate(search_duration_seconds_bucket")
    assert fast["slo:time_period:days"] == "vector(7)"


BAD_SPECS = [
    (
        "--from-sloth",
        "version: prometheus/v1\nservice: pay\nslos:\n  - name: x\n    objective: 150\n"
        "    sli: {raw: {error_ratio_query: 'x[{{.window}}]'}}\n",
        "slos[0].objective: expected a percent between 0 and 100",
    ),
    (
        "--from-sloth",
        "version: prometheus/v1\nservice: pay\nslos:\n  - name: x\n    objective: 99\n"
        "    sli: {events: {error_query: 'sum(rate(e[5m]))', total_query: 't[{{.window}}]'}}\n",
        "slos[0].sli.events.error_query: needs {{.window}}",
    ),
    ("--from-sloth", "version: prometheus/v2\nservice: pay\n", "version: expected 'prometheus/v1'"),
    ("--from-sloth", "version: [unclosed\n", "invalid YAML"),
    (
        "--from-openslo",
        "apiVersion: openslo/v1\nkind: SLO\nmetadata: {name: s}\nspec:\n  service: search\n"
        "  indicator:\n    spec:\n      ratioMetric:\n"
        "        good: {metricSource: {spec: {query: 'sum(good)'}}}\n"
        "        total: {metricSource: {spec: {query: total}}}\n"
        "  timeWindow: [{duration: 28d, isRolling: true}]\n"
        "  budgetingMethod: Occurrences\n  objectives: [{target: 0.99}]\n",
        "spec.indicator.spec.ratioMetric.good.metricSource.spec.query: neither a series selector",
    ),
    (
        "--from-openslo",
        "apiVersion: openslo/v1\nkind: SLO\nmetadata: {name: s}\nspec:\n  service: search\n"
        "  budgetingMethod: Occurrences\n  timeWindow: [{duration: 28d}]\n  objectives: [{target: 99.9}]\n",
        "spec.objectives[0].target: expected between 0 and 1",
    ),
    (
        "--from-openslo",
        "apiVersion: openslo/v1\nkind: Service\nmetadata: {name: s}\n",
        "no document of kind SLO",
    ),
]


@pytest.mark.parametrize(("option", "text", "message"), BAD_SPECS)
def test_a_bad_spec_is_one_clear_line_and_exit_2(
    option: str, text: str, message: str, tmp_path: Path
) -> None:
    spec = tmp_path / "spec.yml"
    spec.write_text(text)
    result = invoke(option, str(spec), "--out", str(tmp_path / "out"))
    assert result.exit_code == 2
    [line] = result.stderr.splitlines()
    assert line.startswith(f"error: {spec}") and message in line, line
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--for", "soon"], "--for: not a duration: 'soon'"),
        (
            ["--from-sloth", str(DATA / "sloth.yml")],
            "give one of CONFIG_PATH, --from-sloth and --from-openslo",
        ),
    ],
)
def test_bad_options_exit_2(config_path: Path, args: list[str], message: str) -> None:
    result = invoke(str(config_path), *args)
    assert result.exit_code == 2
    [line] = result.stderr.splitlines()
    assert line.startswith(f"error: {message}"), line


GOLDEN_RULE_TESTS = sorted((REPO / "tests" / "golden").glob("*/expected/generated/rules/tests/*.yml"))


@pytest.mark.real
@pytest.mark.parametrize("test_file", GOLDEN_RULE_TESTS, ids=lambda p: str(p.relative_to(REPO)))
def test_promtool_passes_the_unit_tests_of_every_golden_rule_file(test_file: Path) -> None:
    """The pinned rules are not only stable but right: promtool checks them and runs their tests."""
    rules_files = sorted(test_file.parent.parent.glob("*.rules.yml"))
    checked = promtool("check", "rules", *map(str, rules_files))
    assert checked.returncode == 0, checked.stdout + checked.stderr
    passed = promtool("test", "rules", test_file.name, cwd=test_file.parent)
    assert passed.returncode == 0, passed.stdout + passed.stderr
    assert "SUCCESS" in passed.stdout + passed.stderr


def write_six_hours_only(folder: Path) -> Path:
    """The gateway's availability SLO alone, alerted by a single 6h/30m page pair: no 1h window."""
    gateway = component(
        "gateway",
        slo("gateway-availability", 99.9, alerting={"windows": "six-hours"}),
        source="prom",
        slis=[counter_availability("gateway"), histogram_latency("gateway")],
    )
    pair = {"severity": "page", "long": "6h", "short": "30m", "budget_share": 0.05}
    return write_config(
        folder,
        service("shop", gateway),
        sources=[prometheus_source()],
        alert_windows=[{"name": "six-hours", "pairs": [pair]}],
        name="reliability.yaml",
    )


@pytest.fixture
def six_hours_rules(tmp_path: Path) -> Path:
    """Rules and their promtool tests for an SLO whose only alert pair is 6h/30m."""
    config = write_six_hours_only(tmp_path)
    out = tmp_path / "rules"
    result = invoke(str(config), "--out", str(out), "--tests")
    assert result.exit_code == 0, result.output
    return out


def test_current_burn_is_the_1h_ratio_over_the_budget_without_a_1h_alert_window(
    six_hours_rules: Path,
) -> None:
    rules = groups_of(six_hours_rules / "shop.rules.yml")["slo-shop-gateway-availability"]
    # 5m for the period's rates, 1h for the current burn, 30m and 6h for the alert pair.
    windows = ["5m", "30m", "1h", "6h"]
    assert records(rules)[: len(windows)] == [f"slo:sli_error:ratio_rate{w}" for w in windows]
    current = next(r for r in rules if r.get("record") == "slo:current_burn_rate:ratio")
    assert current["expr"] == (
        f"slo:sli_error:ratio_rate1h{SELECTOR} / on(sloth_id, sloth_slo, sloth_service) group_left "
        f"slo:error_budget:ratio{SELECTOR}"
    )


@pytest.mark.real
def test_promtool_checks_the_current_burn_record_against_the_1h_ratio(six_hours_rules: Path) -> None:
    test_file = six_hours_rules / "tests" / "shop.rules.test.yml"
    tests = {t["name"]: t for t in yaml.safe_load(test_file.read_text())["tests"]}
    checks = {
        c["expr"].split("{")[0]: c for c in tests["shop/gateway-availability: fast burn"]["promql_expr_test"]
    }
    burn = checks["slo:current_burn_rate:ratio"]["exp_samples"][0]
    assert burn["value"] == 0.5 / 0.001 and 'sloth_window="1h"' in burn["labels"]
    passed = promtool("test", "rules", test_file.name, cwd=test_file.parent)
    assert passed.returncode == 0, passed.stdout + passed.stderr

    # With the 5m ratio as the current burn (Sloth's), the same constant inputs give the same value
    # but the record is no longer the 1h one: promtool must fail it.
    rules_file = six_hours_rules / "shop.rules.yml"
    rules_file.write_text(
        rules_file.read_text().replace(
            "expr: slo:sli_error:ratio_rate1h{", "expr: slo:sli_error:ratio_rate5m{"
        )
    )
    failed = promtool("test", "rules", test_file.name, cwd=test_file.parent)
    assert failed.returncode != 0
    assert "slo:current_burn_rate:ratio" in failed.stdout + failed.stderr
