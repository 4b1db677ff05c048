"""OpenSLO documents read as configuration: the model they build, and a located refusal for every field
the model cannot express."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml
from support.configs import write_config

from reliability.config import load_config
from reliability.config.model import BudgetingMethod, CalendarUnit, CompositeMethod, Selector
from reliability.config.openslo_export import export_openslo
from reliability.errors import ConfigError

DATA = Path(__file__).parent / "data" / "openslo"
SCHEMA = Path(__file__).parents[1] / "support" / "schemas" / "openslo-v1.schema.json"


def _problems(path: Path) -> list[tuple[str | None, int | None, str]]:
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    return [(p.field, p.line, p.message) for p in caught.value.problems]


@pytest.mark.parametrize(
    ("example", "field", "line", "words"),
    [
        ("occurrences.yaml", "spec.objectives[0].op", 25, "not 'lt'"),
        ("timeslices.yaml", "spec.timeWindow[0].calendar.startTime", 29, "first day"),
        (
            "ratio-timeslices.yaml",
            "spec.indicator.spec.ratioMetric.good.metricSource.type",
            17,
            "'Any' cannot",
        ),
    ],
)
def test_the_spec_examples_are_refused_where_they_stand(
    example: str, field: str, line: int, words: str
) -> None:
    # The spec's examples query `type: Any` (nothing reliability can read), compare latency with `lt` and
    # start a calendar month at noon: the first of these in each document is named.
    [(found_field, found_line, message)] = _problems(DATA / "spec-examples" / example)
    assert (found_field, found_line) == (field, line)
    assert words in message


def test_a_prometheus_folder_builds_the_model() -> None:
    config = load_config(DATA / "shop")
    slos = {slo.id: slo for slo in config.slos}
    assert list(slos) == ["web/availability", "web/latency_p95", "web/latency_p99"]
    availability = slos["web/availability"]
    assert (availability.objective_percent, availability.window.name) == (99.9, "28d")
    [requests] = config.component("web", "requests").slis
    assert requests.counters is not None
    assert requests.counters.bad == Selector("http_requests_total", (("code", "5.."), ("job", "web")))
    assert requests.counters.total == Selector("http_requests_total", (("job", "web"),))
    p95, p99 = slos["web/latency_p95"], slos["web/latency_p99"]
    assert p95.window.calendar is CalendarUnit.MONTH and p95.window.time_zone == "Europe/Berlin"
    assert (p95.budgeting.method, p95.budgeting.slice_seconds, p95.budgeting.slice_target) == (
        BudgetingMethod.TIMESLICES,
        300,
        0.95,
    )
    assert (p95.objective_percent, p99.objective_percent) == (99.0, 99.9)
    thresholds = {s.name: s.threshold_seconds for s in config.component("web", "request-latency").slis}
    assert thresholds == {"request-latency": 0.3, "request-latency_1s": 1.0}
    assert (p95.sli, p99.sli) == ("request-latency", "request-latency_1s")
    assert config.index.sources["prom"].origin.line == 2


BASE = (DATA / "shop" / "shop.yaml").read_text()


@pytest.mark.parametrize(
    ("old", "new", "field", "words"),
    [
        (
            "  name: availability\n",
            "  name: availability\n  labels: {team: [web, shop]}\n",
            "metadata.labels.team",
            "one value",
        ),
        (
            "  budgetingMethod: Occurrences\n",
            "  budgetingMethod: Occurrences\n  alertPolicies: [page]\n",
            "spec.alertPolicies[0]",
            "no AlertPolicy named 'page'",
        ),
        (
            "      target: 0.999\n",
            "      target: 0.999\n      compositeWeight: 2\n",
            "spec.objectives[0].compositeWeight",
            "composite",
        ),
        ("    counter: true\n", "    counter: false\n", "spec.ratioMetric.counter", "cumulative counters"),
        ("      op: lte\n      value: 0.3", "      op: gt\n      value: 0.3", "spec.objectives[0].op", "lte"),
        ("      value: 0.3\n", "      value: 0.0003\n", "spec.objectives[0].value", "milliseconds"),
        (
            "  type: Prometheus\n  connectionDetails",
            "  type: Datadog\n  connectionDetails",
            "spec.type",
            "Datadog",
        ),
        ("    - duration: 28d\n", "    - duration: 1M\n", "spec.timeWindow[0].duration", "no fixed length"),
        (
            'startTime: "2024-01-01 00:00:00"',
            'startTime: "2024-01-03 00:00:00"',
            "spec.timeWindow[0].calendar.startTime",
            "first day",
        ),
        ('code=~"5.."', 'code!="200"', "spec.ratioMetric.bad.metricSource.spec.query", "only include"),
        (
            'query: http_request_duration_seconds_bucket{job="web"}',
            "query: histogram_quantile(0.95, rate(x_bucket[5m]))",
            "spec.indicator.spec.thresholdMetric.metricSource.spec.query",
            "not a series selector",
        ),
        (
            "        metricSourceRef: prom\n        type: Prometheus\n",
            "        type: Prometheus\n",
            "spec.ratioMetric.bad.metricSource.metricSourceRef",
            "DataSource",
        ),
        ("kind: Service\n", "kind: Project\n", "kind", "unknown kind"),
        (
            "  description: The web shop.\n",
            "  description: The web shop.\n  owner: me\n",
            "spec.owner",
            "unknown field",
        ),
        (
            "  name: web\n",
            "  name: web\n  annotations: {reliability.dev/nonsense: x}\n",
            "metadata.annotations.reliability.dev/nonsense",
            "unknown annotation",
        ),
    ],
)
def test_what_the_model_cannot_express_is_refused_where_it_stands(
    tmp_path: Path, old: str, new: str, field: str, words: str
) -> None:
    assert old in BASE
    text = BASE.replace(old, new, 1)
    (tmp_path / "slo.yaml").write_text(text)
    [(found_field, line, message)] = _problems(tmp_path)
    assert found_field == field
    assert words in message
    # The line holds the field, or for a missing one the mapping that lacks it.
    keys = [part.split("[")[0].split("/")[0] for part in field.split(".")[-2:]]
    assert line is not None and any(key in text.splitlines()[line - 1] for key in keys)


def test_raw_ratio_metrics_are_refused(tmp_path: Path) -> None:
    text = BASE.replace("    counter: true\n", "    counter: true\n    rawType: success\n", 1)
    (tmp_path / "slo.yaml").write_text(text)
    [(field, _, message)] = _problems(tmp_path)
    assert field == "spec.ratioMetric.rawType" and "raw" in message


ALERTS = """\
---
apiVersion: openslo/v1
kind: AlertCondition
metadata:
  name: fast-burn
