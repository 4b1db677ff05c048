"""A Prometheus source against a fake server giving every kind of bad answer, through `reliability run`.

A malformed answer is a telemetry error (exit 3) naming the source, the query and the place in
the answer; a server that keeps failing or is too slow makes the source unavailable (exit 1);
nothing ends in a traceback, and credentials never reach another host nor any output.
"""

from __future__ import annotations

import json
import socket
import sqlite3
import threading
import urllib.error
import urllib.parse
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

import numpy as np
import pytest
from prometheus_client import CollectorRegistry
from support.fake_prometheus import FakePrometheus, Reply, Request, fake_prometheus, matrix
from typer.testing import CliRunner

from reliability.cli import app
from reliability.commands.serve import LatestResults, pipeline_runner, run_every, start_http_server
from reliability.config import load_config
from reliability.config.model import PrometheusSource
from reliability.conventions import ARTIFACT_FILES, Stage
from reliability.telemetry import prometheus_api, prometheus_asks
from reliability.telemetry.prometheus_answer import RangeSeries

NOW = "2026-11-05T12:00:00Z"
EVALUATED = 1_793_880_000  # NOW in Unix seconds
TOTAL_QUERY = "query 'http_requests_total{job=~\"gateway\"}'"
PASSWORD = "s3cret-pw"


def config_text(url: str, timeout: str = "5s", retries: int = 0, options: str = "") -> str:
    return f"""
sources:
  - {{name: prom, type: prometheus, url: "{url}", timeout: {timeout}, retries: {retries}{options}}}
services:
  - name: shop
    components:
      - name: gateway
        source: prom
        slis:
          - name: availability
            kind: availability
            total: {{metric: http_requests_total, match: {{job: gateway}}}}
            bad_counter: {{metric: http_requests_total, match: {{job: gateway, code: "5.."}}}}
        slos:
          - {{name: availability, sli: availability, objective: 99.9}}
"""


@dataclass(frozen=True)
class Ran:
    exit_code: int
    output: str
    out: Path


def run(
    tmp_path: Path, url: str, *extra: str, timeout: str = "5s", retries: int = 0, options: str = ""
) -> Ran:
    """`reliability run` over the shop config; `options` adds to the source's keys (", key: value")."""
    tmp_path.mkdir(exist_ok=True)
    config = tmp_path / "config.yaml"
    config.write_text(config_text(url, timeout, retries, options))
    out = tmp_path / "out"
    result = CliRunner().invoke(app, ["run", str(config), "--out", str(out), "--now", NOW, *extra])
    return Ran(result.exit_code, result.output, out)


