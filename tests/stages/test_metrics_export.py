"""Metrics export: the registry built from the bundled example, the textfile, a real Pushgateway,
and `reliability serve` scraped by a real Prometheus."""

from __future__ import annotations

import json
import math
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import pytest
from conftest import REPO
from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.parser import text_string_to_metric_families
from support.artifact_builders import error_budgets
from support.real_servers import free_port, prometheus, pushgateway, running, wait_until_ready
from typer.testing import CliRunner

from reliability import pipeline
from reliability.artifacts.error_budgets import UnjudgedBudget
from reliability.artifacts.models import MODELS, Artifact
from reliability.cli import app
from reliability.commands.serve import (
    LatestResults,
    ServeMetric,
    parse_interval,
    parse_listen,
    run_every,
    start_http_server,
)
from reliability.config import load_config
from reliability.conventions import SLA_LABELS, SLO_LABELS, Metric, Stage
from reliability.errors import InputError, ReliabilityError
from reliability.exporters import metrics

EVALUATED_AT = 1_793_880_000.0  # 2026-11-05T12:00:00Z, the example's settings.evaluate_at
CHECKOUT = {"service": "orders", "component": "checkout", "slo": "checkout-availability"}
PAYMENTS_SLA = {"service": "orders", "component": "payments", "sla": "payments-contract"}
POLL_DEADLINE_SECONDS = 30.0

Artifacts = dict[Stage, Artifact]
Series = dict[tuple[str, frozenset[tuple[str, str]]], float]
T = TypeVar("T")


@pytest.fixture(scope="module")
def example_artifacts(tmp_path_factory: pytest.TempPathFactory) -> Artifacts:
    config = load_config(REPO / "config")
    assert config.settings.evaluate_at is not None
    options = pipeline.RunOptions(
        now=config.settings.evaluate_at.timestamp(), out_dir=tmp_path_factory.mktemp("generated")
    )
    return pipeline.run(config, options).artifacts


@pytest.fixture(scope="module")
def example_registry(example_artifacts: Artifacts) -> CollectorRegistry:
    return metrics.registry_from_artifacts(example_artifacts)


def parse(text: str) -> Series:
    """{(sample name, labels): value} of an exposition text."""
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def series(registry: CollectorRegistry) -> Series:
    return parse(generate_latest(registry).decode())


def value(found: Series, metric: str, **labels: str) -> float:
    return found[(str(metric), frozenset(labels.items()))]


def names(found: Series) -> set[str]:
    return {name for name, _ in found}


# --- the registry ---------------------------------------------------------------------------------


def test_every_metric_of_the_conventions_is_exported(example_registry: CollectorRegistry) -> None:
    assert names(series(example_registry)) == {str(m) for m in Metric}


def test_labels_are_the_conventions_and_nothing_else(example_registry: CollectorRegistry) -> None:
    extra = {
        Metric.SLI: {"window"},
        Metric.BURN_RATE: {"window"},
        Metric.ALERT: {"severity"},
        Metric.EVENTS: {"kind"},
    }
    for name, labels in series(example_registry):
        metric = Metric(name)
        if metric is Metric.LAST_RUN:
            expected = set()
        elif metric in (Metric.SLA_ATTAINED, Metric.SLA_BREACH):
            expected = set(SLA_LABELS)
        else:
            expected = set(SLO_LABELS) | extra.get(metric, set())
        assert {key for key, _ in labels} == expected, name


def test_exact_values_of_the_example(
    example_registry: CollectorRegistry, example_artifacts: Artifacts
) -> None:
    found = series(example_registry)
    assert value(found, Metric.SLO_OBJECTIVE, **CHECKOUT) == 0.999
    assert value(found, Metric.ALERT, **CHECKOUT, severity="page") == 1
    assert value(found, Metric.ALERT, **CHECKOUT, severity="ticket") == 0
    assert value(found, Metric.POLICY_FREEZE, **CHECKOUT) == 1
    assert value(found, Metric.NO_DATA, **CHECKOUT) == 0
    assert value(found, Metric.EVENTS, **CHECKOUT, kind="good") == 172_400
    assert value(found, Metric.EVENTS, **CHECKOUT, kind="bad") == 79
    assert value(found, Metric.LAST_RUN) == EVALUATED_AT
    budgets = {e["slo"]: e for e in example_artifacts[Stage.BUDGETS].to_json()["slos"]}
    checkout = budgets["orders/checkout-availability"]
    assert value(found, Metric.BUDGET_REMAINING, **CHECKOUT) == checkout["budget"]["remaining_ratio"]
    assert value(found, Metric.EXHAUSTION, **CHECKOUT) == checkout["exhaustion"]["seconds"]
    assert value(found, Metric.BURN_RATE, **CHECKOUT, window="1h") == pytest.approx(142.09, abs=0.01)
    assert value(found, Metric.SLI, **CHECKOUT, window="30d") == checkout["sli_ratio"]
    payments = {"service": "orders", "component": "payments", "slo": "payments-availability"}
    assert value(found, Metric.EXHAUSTION, **payments) == 0
    assert value(found, Metric.SLA_BREACH, **PAYMENTS_SLA) == 1
    assert value(found, Metric.SLA_ATTAINED, **PAYMENTS_SLA) == pytest.approx(0.99770510613884)
    catalog = {"service": "storefront", "component": "catalog", "slo": "catalog-availability"}
    assert value(found, Metric.POLICY_FREEZE, **catalog) == 0
    assert value(found, Metric.SLO_OBJECTIVE, **catalog) == 0.999