spec:
  severity: page
  condition:
    kind: burnrate
    op: gte
    threshold: 14.4
    lookbackWindow: 1h
    alertAfter: 0m
---
apiVersion: openslo/v1
kind: AlertPolicy
metadata:
  name: burn
spec:
  alertWhenBreaching: true
  alertWhenResolved: true
  conditions:
    - conditionRef: fast-burn
    - kind: AlertCondition
      metadata: {name: slow-burn}
      spec:
        severity: critical
        condition: {kind: burnrate, op: gt, threshold: 1, lookbackWindow: 3d}
  notificationTargets:
    - targetRef: on-call
---
apiVersion: openslo/v1
kind: AlertNotificationTarget
metadata:
  name: on-call
  annotations:
    reliability.dev/secret-env: ONCALL_SECRET
spec:
  target: https://example.com/hook
"""
WITH_ALERTS = (
    BASE.replace(
        "  budgetingMethod: Occurrences\n", "  budgetingMethod: Occurrences\n  alertPolicies: [burn]\n", 1
    )
    .replace("  name: web\nspec:", "  name: web\n  labels: {team: shop}\nspec:", 1)
    .replace("  name: availability\nspec:", "  name: availability\n  labels: {tier: [gold]}\nspec:", 1)
    + ALERTS
)


def test_labels_and_an_alert_policy_become_labels_a_window_set_and_a_signed_webhook(tmp_path: Path) -> None:
    (tmp_path / "slo.yaml").write_text(WITH_ALERTS)
    config = load_config(tmp_path)
    slos = {slo.id: slo for slo in config.slos}
    assert slos["web/availability"].labels == (("team", "shop"), ("tier", "gold"))
    assert slos["web/latency_p95"].labels == (("team", "shop"),)  # the Service's labels are inherited
    assert slos["web/availability"].alert_windows == "burn"
    # 14.4 x 1h of 28d is 2.14 % of the budget; `critical` is no severity of ours: the slower pair tickets.
    fast, slow = config.alert_window_sets["burn"]
    assert (fast.severity, fast.long.name, fast.short.name, round(fast.budget_share, 6)) == (
        "page",
        "1h",
        "5m",
        round(14.4 * 3600 / (28 * 86400), 6),
    )
    assert (slow.severity, slow.long.name, slow.short.name) == ("ticket", "3d", "6h")
    [hook] = [h for h in config.hooks if h.name == "burn-on-call"]
    assert hook.webhook is not None and hook.webhook.secret_env == "ONCALL_SECRET"
    assert [t.value for t in hook.triggers] == ["page", "ticket", "recovery"]
    assert hook.slos == ("web/availability",)


@pytest.mark.parametrize(
    ("old", "new", "field", "words"),
    [
        ("    op: gte\n", "    op: lt\n", "spec.condition.op", "gt or gte"),
        ("    alertAfter: 0m\n", "    alertAfter: 5m\n", "spec.condition.alertAfter", "--for"),
        (
            "kind: burnrate, op: gt",
            "kind: burnrate, op: lte",
            "spec.conditions[1].spec.condition.op",
            "gt or gte",
        ),
        (
            "    reliability.dev/secret-env: ONCALL_SECRET\n",
            "    reliability.dev/secret: ONCALL_SECRET\n",
            "metadata.annotations.reliability.dev/secret",
            "unknown annotation",
        ),
        ("  annotations:\n    reliability.dev/secret-env: ONCALL_SECRET\n", "", "metadata", "signed"),
        ("  alertWhenBreaching: true\n", "  alertWhenBreaching: false\n  alertWhenResolved: false\n", "", ""),
        ("    lookbackWindow: 1h\n", "    lookbackWindow: 30m\n", "spec.condition.lookbackWindow", "twelfth"),
        ("    threshold: 14.4\n", "    threshold: 1000\n", "spec.condition.threshold", "whole budget"),
        ("  severity: page\n", "  severity: page\n  description: x\n  extra: 1\n", "spec.extra", "unknown"),
    ],
)
def test_what_an_alert_policy_cannot_say_is_refused_where_it_stands(
    tmp_path: Path, old: str, new: str, field: str, words: str
) -> None:
    if not field:  # alertWhenResolved: true is dropped too, so nothing is left to notify
        new, field, words = (
            new.replace("false\n  alertWhenResolved: false", "false"),
            "spec",
            "nothing to notify",
        )
        text = WITH_ALERTS.replace(old, new).replace("  alertWhenResolved: true\n", "")
    else:
        text = WITH_ALERTS.replace(old, new, 1)
    assert text != WITH_ALERTS
    (tmp_path / "slo.yaml").write_text(text)
    (found_field, line, message), *_ = _problems(tmp_path)  # the first; follow-on ones may come after
    assert found_field == field and words in message and line is not None


def test_an_alert_policy_no_slo_names_is_an_error(tmp_path: Path) -> None:
    (tmp_path / "slo.yaml").write_text(BASE + ALERTS)
    [(field, _, message)] = _problems(tmp_path)
    assert field == "kind" and "no SLO names this AlertPolicy" in message


COMPOSITE = """\
---
apiVersion: openslo/v1
kind: SLO
metadata:
  name: journey
