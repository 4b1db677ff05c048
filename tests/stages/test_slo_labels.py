"""SLO labels and severity names: checked where they are written, inherited service < component < SLO,
and carried into the rules, the exported metrics, the hook events and Alertmanager alerts, and the
dashboards."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from conftest import REPO
from prometheus_client import generate_latest
from prometheus_client.parser import text_string_to_metric_families
from support.artifact_builders import error_budgets, sla_compliance
from support.configs import component, service, slo, write_config
from support.incidents import CHECKOUT_SLOS, RESTART, SLOS, config_of, paging

from reliability.actions.alerts import alerts
from reliability.actions.command import incident_environment
from reliability.artifacts.sla_compliance import SloEvent
from reliability.config import load_config
from reliability.config.model import Config, Settings, SeverityNames, Trigger
from reliability.conventions import Metric, Stage
from reliability.errors import ConfigError
from reliability.exporters import metrics, rule_sources
from reliability.exporters.grafana import dashboards
from reliability.exporters.rules import rule_file
from reliability.stages.hooks import PlannedAction, plan

COUNTERS_CONFIG = REPO / "tests" / "golden" / "counters" / "config"
CHECKOUT = CHECKOUT_SLOS[0]


def loaded(tmp_path: Path, *services: dict[str, Any], **sections: Any) -> Config:
    (tmp_path / "events.csv").write_text("ts,comp,status\n2026-01-01T00:00:00Z,web,200\n")
    return load_config(write_config(tmp_path, *services, **sections))


def problems(tmp_path: Path, *services: dict[str, Any], **sections: Any) -> list[tuple[str, str]]:
    """(field, message) of every problem, each message starting with its file and line."""
    with pytest.raises(ConfigError) as raised:
        loaded(tmp_path, *services, **sections)
    found = raised.value.problems
    assert all(p.file.endswith("config.yaml") and p.line for p in found)
    return [(p.field or "", p.message) for p in found]


def test_an_slo_inherits_its_service_and_component_labels_its_own_winning(tmp_path: Path) -> None:
    web = component("web", slo("web-up", labels={"team": "web", "owner": "ana"}), labels={"region": "eu"})
    api = component("api", slo("api-up"))
    config = loaded(tmp_path, service("shop", web, api, labels={"team": "shop", "tier": "gold"}))
    labels = {s.id: dict(s.labels) for s in config.slos}
    assert labels == {
        "shop/web-up": {"owner": "ana", "region": "eu", "team": "web", "tier": "gold"},
        "shop/api-up": {"team": "shop", "tier": "gold"},
    }


@pytest.mark.parametrize(
    ("labels", "says"),
    [
        ({"team-name": "a"}, "is not a label name"),
        ({"severity": "a"}, "set by reliability itself"),
        ({"slo": "a"}, "set by reliability itself"),
        ({"reliability_tier": "a"}, "set by reliability itself"),
        ({"__name__": "a"}, "reserved by Prometheus"),
        ({"team": ""}, "empty value"),
    ],
)
def test_an_unusable_label_is_refused_where_it_stands(
    tmp_path: Path, labels: dict[str, str], says: str
) -> None:
    found = problems(tmp_path, service("shop", component("web", slo("web-up", labels=labels))))
    (name,) = labels
    assert len(found) == 1
    field, message = found[0]
    assert field == f"services[0].components[0].slos[0].labels.{name}"
    assert says in message


def test_a_label_value_must_be_text(tmp_path: Path) -> None:
    found = problems(tmp_path, service("shop", component("web", slo("web-up")), labels={"team": 7}))
    assert found[0][0] == "services[0].labels.team"


def test_severity_names_must_tell_page_from_ticket(tmp_path: Path) -> None:
    shop = service("shop", component("web", slo("web-up")))
    found = problems(tmp_path, shop, settings={"severity_names": {"page": "high", "ticket": "high"}})
    assert found == [("settings.severity_names", "page and ticket are both named 'high'")]
    config = loaded(tmp_path, shop, settings={"severity_names": {"page": "critical"}})
    assert config.settings.severity_names == SeverityNames("critical", "ticket")


@pytest.fixture(scope="module")
def counters_config() -> Config:
    """The golden counters case: labels on the service, the eu component and eu-availability;
    severities named critical and warning."""
    return load_config(COUNTERS_CONFIG)


def alerts_of(config: Config, slo_id: str) -> list[dict[str, Any]]:
    specs = [s for s in rule_sources.from_config(config).specs if s.slo_id == slo_id]
    (group,) = rule_file(specs)["groups"]
    return [r for r in group["rules"] if "alert" in r]


def test_rules_carry_the_labels_the_severity_names_and_the_stable_tier(counters_config: Config) -> None:
    specs = {s.slo_id: s for s in rule_sources.from_config(counters_config).specs}
    eu = specs["edge/eu-availability"]
    mine = {"owner": "alice", "region": "eu", "team": "edge-eu"}
    (group,) = rule_file([eu])["groups"]
    assert all(r["labels"].items() >= mine.items() for r in group["rules"])  # recorded series and alerts
    labels = {
        (r["alert"], r["labels"]["sloth_severity"], r["labels"]["reliability_tier"])
        for r in group["rules"]
        if "alert" in r
    }
    assert labels == {
        ("SLOErrorBudgetBurnPage", "critical", "page"),
        ("SLOErrorBudgetBurnTicket", "warning", "ticket"),
        ("SLONoData", "warning", "no_data"),
    }
    us = alerts_of(counters_config, "edge/us-availability")
    assert {a["labels"]["team"] for a in us} == {"edge-platform"}
    assert all("owner" not in a["labels"] for a in us)


def test_without_severity_names_the_tier_and_the_severity_agree(counters_config: Config) -> None:
    plain = replace(
        counters_config, settings=replace(counters_config.settings, severity_names=SeverityNames())
    )
    pairs = {
        (a["labels"]["sloth_severity"], a["labels"]["reliability_tier"])
        for a in alerts_of(plain, "edge/eu-availability")
    }
    assert pairs == {("page", "page"), ("ticket", "ticket"), ("ticket", "no_data")}


def test_dashboards_show_the_labels_and_offer_a_team_variable(counters_config: Config) -> None:
    overview = dashboards(counters_config)["overview.json"]
    variables = [v["name"] for v in overview["templating"]["list"]]
    assert variables == ["datasource", "service", "team", "slo"]
    table = next(p for p in overview["panels"] if p["type"] == "table" and p["title"] == "SLOs")
    assert all("max by (service, component, slo, owner, region, team)" in t["expr"] for t in table["targets"])
    assert all('team=~"$team"' in t["expr"] for t in table["targets"])


def test_dashboards_without_labels_have_no_team_variable(tmp_path: Path) -> None:
    config = loaded(tmp_path, service("shop", component("web", slo("web-up"))))
    overview = dashboards(config)["overview.json"]
    assert [v["name"] for v in overview["templating"]["list"]] == ["datasource", "service", "slo"]


def exposition(config: Config, **artifacts: Any) -> dict[tuple[str, str], dict[str, str]]:
    """(metric, slo) -> labels of each per-SLO sample of the registry built for `config`."""
    registry = metrics.registry_from_artifacts(
        {Stage.BUDGETS: error_budgets(*artifacts.values())}, metrics.slo_labels_of(config)
    )
    return {
        (sample.name, sample.labels["slo"]): sample.labels
        for family in text_string_to_metric_families(generate_latest(registry).decode())
        for sample in family.samples
        if "slo" in sample.labels and sample.name == Metric.BUDGET_REMAINING
    }


def labelled_slos_config(**settings: Any) -> Config:
    labelled = replace(SLOS[0], labels=(("owner", "ana"), ("team", "payments")))
    return replace(config_of((), (labelled, *SLOS[1:])), settings=Settings(**settings))


def test_exported_series_carry_the_labels_of_their_slo_only() -> None:
    config = labelled_slos_config()
    found = exposition(
        config, checkout=paging(CHECKOUT, "checkout"), other=paging(CHECKOUT_SLOS[1], "checkout")
    )
    assert found[Metric.BUDGET_REMAINING, "checkout-availability"] == {
        "service": "orders",
        "component": "checkout",
        "slo": "checkout-availability",
        "owner": "ana",
        "team": "payments",
    }
    # the other SLO's series has both empty, which Prometheus stores as no label
    other = found[Metric.BUDGET_REMAINING, "checkout-latency"]
    assert (other["owner"], other["team"]) == ("", "")


def ticket_action(trigger: Trigger = Trigger.PAGE) -> PlannedAction:
    hook = replace(RESTART, triggers=(trigger,))
    config = replace(labelled_slos_config(), hooks=(hook,))
    config = replace(config, settings=Settings(severity_names=SeverityNames("critical", "warning")))
    budgets = error_budgets(*(paging(s, "checkout", trigger.value) for s in CHECKOUT_SLOS[:2]))
    (action,) = plan(config, budgets, sla_compliance(), "2026-11-05T12:00:00Z")
    return action


def test_a_hook_event_carries_the_labels_and_the_severity_name() -> None:
    action = ticket_action()
    assert isinstance(action.event, SloEvent)
    event = action.event.to_json()
    assert (event["severity"], event["labels"]) == ("critical", {"owner": "ana", "team": "payments"})
    assert [item.get("labels") for item in event["slos"]] == [{"owner": "ana", "team": "payments"}, None]
    assert SloEvent.from_json(event) == action.event
    first, second = alerts(action)
    assert first.labels == {
        "owner": "ana",
        "team": "payments",
        "alertname": "SLOErrorBudgetBurnPage",
        "severity": "critical",
        "reliability_tier": "page",
        "service": "orders",
        "component": "checkout",
        "slo": CHECKOUT,
    }
    assert "team" not in second.labels
    environment = incident_environment(action)
    assert environment["RELIABILITY_SEVERITY"] == "critical"
    assert (environment["RELIABILITY_LABEL_team"], environment["RELIABILITY_LABEL_owner"]) == (
        "payments",
        "ana",
    )


@pytest.mark.parametrize(
    ("trigger", "severity", "tier"),
    [(Trigger.TICKET, "warning", "ticket"), (Trigger.NO_DATA, "warning", "no_data")],
)
def test_tickets_and_no_data_alerts_keep_their_tier(trigger: Trigger, severity: str, tier: str) -> None:
    labels = alerts(ticket_action(trigger))[0].labels
    assert (labels["severity"], labels["reliability_tier"]) == (severity, tier)
