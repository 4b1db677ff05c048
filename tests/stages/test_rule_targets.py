"""Rules beyond the ratios: the low-traffic guard on page alerts, and the files for each rule loader."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
import yaml
from conftest import require_binary
from support.configs import component, counter_availability, prometheus_source, service, slo, write_config
from typer.testing import CliRunner

from reliability.cli import app
from reliability.config import load_config
from reliability.exporters import rule_sources
from reliability.exporters.rule_targets import resource_name
from reliability.exporters.rules import rule_file

GUARDED = service(
    "shop",
    component(
        "gateway",
        slo("gateway-availability", 99.9, alerting={"min_events": 100}),
        source="prom",
        slis=[counter_availability("gateway")],
    ),
)
TOTAL_1H = 'sum(rate(http_requests_total{job=~"gateway"}[1h])) * 3600 > 99.5'
TOTAL_5M = 'sum(rate(http_requests_total{job=~"gateway"}[5m])) * 300 > 99.5'


@pytest.fixture
def config_path(tmp_path: Path) -> Path:
    return write_config(tmp_path, GUARDED, sources=[prometheus_source()], name="reliability.yaml")


def test_a_page_pair_pages_on_enough_events_and_tickets_on_fewer(config_path: Path) -> None:
    [spec] = rule_sources.from_config(load_config(config_path)).specs
    alerts = [r for r in rule_file([spec])["groups"][0]["rules"] if "alert" in r]
    first_page = alerts[0]
    assert first_page["labels"]["sloth_severity"] == "page"
    assert first_page["expr"].endswith(f" and on() (({TOTAL_1H}) and on() ({TOTAL_5M}))")
    demoted = [a for a in alerts if a["labels"]["sloth_severity"] == "ticket" and "unless on()" in a["expr"]]
    assert [(a["labels"]["long_window"], a["labels"]["short_window"]) for a in demoted] == [
        ("1h", "5m"),
        ("6h", "30m"),
    ]
    assert demoted[0]["expr"].endswith(f" unless on() (({TOTAL_1H}) and on() ({TOTAL_5M}))")
    # ticket pairs carry no guard, as in `run`, where only a page is demoted
    tickets = [a for a in alerts if a["labels"]["sloth_severity"] == "ticket" and a not in demoted]
    assert tickets and not any(" on() " in a["expr"] for a in tickets)


def test_the_kubernetes_target_wraps_the_groups_in_a_prometheus_rule(
    config_path: Path, tmp_path: Path
) -> None:
    out = tmp_path / "k8s"
    result = CliRunner().invoke(app, ["rules", str(config_path), "--out", str(out), "--target", "kubernetes"])
    assert result.exit_code == 0, result.output
    resource = yaml.safe_load((out / "shop.prometheusrule.yaml").read_text())
    assert (resource["apiVersion"], resource["kind"]) == ("monitoring.coreos.com/v1", "PrometheusRule")
    assert resource["metadata"]["name"] == "shop-slos"
    plain = rule_file(rule_sources.from_config(load_config(config_path)).specs)
    assert resource["spec"] == plain
    assert not (out / "shop.rules.yml").exists()


def test_resource_names_are_dns_labels() -> None:
    assert resource_name("Check_Out.EU") == "check-out-eu-slos"
    assert len(resource_name("x" * 80)) <= 63


@pytest.mark.real
def test_promtool_checks_the_prometheus_rule_groups(config_path: Path, tmp_path: Path) -> None:
    promtool = require_binary("promtool")
    out = tmp_path / "k8s"
    CliRunner().invoke(app, ["rules", str(config_path), "--out", str(out), "--target", "kubernetes"])
    spec = tmp_path / "spec.yml"
    spec.write_text(yaml.safe_dump(yaml.safe_load((out / "shop.prometheusrule.yaml").read_text())["spec"]))
    checked = subprocess.run(
        [promtool, "check", "rules", str(spec)], capture_output=True, text=True, timeout=60
    )
    assert checked.returncode == 0, checked.stdout + checked.stderr


@pytest.mark.real
def test_vmalert_accepts_the_vmalert_file(config_path: Path, tmp_path: Path) -> None:
    vmalert = require_binary("vmalert")
    out = tmp_path / "vm"
    result = CliRunner().invoke(app, ["rules", str(config_path), "--out", str(out), "--target", "vmalert"])
    assert result.exit_code == 0, result.output
    path = out / "shop.vmalert.yml"
    assert {g["type"] for g in yaml.safe_load(path.read_text())["groups"]} == {"prometheus"}
    checked = subprocess.run(
        [vmalert, "-dryRun", f"-rule={path}"], capture_output=True, text=True, timeout=60
    )
    assert checked.returncode == 0, checked.stderr[-2000:]