def test_windows_without_data_are_left_out_not_nan(example_registry: CollectorRegistry) -> None:
    found = series(example_registry)
    assert not any(math.isnan(v) for v in found.values())
    silent = {"service": "storefront", "component": "recommendations", "slo": "recommendations-availability"}
    windows = {
        dict(labels)["window"] for name, labels in found if name == Metric.SLI and silent.items() <= labels
    }
    assert windows == {"3d", "30d"}  # silent for 26 hours: 5m .. 1d have no data
    assert (str(Metric.BURN_RATE), frozenset({**silent, "window": "1h"}.items())) not in found


def test_slis_carry_the_same_component_label_as_the_budgets(example_registry: CollectorRegistry) -> None:
    found = series(example_registry)
    slo_labels = {labels for name, labels in found if name == Metric.BUDGET_REMAINING}
    sli_labels = {
        frozenset((k, v) for k, v in labels if k != "window") for n, labels in found if n == Metric.SLI
    }
    assert sli_labels == slo_labels
    assert {dict(labels)["component"] for labels in slo_labels} >= {"*", "catalog+search"}


def test_an_slo_without_an_objective_is_no_data_and_nothing_else() -> None:
    """`objective: auto` without history: no budget, burn or alert to export, only the no-data flag."""
    unjudged = UnjudgedBudget("web/auto", "web", "api", "latency", "30d", 2_592_000, None, True, "no history")
    found = series(metrics.registry_from_artifacts({Stage.BUDGETS: error_budgets(unjudged)}))
    labels = dict(zip(SLO_LABELS, ("web", "api", "auto"), strict=True))
    assert value(found, Metric.NO_DATA, **labels) == 1
    assert {name for name, _ in found} == {str(Metric.LAST_RUN), str(Metric.NO_DATA)}


def test_no_data_unbounded_burn_and_an_sla_without_data(example_artifacts: Artifacts) -> None:
    changed = {stage: artifact.to_json() for stage, artifact in example_artifacts.items()}
    entry = next(e for e in changed[Stage.BUDGETS]["slos"] if e["slo"] == "orders/checkout-availability")
    entry["no_data"] = True
    entry["budget"]["remaining_ratio"] = None
    entry["exhaustion"]["seconds"] = None
    entry["burn_rates"][0] |= {"window": "5m", "burn_rate": None, "unbounded": True}
    entry["burn_rates"][1] |= {"window": "30m", "burn_rate": None, "unbounded": False}
    sla = next(s for s in changed[Stage.SLA]["slas"] if s["sla"] == "orders/payments-contract")
    next(p for p in sla["periods"] if p["period"] == "current_month")["attained_percent"] = None

    typed = {stage: MODELS[data["kind"]].from_json(data) for stage, data in changed.items()}
    found = series(metrics.registry_from_artifacts(typed))
    assert value(found, Metric.NO_DATA, **CHECKOUT) == 1
    assert value(found, Metric.BURN_RATE, **CHECKOUT, window="5m") == math.inf
    for metric, labels in [
        (Metric.BUDGET_REMAINING, CHECKOUT),
        (Metric.EXHAUSTION, CHECKOUT),
        (Metric.BURN_RATE, {**CHECKOUT, "window": "30m"}),
        (Metric.SLA_ATTAINED, PAYMENTS_SLA),
        (Metric.SLA_BREACH, PAYMENTS_SLA),
    ]:
        assert (str(metric), frozenset(labels.items())) not in found, metric


# --- textfile and push ------------------------------------------------------------------------------


