"""Real Prometheus and Pushgateway servers for tests: loopback, free ports, temp dirs, polled readiness."""

from __future__ import annotations

import contextlib
import socket
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from conftest import require_binary

# Polled, so a ready server returns at once; generous because `serve` runs the whole example
# pipeline before it answers, which takes half a minute on a loaded 2-core machine.
READY_DEADLINE_SECONDS = 120.0


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def wait_until_ready(
    url: str, process: subprocess.Popen[bytes], deadline: float = READY_DEADLINE_SECONDS
) -> None:
    """Poll a readiness URL until it answers 200; fail early if the process died."""
    end = time.monotonic() + deadline
    while time.monotonic() < end:
        if process.poll() is not None:
            raise RuntimeError(f"server exited with {process.returncode} before {url} was ready")
        try:
            with urllib.request.urlopen(url, timeout=1) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        # Pause between polls by waiting on the process itself, which also notices an early exit.
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(timeout=0.05)
    raise TimeoutError(f"{url} not ready within {deadline:g}s")


@contextmanager
def running(argv: list[str], ready_url: str, log: Path) -> Iterator[subprocess.Popen[bytes]]:
    with log.open("wb") as out:
        process = subprocess.Popen(argv, stdout=out, stderr=subprocess.STDOUT)
        try:
            wait_until_ready(ready_url, process)
            yield process
        finally:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def backfill(openmetrics_text: str, data_dir: Path, work: Path) -> None:
    """Load OpenMetrics text (timestamps in seconds, ending in # EOF) into a TSDB directory."""
    source = work / "backfill.om"
    source.write_text(openmetrics_text)
    backfill_file(source, data_dir)


def backfill_file(source: Path, data_dir: Path) -> None:
    """Load an OpenMetrics file (timestamps in seconds, ending in # EOF) into a TSDB directory."""
    promtool = require_binary("promtool")
    subprocess.run(
        [
            promtool,
            "tsdb",
            "create-blocks-from",
            "openmetrics",
            "--max-block-duration=744h",
            str(source),
            str(data_dir),
        ],
        check=True,
        capture_output=True,
    )


@contextmanager
def prometheus(work: Path, config_text: str = "global: {}\n", data_dir: Path | None = None) -> Iterator[str]:
    """A Prometheus on 127.0.0.1; yields its base URL. Long retention keeps backfilled blocks."""
    binary = require_binary("prometheus")
    port = free_port()
    config = work / "prometheus.yml"
    config.write_text(config_text)
    data = data_dir or work / "prometheus-data"
    data.mkdir(parents=True, exist_ok=True)
    argv = [
        binary,
        f"--config.file={config}",
        f"--storage.tsdb.path={data}",
        "--storage.tsdb.retention.time=3650d",
        f"--web.listen-address=127.0.0.1:{port}",
        "--web.enable-lifecycle",
    ]
    base = f"http://127.0.0.1:{port}"
    with running(argv, f"{base}/-/ready", work / "prometheus.log"):
        yield base


@contextmanager
def prometheus_holding(openmetrics_text: str, work: Path) -> Iterator[str]:
    """A Prometheus serving OpenMetrics text backfilled into its TSDB; yields its base URL."""
    backfill(openmetrics_text, work / "data", work)
    with prometheus(work, data_dir=work / "data") as base:
        yield base


@contextmanager
def pushgateway(work: Path) -> Iterator[str]:
    binary = require_binary("prometheus-pushgateway")
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    with running(
        [binary, f"--web.listen-address=127.0.0.1:{port}"], f"{base}/-/ready", work / "pushgateway.log"
    ):
        yield base


@contextmanager
def victoria_metrics(work: Path) -> Iterator[str]:
    """A single-node VictoriaMetrics on 127.0.0.1; yields its base URL."""
    binary = require_binary("victoria-metrics")
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    argv = [
        binary,
        f"-storageDataPath={work / 'vm-data'}",
        f"-httpListenAddr=127.0.0.1:{port}",
        "-retentionPeriod=10y",
        "-search.disableCache",  # replayed samples land in the past: never answer from a cached range
    ]
    with running(argv, f"{base}/health", work / "victoria-metrics.log"):
        yield base