@pytest.fixture(autouse=True)
def no_backoff(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(prometheus_api, "FIRST_BACKOFF_SECONDS", 0.0)


def assert_none_retried(server: FakePrometheus) -> None:
    """Each query and time range was asked once: queries run concurrently, but nothing was retried."""
    forms = [request.form for request in server.requests]
    assert forms and len(set(forms)) == len(forms)


def _series(values: list[list[object]], **labels: str) -> dict[str, object]:
    return {"metric": {"__name__": "http_requests_total", "job": "gateway", **labels}, "values": values}


GOOD = [[EVALUATED - 120, "10"], [EVALUATED - 60, "15"], [EVALUATED, "30"]]


def _json(document: object) -> Reply:
    return Reply(body=json.dumps(document).encode())


def _result(*entries: object, result_type: str = "matrix") -> Reply:
    return _json({"status": "success", "data": {"resultType": result_type, "result": list(entries)}})


WHOLE = json.dumps({"status": "success", "data": {"resultType": "matrix", "result": [_series(GOOD)]}})

MALFORMED = {
    "a JSON array": (_json([]), "an array instead of an object"),
    "a JSON string": (_json("ok"), "a string instead of an object"),
    "no data": (_json({"status": "success"}), "at data: missing"),
    "data not an object": (
        _json({"status": "success", "data": []}),
        "at data: an array instead of an object",
    ),
    "no status": (_json({"data": {}}), "at status: None instead of 'success' or 'error'"),
    "an unknown status": (_json({"status": "fine"}), "at status: 'fine' instead of 'success' or 'error'"),
    "no resultType": (_json({"status": "success", "data": {"result": []}}), "at data.resultType: missing"),
    "a vector": (
        _result({"metric": {}, "value": [EVALUATED, "1"]}, result_type="vector"),
        "at data.resultType: 'vector' instead of 'matrix'",
    ),
    "a scalar": (_result(result_type="scalar"), "at data.resultType: 'scalar' instead of 'matrix'"),
    "result not a list": (
        _json({"status": "success", "data": {"resultType": "matrix", "result": {}}}),
        "at data.result: an object instead of an array",
    ),
    "a series that is a list": (_result([1, "2"]), "at data.result[0]: an array instead of a series object"),
    "no metric": (_result({"values": GOOD}), "at data.result[0].metric: missing"),
    "a label value not a string": (
        _result({"metric": {"job": 7}, "values": GOOD}),
        "at data.result[0].metric.job: a number instead of a string",
    ),
    "no values": (_result({"metric": {}}), "at data.result[0].values: missing"),
    "a vector sample in a matrix": (
        _result({"metric": {}, "value": [EVALUATED, "1"]}),
        "at data.result[0].values: missing: one sample (`value`) is an instant vector's",
    ),
    "native histograms": (
        _result({"metric": {}, "histograms": [[EVALUATED, {"count": "1"}]]}),
        "native histograms are not supported",
    ),
    "values not a list": (_result({"metric": {}, "values": "1"}), "at data.result[0].values: a string"),
    "a sample of three": (
        _result(_series([[EVALUATED, "1", "2"]])),
        'at data.result[0].values[0]: an array instead of a [timestamp, "value"] pair',
    ),
    "a text value": (_result(_series([[EVALUATED, "lots"]])), "values[0]: value 'lots' is not a number"),
    "a number value": (_result(_series([[EVALUATED, 5]])), "values[0]: value 5 is not a number in a string"),
    "a padded value": (_result(_series([[EVALUATED, " 5"]])), "values[0]: value ' 5' is not a number"),
    "a text timestamp": (
        _result(_series([["1793880000", "1"]])),
        "values[0]: timestamp '1793880000' is not a finite number",
    ),
    "a boolean timestamp": (_result(_series([[True, "1"]])), "values[0]: timestamp True is not a finite"),
    "a truncated body": (Reply(body=WHOLE[: len(WHOLE) // 2].encode()), "not JSON (application/json)"),
    "an empty body": (Reply(body=b""), "not JSON (application/json): Expecting value"),
    "an HTML page": (
        Reply(body=b"<html><body>Sign in</body></html>", content_type="text/html"),
        "not JSON (text/html): Expecting value: line 1 column 1 (char 0); it begins '<html><body>Sign in",
    ),
    "a NaN literal": (
        Reply(body=b'{"status": "success", "data": NaN}'),
        "not JSON (application/json): NaN is not JSON",
    ),
    "invalid UTF-8": (Reply(body=b'{"status": "\xff"}'), "not JSON (application/json)"),
}


@pytest.mark.parametrize("answer", MALFORMED)
def test_a_malformed_answer_is_a_telemetry_error_naming_source_query_and_place(
    answer: str, tmp_path: Path
) -> None:
    reply, expected = MALFORMED[answer]
    with fake_prometheus(then=reply) as server:
        ran = run(tmp_path, server.url)
    assert ran.exit_code == 3, ran.output
    assert (
        f"error: source prom ({server.url}): {TOTAL_QUERY}: the answer is not a Prometheus range"
        in ran.output
    )
    assert expected in ran.output
    assert "internal error" not in ran.output and "Traceback" not in ran.output
    assert not any((ran.out / name).exists() for name in ARTIFACT_FILES.values())  # nothing published
    assert_none_retried(server)  # a malformed answer would come again


def test_an_error_status_is_the_servers_refusal(tmp_path: Path) -> None:
    reply = _json({"status": "error", "errorType": "bad_data", "error": "parse error at char 3"})
    with fake_prometheus(then=reply) as server:
        ran = run(tmp_path, server.url, retries=2)
    assert ran.exit_code == 1
    assert f"error: source prom ({server.url}): {TOTAL_QUERY} failed: parse error at char 3" in ran.output
    assert_none_retried(server)


def test_a_body_cut_short_is_retried_then_the_source_is_unavailable(tmp_path: Path) -> None:
    cut = Reply(body=WHOLE[:40].encode(), content_length=len(WHOLE))  # the connection closes early
    with fake_prometheus(then=cut) as server:
        ran = run(tmp_path, server.url, retries=1)
    assert ran.exit_code == 1
    assert (
        f"error: source prom ({server.url}) unavailable after 2 attempts: IncompleteRead(40 bytes"
        in ran.output
    )
    forms = [request.form for request in server.requests]
    assert {forms.count(form) for form in forms} == {2}  # each range asked had its one retry


def test_server_errors_are_retried_until_an_answer_comes(tmp_path: Path) -> None:
    failing = Reply(503, b"overloaded", "text/plain")
    with fake_prometheus(failing, Reply(500, b'{"error": "boom"}'), then=matrix(_series(GOOD))) as server:
        ran = run(tmp_path, server.url, "--format", "json", retries=2)
    assert ran.exit_code == 0, ran.output
    assert len(server.requests) > 3  # two failures, then every query and chunk answered


def test_server_errors_past_the_retries_make_the_source_unavailable(tmp_path: Path) -> None:
    with fake_prometheus(then=Reply(500, b'{"status": "error", "error": "boom"}')) as server:
        ran = run(tmp_path, server.url, retries=2)
        partial = run(tmp_path, server.url, "--allow-partial", retries=0)
    assert ran.exit_code == 1
    assert f"error: source prom ({server.url}) unavailable after 3 attempts: HTTP 500: boom" in ran.output
    assert partial.exit_code == 0  # with --allow-partial its SLOs are no data, never healthy
    inputs = json.loads((partial.out / ARTIFACT_FILES[Stage.SLI]).read_text())["inputs"]
    assert "unavailable after 1 attempt: HTTP 500: boom" in inputs[0]["unavailable"]


@pytest.mark.parametrize("drip", ["headers", "body"])
def test_a_dripping_server_fails_at_the_timeout_not_at_each_byte(drip: str, tmp_path: Path) -> None:
    slow = Reply(body=b" " * 100_000, drip=drip)  # a byte every 0.05 s: each read is quick, the whole is not
    with fake_prometheus(then=slow) as server:
        ran = run(tmp_path, server.url, timeout="1s", retries=1)
    assert ran.exit_code == 1
    assert (
        f"error: source prom ({server.url}) unavailable after 2 attempts: "
        "no complete answer within the 1s timeout" in ran.output
    )


def test_nan_and_infinite_samples_are_skipped_and_counted_or_fail_under_strict(tmp_path: Path) -> None:
    values = [[EVALUATED - 180, "10"], [EVALUATED - 120, "NaN"], [EVALUATED - 60, "+Inf"], [EVALUATED, "30"]]
    with fake_prometheus(then=matrix(_series(values))) as server:
        ran = run(tmp_path, server.url)
        strict = run(tmp_path, server.url, "--strict")
    assert ran.exit_code == 0, ran.output
    report = json.loads((ran.out / ARTIFACT_FILES[Stage.SLI]).read_text())["inputs"][0]
    assert report["skipped"] == {"NaN or infinite sample value": report["skipped_total"]}
    assert report["skipped_total"] == 2 * report["records"] // 4  # two of every series' four samples
    first = report["skipped_examples"][0]
    assert first == {
        "file": f"{server.url}/api/v1/query_range",
        "line": 2,
        "reason": "NaN or infinite sample value",
        "field": 'http_requests_total{job="gateway"}',
        "value": f"NaN at Unix time {EVALUATED - 120}",
    }
    assert report["used"] == report["records"] - report["skipped_total"]
    assert strict.exit_code == 3
    assert (
        f"error: bad record: {server.url}/api/v1/query_range:2: NaN or infinite sample value in "
        f'http_requests_total{{job="gateway"}}: NaN at Unix time {EVALUATED - 120}' in strict.output
    )


def test_control_characters_in_a_label_value_reach_the_terminal_escaped(tmp_path: Path) -> None:
    """A skipped sample's series is shown with its labels: a label value must not steer the terminal."""
    values = [[EVALUATED - 120, "10"], [EVALUATED - 60, "NaN"], [EVALUATED, "30"]]
    with fake_prometheus(then=matrix(_series(values, instance="a\x1b[2J\x9b31m\x07b"))) as server:
        ran = run(tmp_path, server.url)
        strict = run(tmp_path, server.url, "--strict")
    shown = 'instance="a\\x1b[2J\\x9b31m\\x07b"'
    assert ran.exit_code == 0, ran.output
    assert any(line.startswith("  ") and shown in line for line in ran.output.splitlines()), ran.output
    assert strict.exit_code == 3
    assert shown in strict.output
    for output in (ran.output, strict.output):
        assert not {"\x1b", "\x9b", "\x07"} & set(output)


@pytest.mark.parametrize("code", [301, 302, 303, 307, 308])
def test_a_redirect_to_another_host_is_refused_and_the_credentials_stay_home(
    code: int, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PROM_TOKEN", "t0ken")
    with fake_prometheus() as elsewhere:
        away = elsewhere.url.replace("127.0.0.1", "localhost") + "/api/v1/query_range"
        with fake_prometheus(then=Reply(code, headers=(("Location", away),))) as server:
            (tmp_path / "config.yaml").write_text(
                config_text(server.url).replace("retries: 0", "retries: 2, bearer_token_env: PROM_TOKEN")
            )
            out = tmp_path / "out"
            argv = ["run", str(tmp_path / "config.yaml"), "--out", str(out), "--now", NOW]
            result = CliRunner().invoke(app, argv)
    assert result.exit_code == 1
    assert (
        f"error: source prom: {server.url}/api/v1/query_range redirected (HTTP {code}) "
        f"to another host or to plain http, {away}: not followed" in result.output
    )
    assert elsewhere.requests == []  # neither the query nor the token went there
    assert server.requests[0].headers["Authorization"] == "Bearer t0ken"
    assert_none_retried(server)


def _with_credentials(url: str) -> str:
    return url.replace("http://", f"http://alice:{PASSWORD}@")


ALICE = "Basic YWxpY2U6czNjcmV0LXB3"  # alice:s3cret-pw


@pytest.mark.parametrize("code", [302, 307, 308])
def test_a_redirect_on_the_same_host_is_followed_with_the_same_query(code: int, tmp_path: Path) -> None:
    with fake_prometheus(then=matrix(_series(GOOD))) as target:
        moved = target.url + "/prometheus/api/v1/query_range"  # another port of the same host
        with fake_prometheus(then=Reply(code, headers=(("Location", moved),))) as server:
            ran = run(tmp_path, _with_credentials(server.url))
    assert ran.exit_code == 0, ran.output
    assert {r.path for r in target.requests} == {"/prometheus/api/v1/query_range"}
    assert {r.headers["Authorization"] for r in target.requests} == {ALICE}
    assert len(target.requests) == len(server.requests)


def _ledger_text(out: Path) -> str:
    with sqlite3.connect(out / "ledger.sqlite") as db:
        errors = [row[0] or "" for row in db.execute("SELECT error FROM runs")]
        locations = [row[0] for row in db.execute("SELECT location FROM run_inputs")]
    return "\n".join(errors + locations)


def _healthz(config: Path, out: Path) -> str:
    """What /healthz of `reliability serve` says after one run of `config`."""
    stop = threading.Event()
    runner = pipeline_runner(config, NOW, out)

    def run_once_then_stop() -> CollectorRegistry:
        stop.set()
        return runner()

    results = LatestResults(60)
    run_every(60, run_once_then_stop, results, stop, lambda _: None)
    server = start_http_server("127.0.0.1", 0, results)
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{server.server_port}/healthz", timeout=5):
            pytest.fail("/healthz answered 200 after a failed run")
    except urllib.error.HTTPError as error:
        with error:
            return error.read().decode()
    finally:
        server.shutdown()
        server.server_close()
    return ""


def test_credentials_in_the_url_are_used_and_never_shown_nor_stored(tmp_path: Path) -> None:
    with fake_prometheus(then=matrix(_series(GOOD))) as good, fake_prometheus(then=_json([])) as bad:
        worked = run(tmp_path / "good", _with_credentials(good.url))
        explained = CliRunner().invoke(app, ["explain", "shop/availability", "--artifacts", str(worked.out)])
        failed = run(tmp_path / "bad", _with_credentials(bad.url))
        health = _healthz(tmp_path / "bad" / "config.yaml", tmp_path / "bad" / "serve")
    assert {r.headers["Authorization"] for r in good.requests} == {ALICE}  # used as basic auth
    assert worked.exit_code == 0 and explained.exit_code == 0, worked.output + explained.output
    redacted_good, redacted_bad = (url.replace("http://", "http://***@") for url in (good.url, bad.url))
    assert f"Prometheus API {redacted_good}" in explained.output
    assert failed.exit_code == 3
    assert f"error: source prom ({redacted_bad}): {TOTAL_QUERY}" in failed.output
    assert f"source prom ({redacted_bad})" in json.loads(health)["reason"]
    artifacts = [path.read_text() for path in worked.out.iterdir() if path.suffix == ".json"]
    assert any(f'"path": "{redacted_good}"' in text for text in artifacts)  # the SLI artifact's inputs
    stored = [_ledger_text(worked.out), _ledger_text(failed.out), *artifacts]
    assert redacted_good in stored[0] and f"source prom ({redacted_bad})" in stored[1]
    for text in [worked.output, explained.output, failed.output, health, *stored]:
        assert PASSWORD not in text and "alice" not in text


def _minutes(start: int, end: int) -> list[int]:
    return list(range(start, end + 1, 60))


@pytest.mark.parametrize("announced", [True, False])
def test_an_answer_larger_than_its_limit_fails_the_query_naming_query_and_limit(
    announced: bool, tmp_path: Path
) -> None:
    values = [[stamp, str(stamp - EVALUATED + 10**6)] for stamp in _minutes(EVALUATED - 6000, EVALUATED)]
    big = Reply(body=matrix(_series(values)).body, announce_length=announced)  # about 3 KB
    with fake_prometheus(then=big) as server:
        ran = run(tmp_path, server.url, retries=2, options=", max_answer_size: 1KiB")
    assert ran.exit_code == 1
    assert (
        f"error: source prom ({server.url}): {TOTAL_QUERY}: the answer is larger than 1,024 bytes "
        "(max_answer_size of the source)" in ran.output
    )
    assert_none_retried(server)  # the same query would bring the same answer


def test_an_answer_within_its_limit_is_read_whole_without_a_length(tmp_path: Path) -> None:
    unannounced = Reply(body=matrix(_series(GOOD)).body, announce_length=False)
    with fake_prometheus(then=unannounced) as server:
        ran = run(tmp_path, server.url, options=", max_answer_size: 1KiB")
    assert ran.exit_code == 0, ran.output
    report = json.loads((ran.out / ARTIFACT_FILES[Stage.SLI]).read_text())["inputs"][0]
    # Read minute by minute over the history, in chunks from its start: the check got no instant
    # answer, so what was read at hour points and for the minutes the run needs is not used.
    starts = [int(parse_qs(r.form.decode())["start"][0]) for r in server.requests if b"step=60s" in r.form]
    chunk = 60 * prometheus_asks.MAX_POINTS_PER_QUERY  # from one chunk's start to the next
    whole_history = [start for start in starts if (start - min(starts)) % chunk == 0]
    assert report["records"] == len(GOOD) * len(whole_history)


def test_a_name_that_resolves_slowly_fails_at_the_timeout(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    resolved = socket.getaddrinfo
    released = threading.Event()

    def stuck_resolver(*args: Any, **kwargs: Any) -> Any:
        released.wait(30)  # a resolver that never answers, until the test ends
        return resolved(*args, **kwargs)

    with fake_prometheus(then=matrix(_series(GOOD))) as server:
        monkeypatch.setattr(socket, "getaddrinfo", stuck_resolver)
        try:
            ran = run(tmp_path, server.url, timeout="1s")
        finally:
            released.set()
    assert ran.exit_code == 1
    assert (
        f"error: source prom ({server.url}) unavailable after 1 attempt: "
        "no complete answer within the 1s timeout" in ran.output
    )
    assert server.requests == []


def _counters(request: Request) -> Reply:
    """Counters over the asked range, from what is asked: the same answer whatever the arrival order."""
    form = urllib.parse.parse_qs(request.form.decode())
    bad = "code" in form["query"][0]
    labels = {"code": "500"} if bad else {}
    if "time" in form:  # whether the counter falls before the last hours: it does, once
        at = int(form["time"][0])
        return _json(
            {
                "status": "success",
                "data": {"resultType": "vector", "result": [{"metric": labels, "value": [at, "1"]}]},
            }
        )
    start, end = int(form["start"][0]), int(form["end"][0])
    # Grows 1 (bad) or 20 (total) a minute, with a counter reset nine days before the end.
    values = [
        [stamp, str(((stamp - EVALUATED + 9 * 86400) % (40 * 86400)) // 60 * (1 if bad else 20))]
        for stamp in _minutes(start, end)
    ]
    return matrix(_series(values, **labels))


def _sli_artifact(out: Path) -> dict[str, Any]:
    """The SLI artifact without what names the run and its config file."""
    document = json.loads((out / ARTIFACT_FILES[Stage.SLI]).read_text())
    return {key: value for key, value in document.items() if key not in ("run_id", "config_files")}


def test_queries_run_concurrently_within_the_bound_and_give_the_sequential_result(tmp_path: Path) -> None:
    with fake_prometheus(answer=_counters) as server:
        # A generous request timeout: a loaded CI machine must not turn this into a timeout test.
        sequential = run(tmp_path / "one", server.url, timeout="60s", options=", concurrency: 1")
        one_at_a_time = server.most_in_flight
        server.most_in_flight, server.gather = 0, 3
        concurrent = run(tmp_path / "three", server.url, timeout="60s", options=", concurrency: 3")
    assert sequential.exit_code == concurrent.exit_code == 0, sequential.output + concurrent.output
    assert (one_at_a_time, server.most_in_flight) == (1, 3)
    assert len(server.requests) > 6  # two queries, each in several time ranges
    assert _sli_artifact(concurrent.out) == _sli_artifact(sequential.out)
    report = _sli_artifact(concurrent.out)["inputs"][0]
    assert report["used"] > 40_000 and report["skipped_total"] == 0


def test_with_concurrent_queries_the_first_failing_query_is_the_one_named(tmp_path: Path) -> None:
    def total_refused(request: Request) -> Reply:
        if b"code" in urllib.parse.unquote_to_bytes(request.form):
            return _counters(request)
        return _json({"status": "error", "errorType": "bad_data", "error": "no totals here"})

    with fake_prometheus(answer=total_refused, gather=2) as server:
        ran = run(tmp_path, server.url, options=", concurrency: 2")
    assert ran.exit_code == 1
    assert f"error: source prom ({server.url}): {TOTAL_QUERY} failed: no totals here" in ran.output


def test_chunks_are_asked_only_a_bounded_way_ahead_of_the_one_in_use(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Answers waiting to be used are held in memory: they must not all pile up behind a slow one."""
    config = tmp_path / "config.yaml"
    config.write_text(config_text("http://127.0.0.1:9", "5s", 0, ", concurrency: 2"))
    [source] = load_config(config).sources
    assert isinstance(source, PrometheusSource)
    client = prometheus_api.PrometheusClient(source)
    submitted: list[tuple[str, int]] = []

    class CountingPool(ThreadPoolExecutor):
        def submit(self, fn: Any, /, *args: Any, **kwargs: Any) -> Any:
            submitted.append((args[0].query, args[0].start))  # from the iterating thread, in order
            return super().submit(fn, *args, **kwargs)

    def answer(ask: prometheus_asks.Ask) -> list[RangeSeries]:
        return [RangeSeries(ask.query, (("from", str(ask.start)),), np.zeros(0), np.zeros(0))]

    monkeypatch.setattr(prometheus_api, "ThreadPoolExecutor", CountingPool)
    monkeypatch.setattr(client, "answer", answer)
    queries = ["q0", "q1", "q2"]
    start, end = 0, 40 * 10_000 * 60  # 40 chunks per query at a one-minute step
    expected = [(q, lo) for q in queries for lo, _ in prometheus_asks.time_chunks(start, end, 60)]
    ahead = prometheus_api.LOOKAHEAD_PER_REQUEST_IN_FLIGHT * source.concurrency
    used = client.query_ranges(queries, start, end, 60)
    first = next(used)
    assert (first.name, first.labels) == ("q0", (("from", "0"),))
    assert len(submitted) == ahead + 1 < len(expected)
    rest = [(series.name, int(series.labels[0][1])) for series in used]
    assert [("q0", 0), *rest] == expected == submitted  # every chunk once, used in sequential order