def test_textfile_is_replaced_atomically_and_parses(
    example_registry: CollectorRegistry, tmp_path: Path
) -> None:
    target = tmp_path / "reliability.prom"
    target.write_text("# an older run\n")
    before = target.stat().st_ino
    metrics.write_textfile(target, example_registry)
    assert target.stat().st_ino != before  # renamed over the old file, never rewritten in place
    assert [p.name for p in tmp_path.iterdir()] == ["reliability.prom"]  # no temporary file left
    assert parse(target.read_text()) == series(example_registry)


def test_bad_destinations_fail_before_the_run(tmp_path: Path) -> None:
    out = tmp_path / "out"
    for option in (["--textfile", str(tmp_path / "metrics.txt")], ["--push-gateway", "ftp://example"]):
        result = CliRunner().invoke(app, ["run", str(REPO / "config"), "--out", str(out), *option])
        assert result.exit_code == 2, result.output
        assert option[0] in result.output
    assert not out.exists()


def test_an_unreachable_pushgateway_is_one_clear_error(example_registry: CollectorRegistry) -> None:
    url = f"http://127.0.0.1:{free_port()}"
    with pytest.raises(ReliabilityError, match=f"push to {url} failed"):
        metrics.push(url, metrics.DEFAULT_PUSH_JOB, example_registry)


@pytest.mark.real
def test_run_pushes_to_a_real_pushgateway_and_writes_the_textfile(tmp_path: Path) -> None:
    textfile = tmp_path / "node" / "reliability.prom"
    with pushgateway(tmp_path) as base:
        options = ["--out", str(tmp_path / "out"), "--push-gateway", base, "--textfile", str(textfile)]
        result = CliRunner().invoke(app, ["run", str(REPO / "config"), *options])
        assert result.exit_code == 0, result.output
        assert f"pushed metrics to {base} (job=reliability)" in result.stdout
        with urllib.request.urlopen(f"{base}/metrics", timeout=5) as response:
            gateway = parse(response.read().decode())
    pushed = {**CHECKOUT, "job": "reliability", "instance": ""}
    assert value(gateway, Metric.SLO_OBJECTIVE, **pushed) == 0.999
    assert value(gateway, Metric.SLA_BREACH, **PAYMENTS_SLA, job="reliability", instance="") == 1
    assert value(parse(textfile.read_text()), Metric.SLO_OBJECTIVE, **CHECKOUT) == 0.999


# --- serve ------------------------------------------------------------------------------------------


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_health_follows_the_runs() -> None:
    clock = FakeClock()
    results = LatestResults(60, monotonic=clock, wall_clock=lambda: EVALUATED_AT)
    assert results.health()[1]["status"] == "starting"
    results.succeeded(CollectorRegistry())
    clock.now += 120
    assert results.health() == (
        200,
        {"status": "ok", "last_success_age_seconds": 120, "interval_seconds": 60},
    )
    clock.now += 1
    code, body = results.health()
    assert (code, body["status"]) == (503, "stale") and "121s ago" in body["reason"]
    results.succeeded(CollectorRegistry())
    results.failed("error: telemetry/orders.jsonl.gz: unreadable")
    code, body = results.health()
    assert (code, body["status"]) == (503, "failing") and "unreadable" in body["reason"]


def test_the_run_loop_survives_a_failed_run() -> None:
    stop = threading.Event()
    log: list[str] = []
    calls = 0

    def run_once() -> CollectorRegistry:
        nonlocal calls
        calls += 1
        if calls == 1:
            raise RuntimeError("disk on fire")
        stop.set()
        return CollectorRegistry()

    results = LatestResults(0)
    run_every(0, run_once, results, stop, log.append)
    assert calls == 2
    assert log[0] == "run failed: internal error: RuntimeError: disk on fire"
    assert results.health()[0] == 200


def test_a_failed_runs_error_reaches_the_log_and_healthz_with_control_characters_escaped() -> None:
    stop = threading.Event()
    log: list[str] = []

    def run_once() -> CollectorRegistry:
        stop.set()
        raise InputError("events.csv:7: component: '\x1b[2Jpwned' is unknown\n  known: api")

    results = LatestResults(0)
    run_every(0, run_once, results, stop, log.append)
    assert log == ["run failed: events.csv:7: component: '\\x1b[2Jpwned' is unknown\n  known: api"]
    assert "\x1b" not in results.health()[1]["reason"]


