"""Progress while loading telemetry: what readers report, and when the command line shows bars."""

from __future__ import annotations

import gzip
import io
import json
import random
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, ClassVar

import pytest
from rich.console import Console
from support.configs import component, counter_availability, prometheus_source, service, slo, write_config
from typer.testing import CliRunner

from reliability import pipeline
from reliability.cli import app
from reliability.config import load_config
from reliability.telemetry.blocks import iter_line_blocks
from reliability.telemetry.ingest import load_telemetry
from reliability.telemetry.progress import NO_PROGRESS
from reliability.terminal import progress
from reliability.terminal.progress_bars import ProgressBars
from reliability.timefmt import parse_rfc3339

NOW = parse_rfc3339("2026-11-05T12:00:00Z").timestamp()


@dataclass
class RecordedTask:
    description: str
    total: float | None
    advances: list[float] = field(default_factory=list)
    finished: bool = False

    def advance(self, amount: float = 1) -> None:
        self.advances.append(amount)


@dataclass
class Recorder:
    """A Progress that keeps every task and advance it is given."""

    tasks: list[RecordedTask] = field(default_factory=list)

    @contextmanager
    def task(self, description: str, total: float | None) -> Iterator[RecordedTask]:
        recorded = RecordedTask(description, total)
        self.tasks.append(recorded)
        yield recorded
        recorded.finished = True


def test_event_and_openmetrics_sources_advance_to_their_planned_totals(example_config: Path) -> None:
    config = load_config(example_config)
    recorder = Recorder()
    load_telemetry(config, pipeline.evaluation_grid(config, NOW), progress=recorder)
    by_name = {t.description: t for t in recorder.tasks}
    assert set(by_name) == {
        "reading storefront-access-log",
        "reading orders-events",
        "reading gateway-metrics",
    }
    telemetry = example_config / "telemetry"
    for name, file in (("storefront-access-log", "storefront.csv.gz"), ("orders-events", "orders.jsonl.gz")):
        task = by_name[f"reading {name}"]
        assert task.total == (telemetry / file).stat().st_size  # bytes on disk, compressed
        assert sum(task.advances) == task.total and len(task.advances) > 1, name
        assert task.finished
    gateway = by_name["reading gateway-metrics"]
    assert (gateway.total, gateway.advances) == (1, [1])  # one file, one step


@pytest.mark.parametrize("compressed", [False, True])
def test_blocks_report_the_bytes_read_from_disk(tmp_path: Path, compressed: bool) -> None:
    noise = random.Random(7)  # compresses little, so the compressed file takes many reads too
    text = b"".join(b"2026-11-05T12:00:00Z,web,200,%x\n" % noise.getrandbits(64) for _ in range(50_000))
    path = tmp_path / ("events.csv.gz" if compressed else "events.csv")
    path.write_bytes(gzip.compress(text) if compressed else text)
    reads: list[int] = []
    told_before_block: list[int] = []
    data = b""
    for block in iter_line_blocks(path, block_bytes=64 << 10, on_read=reads.append):
        told_before_block.append(sum(reads))
        data += block.data
    assert data == text
    assert sum(reads) == path.stat().st_size
    # Bytes are told once the reader has taken their lines, block by block, not all at the end.
    assert told_before_block[0] == 0 and len(set(told_before_block)) > 2
    assert told_before_block == sorted(told_before_block)


class _CannedPrometheus(BaseHTTPRequestHandler):
    """Answers every range query with an empty matrix and keeps the requested ranges."""

    ranges: ClassVar[list[tuple[str, str]]] = []

    def do_POST(self) -> None:
        length = int(self.headers["Content-Length"])
        form = dict(pair.split("=", 1) for pair in self.rfile.read(length).decode().split("&"))
        _CannedPrometheus.ranges.append((form["start"], form["end"]))
        body = json.dumps({"status": "success", "data": {"resultType": "matrix", "result": []}}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *_: Any) -> None:
        return


@pytest.fixture
def canned_prometheus() -> Iterator[str]:
    _CannedPrometheus.ranges = []
    with ThreadingHTTPServer(("127.0.0.1", 0), _CannedPrometheus) as server:
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        yield f"http://127.0.0.1:{server.server_address[1]}"
        server.shutdown()


def test_prometheus_advances_once_per_range_query(tmp_path: Path, canned_prometheus: str) -> None:
    path = write_config(
        tmp_path,
        service(
            "web",
            component("api", slo("availability", 99.9), source="prom", slis=[counter_availability("api")]),
        ),
        sources=[prometheus_source(canned_prometheus, timeout="5s", retries=0)],
    )
    config = load_config(path)
    recorder = Recorder()
    load_telemetry(config, pipeline.evaluation_grid(config, NOW), progress=recorder)
    [task] = recorder.tasks
    assert task.description == "querying prom"
    requests = len(_CannedPrometheus.ranges)
    assert requests > 2  # two selectors, each over more points than one request may ask for
    assert task.total == requests
    assert task.advances == [1] * requests


def test_quiet_or_no_terminal_means_no_bars(monkeypatch: pytest.MonkeyPatch) -> None:
    assert progress.for_cli(quiet=True) is NO_PROGRESS
    monkeypatch.setattr("sys.stderr", io.StringIO())  # not a TTY, as in CI or under a pipe
    assert progress.for_cli(quiet=False) is NO_PROGRESS


class _FakeTerminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_a_terminal_gets_bars_unless_quiet_or_dumb(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("sys.stderr", _FakeTerminal())
    monkeypatch.setenv("TERM", "xterm-256color")
    monkeypatch.delenv("TTY_INTERACTIVE", raising=False)
    monkeypatch.delenv("TTY_COMPATIBLE", raising=False)
    assert isinstance(progress.for_cli(quiet=False), ProgressBars)
    assert progress.for_cli(quiet=True) is NO_PROGRESS
    monkeypatch.setenv("TERM", "dumb")  # cannot redraw a line
    assert progress.for_cli(quiet=False) is NO_PROGRESS


def test_bars_are_drawn_on_a_terminal_and_erased_when_done() -> None:
    screen = io.StringIO()
    bars = ProgressBars(Console(file=screen, force_terminal=True, width=80), auto_refresh=False)
    with bars.task("reading access-log", 100) as task:
        task.advance(40)
    drawn = screen.getvalue()
    assert "reading access-log" in drawn and "━" in drawn
    after_last_frame = drawn.rsplit("reading access-log", 1)[1]
    assert "\x1b[2K\x1b[?25h" in after_last_frame  # transient: the line is cleared, the cursor back


@pytest.mark.parametrize("command", ["run", "gate"])
def test_quiet_reaches_the_progress_of_commands_that_load_telemetry(
    command: str, tmp_path: Path, example_config: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    asked: list[bool] = []
    recorder = Recorder()

    def for_cli(quiet: bool) -> Recorder:
        asked.append(quiet)
        return recorder

    monkeypatch.setattr("reliability.terminal.progress.for_cli", for_cli)
    out = str(tmp_path / "out")
    args = {
        "run": ["run", str(example_config), "--out", out, "--until", "sli", "-q"],
        "gate": ["gate", "--run", str(example_config), "--artifacts", out, "--quiet"],
    }[command]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == {"run": 0, "gate": 1}[command], result.output  # gate: the example says stop
    assert asked == [True]
    assert len(recorder.tasks) == 3 and all(t.finished for t in recorder.tasks)
