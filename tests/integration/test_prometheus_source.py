"""The Prometheus HTTP API source against a real Prometheus holding backfilled history.

The bundled example's gateway telemetry (OpenMetrics counters and a latency histogram,
36 days at 5-minute samples) is loaded with promtool into a fresh TSDB; the pipeline then
reads the same component once from the file and once from Prometheus. Both are computed
without extrapolation from the same samples, so they must agree exactly.
"""

from __future__ import annotations

import gzip
import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from typing import Any, ClassVar

import pytest
from conftest import REPO
from support import configs
from support.real_servers import backfill, free_port, prometheus
from typer.testing import CliRunner

from reliability import pipeline
from reliability.cli import app
from reliability.config import load_config
from reliability.config.model import Origin, PrometheusSource
from reliability.conventions import Stage
from reliability.telemetry.prometheus_api import PrometheusClient
from reliability.telemetry.prometheus_errors import QueryError, SourceUnavailable
from reliability.timefmt import parse_rfc3339

NOW = "2026-11-05T12:00:00Z"

GATEWAY = REPO / "config" / "telemetry" / "gateway.om.gz"


def write_two_sources(folder: Path, url: str, **prometheus_options: Any) -> Path:
    """The same gateway SLOs over the example's OpenMetrics file and over Prometheus at `url`."""

    def gateway(source: str) -> configs.Node:
        return configs.component(
            "gateway",
            configs.slo("availability", 99.9),
            configs.slo("latency", 99, "latency"),
            source=source,
            slis=[configs.counter_availability("gateway"), configs.histogram_latency("gateway")],
        )

    sources = [
        configs.openmetrics_source("file", GATEWAY),
        configs.prometheus_source(url, timeout="5s", retries=1, **prometheus_options),
    ]
    services = [
        configs.service("from-file", gateway("file")),
        configs.service("from-prometheus", gateway("prom")),
    ]
    return configs.write_config(folder, *services, sources=sources)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    work = tmp_path_factory.mktemp("prometheus")
    data = work / "data"
    text = gzip.decompress(GATEWAY.read_bytes()).decode()
    backfill(text, data, work)
    with prometheus(work, data_dir=data) as base:
        yield base


def run(folder: Path, url: str, **options: Any) -> pipeline.RunResult:
    config = load_config(write_two_sources(folder, url))
    now = parse_rfc3339(NOW).timestamp()
    return pipeline.run(config, pipeline.RunOptions(now=now, out_dir=folder / "out", **options))


def budgets(result: pipeline.RunResult) -> dict[str, dict[str, Any]]:
    return {s["slo"]: s for s in result.as_json()[Stage.BUDGETS]["slos"]}


@pytest.mark.real
def test_prometheus_gives_the_same_report_as_the_file(server: str, tmp_path: Path) -> None:
    entries = budgets(run(tmp_path, server))
    for name in ("availability", "latency"):
        from_file, from_prom = entries[f"from-file/{name}"], entries[f"from-prometheus/{name}"]
        assert from_prom["total"] > 100_000, name
        assert (from_prom["good"], from_prom["total"]) == (from_file["good"], from_file["total"]), name
        assert from_prom["budget"]["remaining_ratio"] == pytest.approx(from_file["budget"]["remaining_ratio"])
        file_burns = {b["window"]: b["burn_rate"] for b in from_file["burn_rates"]}
        assert {b["window"]: b["burn_rate"] for b in from_prom["burn_rates"]} == pytest.approx(file_burns)
        assert from_prom["alert"]["state"] == from_file["alert"]["state"]


@pytest.mark.real
def test_backtest_replays_prometheus_range_data_like_the_file(server: str, tmp_path: Path) -> None:
    write_two_sources(tmp_path, server)
    replays = {}
    for service in ("from-file", "from-prometheus"):
        args = ["backtest", f"{service}/availability", str(tmp_path / "config.yaml"), "--now", NOW]
        result = CliRunner().invoke(app, [*args, "--objectives", "99.9,99.99", "--format", "json"])
        assert result.exit_code == 0, result.output
        replays[service] = json.loads(result.stdout)["candidates"]
    assert replays["from-prometheus"] == replays["from-file"]
    strict = replays["from-file"][1]
    assert (
        strict["period_ends_total"] > 0 and strict["alerts"][0]["pages_total"] > 0
    )  # something was replayed


def test_a_server_that_is_down_fails_the_run_or_gives_no_data(tmp_path: Path) -> None:
    down = f"http://127.0.0.1:{free_port()}"
    write_two_sources(tmp_path, down)
    result = CliRunner().invoke(
        app, ["run", str(tmp_path / "config.yaml"), "--out", str(tmp_path / "o"), "--now", NOW]
    )
    assert result.exit_code == 1
    assert "source prom" in result.output and "unavailable after 2 attempts" in result.output
    assert [p.name for p in (tmp_path / "o").iterdir()] == ["ledger.sqlite"]  # the failure, no artifact
    partial = run(tmp_path, down, allow_partial=True)
    entry = budgets(partial)["from-prometheus/availability"]
    assert entry["no_data"] and entry["alert"]["state"] == "no_data"  # never reported healthy
    inputs = {i["source"]: i for i in partial.as_json()[Stage.SLI]["inputs"]}
    assert "unavailable" in (inputs["prom"]["unavailable"] or "")


@pytest.mark.real
def test_a_bad_query_names_the_query_and_the_servers_message(server: str) -> None:
    source = PrometheusSource("prom", server, Origin("c.yaml", 1), retries=3)
    client = PrometheusClient(source, sleep=lambda _: None)
    with pytest.raises(QueryError) as caught:
        list(client.query_range('http_requests_total{code=~"("}', 1_790_000_000, 1_790_003_600, 60))
    assert 'code=~"("' in str(caught.value) and "parse" in str(caught.value)
    assert client.requests == 1  # a refused query is not retried


class _Flaky(BaseHTTPRequestHandler):
    """Fails with 503 until `failures` requests have been answered, then returns an empty result."""

    failures = 2
    seen: ClassVar[list[dict[str, str]]] = []

    def do_POST(self) -> None:
        _Flaky.seen.append(dict(self.headers))
        body = (
            b"overloaded"
            if len(_Flaky.seen) <= _Flaky.failures
            else json.dumps({"status": "success", "data": {"resultType": "matrix", "result": []}}).encode()
        )
        self.send_response(503 if len(_Flaky.seen) <= _Flaky.failures else 200)
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *_: Any) -> None:
        return


def test_retries_back_off_and_send_the_token(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PROM_TOKEN", "s3cret")
    _Flaky.seen = []
    with HTTPServer(("127.0.0.1", 0), _Flaky) as httpd:
        thread = threading.Thread(target=httpd.serve_forever, daemon=True)
        thread.start()
        url = f"http://127.0.0.1:{httpd.server_address[1]}"
        source = PrometheusSource("p", url, Origin("c.yaml", 1), bearer_token_env="PROM_TOKEN", retries=3)
        waits: list[float] = []
        client = PrometheusClient(source, sleep=waits.append)
        assert list(client.query_range("up", 0, 60, 60)) == []
        httpd.shutdown()
    assert waits == [0.5, 1.0]  # exponential backoff before the second and third attempt
    assert all(h.get("Authorization") == "Bearer s3cret" for h in _Flaky.seen)
    with pytest.raises(SourceUnavailable):
        PrometheusClient(
            PrometheusSource("p", f"http://127.0.0.1:{free_port()}", Origin("c.yaml", 1), retries=0),
        ).query_range("up", 0, 60, 60).__next__()