def get(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


def test_a_failed_run_keeps_the_last_good_metrics(example_registry: CollectorRegistry) -> None:
    results = LatestResults(60)
    results.succeeded(example_registry)
    results.failed("error: config/orders.yaml:3: services: bad")
    server = start_http_server("127.0.0.1", 0, results)
    try:
        base = f"http://127.0.0.1:{server.server_port}"
        code, body = get(f"{base}/healthz")
        found = parse(get(f"{base}/metrics")[1])
    finally:
        server.shutdown()
        server.server_close()
    assert code == 503
    assert json.loads(body)["reason"] == "the last run failed: error: config/orders.yaml:3: services: bad"
    assert value(found, Metric.SLO_OBJECTIVE, **CHECKOUT) == 0.999
    assert value(found, ServeMetric.LAST_RUN_SUCCESS) == 0
    assert value(found, ServeMetric.RUN_FAILURES) == 1


@pytest.mark.parametrize(
    ("text", "expected"), [("127.0.0.1:9464", ("127.0.0.1", 9464)), ("[::1]:80", ("::1", 80))]
)
def test_listen_addresses(text: str, expected: tuple[str, int]) -> None:
    assert parse_listen(text) == expected


@pytest.mark.parametrize("text", ["9464", "localhost:", ":9464", "host:99999"])
def test_bad_listen_addresses(text: str) -> None:
    with pytest.raises(ReliabilityError, match="--listen"):
        parse_listen(text)


def test_intervals() -> None:
    assert parse_interval("1m30s") == 90
    with pytest.raises(ReliabilityError, match="--interval"):
        parse_interval("0s")


def poll(check: Callable[[], T | None], process: subprocess.Popen[bytes], what: str) -> T:
    """Call `check` until it returns a value; between calls wait on `process`, which must stay up."""
    end = time.monotonic() + POLL_DEADLINE_SECONDS
    while time.monotonic() < end:
        found = check()
        if found is not None:
            return found
        try:
            process.wait(timeout=0.2)
        except subprocess.TimeoutExpired:
            continue
        raise AssertionError(f"process exited with {process.returncode} while waiting for {what}")
    raise AssertionError(f"no {what} within {POLL_DEADLINE_SECONDS:g}s")


def query(base: str, promql: str) -> list[dict[str, Any]] | None:
    url = f"{base}/api/v1/query?" + urllib.parse.urlencode({"query": promql})
    with urllib.request.urlopen(url, timeout=5) as response:
        result: list[dict[str, Any]] = json.load(response)["data"]["result"]
    return result or None


@pytest.mark.real
def test_serve_is_scraped_by_a_real_prometheus(tmp_path: Path) -> None:
    port = free_port()
    argv = [
        sys.executable,
        "-m",
        "reliability",
        "serve",
        str(REPO / "config"),
        "--listen",
        f"127.0.0.1:{port}",
    ]
    argv += ["--interval", "60s", "--out", str(tmp_path / "generated")]
    scrape = f"""
global: {{scrape_interval: 1s, evaluation_interval: 1s}}
scrape_configs:
  - job_name: reliability
    static_configs: [{{targets: ["127.0.0.1:{port}"]}}]
"""
    with running(argv, f"http://127.0.0.1:{port}/healthz", tmp_path / "serve.log") as server:
        with prometheus(tmp_path, scrape) as base:
            promql = f'{Metric.SLO_OBJECTIVE}{{slo="checkout-availability"}}'
            result = poll(lambda: query(base, promql), server, "the objective in Prometheus")
            pages = query(base, f'{Metric.ALERT}{{severity="page"}} == 1')
        assert result[0]["metric"] == {
            "__name__": str(Metric.SLO_OBJECTIVE),
            "job": "reliability",
            "instance": f"127.0.0.1:{port}",
            **CHECKOUT,
        }
        assert result[0]["value"][1] == "0.999"
        assert pages is not None
        assert {s["metric"]["slo"] for s in pages} == {
            "checkout-availability",
            "checkout-good-minutes",
            "order-journey",
        }
        server.send_signal(signal.SIGTERM)
        assert server.wait(timeout=15) == 0  # a clean stop
    assert "SIGTERM: stopping after the current run" in (tmp_path / "serve.log").read_text()


def test_serve_refuses_a_bad_config_before_serving(tmp_path: Path) -> None:
    port = free_port()
    argv = [
        sys.executable,
        "-m",
        "reliability",
        "serve",
        str(tmp_path / "missing"),
        "--listen",
        f"127.0.0.1:{port}",
    ]
    with (tmp_path / "serve.log").open("wb") as log:
        process = subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT)
        try:
            with pytest.raises(RuntimeError, match="exited with 2"):
                wait_until_ready(f"http://127.0.0.1:{port}/healthz", process)
        finally:
            if process.poll() is None:
                process.kill()
            process.wait()