spec:
  service: web
  timeWindow:
    - duration: 28d
      isRolling: true
  budgetingMethod: Occurrences
  objectives:
    - displayName: Requests
      target: 0.999
      indicatorRef: requests
      compositeWeight: 3
    - displayName: Fast
      op: lte
      value: 0.5
      target: 0.99
      indicator:
        metadata: {name: journey-latency}
        spec:
          thresholdMetric:
            metricSource:
              metricSourceRef: prom
              spec:
                query: http_request_duration_seconds_bucket{job="web"}
"""


def test_a_composite_slo_becomes_one_slo_per_objective_and_a_weighted_composite(tmp_path: Path) -> None:
    (tmp_path / "slo.yaml").write_text(BASE + COMPOSITE)
    config = load_config(tmp_path)
    slos = {slo.id: slo for slo in config.slos}
    requests, fast, journey = slos["web/journey_requests"], slos["web/journey_fast"], slos["web/journey"]
    assert (requests.sli, requests.objective_percent) == ("requests", 99.9)
    assert (fast.sli, fast.objective_percent) == ("journey-latency", 99.0)
    assert journey.composite is not None and journey.composite.method is CompositeMethod.WEIGHTED
    assert [(p.slo, p.weight) for p in journey.composite.parts] == [
        ("web/journey_requests", 3.0),
        ("web/journey_fast", 1.0),
    ]
    assert journey.objective_percent == pytest.approx((3 * 99.9 + 99.0) / 4)


@pytest.mark.parametrize(
    ("old", "new", "field", "words"),
    [
        (
            "  budgetingMethod: Occurrences\n  objectives:\n    - displayName: Requests",
            "  indicatorRef: requests\n  budgetingMethod: Occurrences\n"
            "  objectives:\n    - displayName: Requests",
            "spec.indicatorRef",
            "gives none",
        ),
        (
            "      indicatorRef: requests\n      compositeWeight: 3\n",
            "      compositeWeight: 3\n",
            "spec.objectives[0]",
            "each give an indicator",
        ),
        (
            "      compositeWeight: 3\n",
            "      compositeWeight: 0\n",
            "spec.objectives[0].compositeWeight",
            "number",
        ),
    ],
)
def test_what_a_composite_cannot_say_is_refused_where_it_stands(
    tmp_path: Path, old: str, new: str, field: str, words: str
) -> None:
    text = BASE + COMPOSITE.replace(old, new, 1)
    assert text != BASE + COMPOSITE
    (tmp_path / "slo.yaml").write_text(text)
    [(found_field, _, message)] = _problems(tmp_path)
    assert found_field == field and words in message


SLOTH_V1ALPHA = """\
apiVersion: openslo/v1alpha
kind: SLO
metadata:
  name: requests-availability
  displayName: Requests availability
spec:
  service: my-service
  description: Availability of the HTTP API.
  budgetingMethod: Occurrences
  objectives:
    - ratioMetrics:
        bad:
          source: prom
          queryType: promql
          query: sum(rate(http_requests_total{job="myservice",code=~"(5..|429)"}[{{.window}}]))
        total:
          source: prom
          queryType: promql
          query: sum(rate(http_requests_total{job="myservice"}[{{.window}}]))
      target: 0.999
  timeWindows:
    - count: 28
      unit: Day
"""


def test_v1alpha_as_sloth_reads_it(tmp_path: Path) -> None:
    (tmp_path / "sloth.yaml").write_text(SLOTH_V1ALPHA)
    write_config(tmp_path, sources=[{"name": "prom", "type": "prometheus", "url": "http://127.0.0.1:9"}])
    config = load_config(tmp_path)
    [slo] = config.slos
    assert (slo.id, slo.objective_percent, slo.window.name) == (
        "my-service/requests-availability",
        99.9,
        "28d",
    )
    [sli] = config.component("my-service", "requests-availability").slis
    assert sli.counters is not None and sli.counters.bad is not None
    assert dict(sli.counters.bad.labels) == {"code": "(5..|429)", "job": "myservice"}


def _objectives_config(tmp_path: Path, objectives: list[dict[str, Any]], sli: str = "latency") -> Path:
    slis = [
        {"name": "availability", "kind": "availability"},
        {"name": "latency", "kind": "latency", "threshold": "300ms"},
    ]
    slo = {"name": "checkout", "sli": sli, "objectives": objectives, "window": "7d"}
    component = {"name": "checkout", "source": "log", "slis": slis, "slos": [slo]}
    source = {
        "name": "log",
        "type": "events",
        "paths": ["events.csv"],
        "columns": {"timestamp": {"column": "ts"}, "status": "status", "latency": {"column": "ms"}},
    }
    (tmp_path / "events.csv").write_text("ts,status,ms\n2026-11-05T11:00:00Z,200,120\n")
    (tmp_path / "config.yaml").write_text(
        yaml.safe_dump({"sources": [source], "services": [{"name": "shop", "components": [component]}]})
    )
    return tmp_path


def test_several_objectives_in_our_config_become_one_slo_each(tmp_path: Path) -> None:
    objectives = [
        {"name": "p95", "objective": 99, "budgeting": {"method": "timeslices", "slice": "5m", "target": 95}},
        {"name": "p99", "objective": 99.9, "threshold": "1s"},
    ]
    config = load_config(_objectives_config(tmp_path, objectives))
    slos = {slo.id: slo for slo in config.slos}
    assert list(slos) == ["shop/checkout_p95", "shop/checkout_p99"]
    p95, p99 = slos.values()
    assert (p95.sli, p95.budgeting.method, p95.window.name) == ("latency", BudgetingMethod.TIMESLICES, "7d")
    assert (p99.sli, p99.objective_percent, p99.budgeting.method) == (
        "latency_1s",
        99.9,
        BudgetingMethod.OCCURRENCES,
    )
    latency = config.index.slis["shop/checkout", "latency_1s"]
    assert latency.threshold_seconds == 1.0


def test_an_objectives_threshold_needs_a_latency_sli(tmp_path: Path) -> None:
    config = _objectives_config(
        tmp_path, [{"name": "fast", "objective": 99, "threshold": "1s"}], "availability"
    )
    [(field, line, message)] = _problems(config)
    assert field == "services[0].components[0].slos[0].objectives[0].threshold"
    assert "not a latency SLI" in message and line is not None


def test_an_slo_takes_objective_or_objectives_not_both(tmp_path: Path) -> None:
    path = _objectives_config(tmp_path, [{"name": "p95", "objective": 99}])
    data = yaml.safe_load((path / "config.yaml").read_text())
    data["services"][0]["components"][0]["slos"][0]["objective"] = 99
    (path / "config.yaml").write_text(yaml.safe_dump(data))
    [(field, _, _)] = _problems(path)
    assert field == "services[0].components[0].slos[0]"


def test_the_export_matches_the_openslo_v1_schema(example_config: Path, tmp_path: Path) -> None:
    exported = export_openslo(example_config, tmp_path)
    validator = jsonschema.Draft202012Validator(json.loads(SCHEMA.read_text()))
    invalid = {d["metadata"]["name"] for d in exported.documents if not validator.is_valid(d)}
    # The two the export warns about: an `auto` objective (no target) and a composite (no indicator).
    assert invalid == {"catalog-latency", "order-journey"}
    assert len(exported.warnings) == 2
    assert {d["kind"] for d in exported.documents} == {
        "DataSource",
        "Service",
        "SLI",
        "SLO",
        "AlertNotificationTarget",
    }


def test_the_schema_accepts_the_spec_example_shapes() -> None:
    validator = jsonschema.Draft202012Validator(json.loads(SCHEMA.read_text()))
    for path in sorted((DATA / "spec-examples").glob("*.yaml")):
        for document in yaml.safe_load_all(path.read_text()):
            calendar = document["spec"]["timeWindow"][0].get("calendar")
            if calendar:  # unquoted, YAML reads the start as a timestamp; JSON Schema sees text
                calendar["startTime"] = str(calendar["startTime"])
            assert validator.is_valid(document), path.name


def test_one_objective_with_its_own_threshold_counts_against_an_sli_of_its_own(tmp_path: Path) -> None:
    # A second SLO on the same latency SLI whose only objective has another value.
    second = BASE.split("---\n")[-1].replace("name: latency\n", "name: latency-fast\n", 1)
    second = second.split("  objectives:\n")[0] + "  objectives:\n    - {op: lte, value: 0.1, target: 0.9}\n"
    second = second.replace("budgetingMethod: Timeslices", "budgetingMethod: Occurrences")
    (tmp_path / "slo.yaml").write_text(BASE + "---\n" + second)
    config = load_config(tmp_path)
    fast = config.index.slos["web/latency-fast"]
    assert fast.sli == "request-latency_100ms"
    assert config.index.slis["web/request-latency", "request-latency_100ms"].threshold_seconds == 0.1
