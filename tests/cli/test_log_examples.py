"""Each example under examples/ runs as its README section says, and its SLIs equal a direct count.

The direct count reads the same file with Python's re, json and datetime, line by line (Parquet:
as Python rows), so it shares nothing with the columnar readers but the rules written in the example's config.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from conftest import REPO

from reliability.config.log_presets import COMBINED, ENVOY, HAPROXY

EXAMPLES = REPO / "examples"
EVALUATED = datetime(2026, 11, 5, 12, 0, tzinfo=UTC)
Event = tuple[datetime, str, int | None, float | None]  # time, component, status, latency in seconds


def _log_lines(path: Path, pattern: str) -> Iterator[dict[str, str]]:
    for line in path.read_text().splitlines():
        found = re.search(pattern, line)
        if found:
            yield found.groupdict()


def nginx_events(path: Path) -> Iterator[Event]:
    for fields in _log_lines(path, COMBINED):
        at = datetime.strptime(fields["time_local"], "%d/%b/%Y:%H:%M:%S %z")
        segment = re.match(r"^/(?:api/)?([^/?]+)", fields["path"] or "")
        if segment:
            yield at, segment.group(1), int(fields["status"]), None


def grouped_events(path: Path) -> Iterator[Event]:
    """The nginx-combined log as examples/grouped-paths reads it: one component per first segment."""
    for at, segment, status, latency in nginx_events(path):
        yield at, f"pages{{path={segment}}}", status, latency


def envoy_events(path: Path) -> Iterator[Event]:
    for fields in _log_lines(path, ENVOY):
        at = datetime.fromisoformat(fields["start_time"])
        yield (
            at,
            fields["authority"].split(".")[0],
            int(fields["response_code"]),
            int(fields["duration"]) / 1000,
        )


def haproxy_events(path: Path) -> Iterator[Event]:
    for fields in _log_lines(path, HAPROXY):
        local = datetime.strptime(fields["accept_date"], "%d/%b/%Y:%H:%M:%S.%f")
        at = local.replace(tzinfo=ZoneInfo("Europe/Berlin"))
        yield at, fields["backend"], int(fields["status_code"]), int(fields["t_active"]) / 1000


def service_log_events(path: Path) -> Iterator[Event]:
    pattern = r"^(\S+ \S+) \w+ \[([^\]]+)\] handled request status: (\d{3}) time: ([\d.]+)$"
    for line in path.read_text().splitlines():
        found = re.match(pattern, line)
        if found:
            local = datetime.strptime(found.group(1), "%Y-%m-%d %H:%M:%S.%f")
            at = local.replace(tzinfo=ZoneInfo("Europe/Berlin"))
            yield at, found.group(2), int(found.group(3)), float(found.group(4))


def nested_json_events(path: Path) -> Iterator[Event]:
    for line in path.read_text().splitlines():
        record: dict[str, Any] = json.loads(line)
        component = record.get("attributes", {}).get("service.name")
        if component:
            timing = record["timing"]
            at = datetime.fromtimestamp(timing["start_ms"] / 1000, UTC)
            yield at, component, record["response"]["status"], (timing["end_ms"] - timing["start_ms"]) / 1000


def parquet_events(path: Path) -> Iterator[Event]:
    import pyarrow.parquet as pq  # rows as Python values: nothing of the columnar reader's path

    for row in pq.read_table(path).to_pylist():
        yield row["time"], row["service"], row["status"], row["duration_ms"] / 1000


def not_5xx(status: int) -> bool:
    return not 500 <= status < 600


EXAMPLE_RULES: dict[str, tuple[Callable[[Path], Iterator[Event]], str, dict[str, Callable[[int], bool]]]] = {
    # example: (direct reader, file, good rule per component)
    "nginx-combined": (nginx_events, "access.log", {"cart": not_5xx, "search": not_5xx}),
    "envoy": (envoy_events, "access.log", {"cart": lambda s: 200 <= s < 500, "search": lambda s: s < 500}),
    "haproxy": (haproxy_events, "haproxy.log", {"cart": not_5xx, "search": not_5xx}),
    "service-log": (
        service_log_events,
        "service.log",
        {"cart": lambda s: s < 500, "search": lambda s: s < 500},
    ),
    "nested-json": (nested_json_events, "requests.jsonl", {"cart": not_5xx, "search": not_5xx}),
    "parquet": (parquet_events, "requests.parquet", {"cart": not_5xx, "search": not_5xx}),
    "grouped-paths": (
        grouped_events,
        "../nginx-combined/access.log",
        {"pages{path=cart}": not_5xx, "pages{path=search}": not_5xx},
    ),
}


def run_example(name: str, out: Path) -> tuple[subprocess.CompletedProcess[str], dict[str, Any]]:
    done = subprocess.run(
        [sys.executable, "-m", "reliability", "run", str(EXAMPLES / name / "config.yaml"), "--out", str(out)],
        capture_output=True,
        text=True,
        check=False,
    )
    metrics = json.loads((out / "sli-metrics.json").read_text()) if done.returncode == 0 else {}
    return done, metrics


def day_window(metrics: dict[str, Any], component: str, sli: str) -> tuple[int, int]:
    entry = next(c for c in metrics["components"] if c["component"] == component)
    window = next(w for s in entry["slis"] if s["name"] == sli for w in s["windows"] if w["window"] == "1d")
    return window["good"], window["total"]


@pytest.mark.parametrize("name", sorted(EXAMPLE_RULES))
def test_each_example_runs_and_its_slis_equal_a_direct_count(name: str, tmp_path: Path) -> None:
    done, metrics = run_example(name, tmp_path / "out")
    assert done.returncode == 0, done.stderr
    reader, file, good_rules = EXAMPLE_RULES[name]
    events = [e for e in reader(EXAMPLES / name / file) if EVALUATED - timedelta(days=1) <= e[0] < EVALUATED]
    for component, is_good in good_rules.items():
        mine = [e for e in events if e[1] == component]
        statuses = [e[2] for e in mine if e[2] is not None]
        assert day_window(metrics, component, "availability") == (sum(map(is_good, statuses)), len(statuses))
        latencies = [e[3] for e in mine if e[3] is not None]
        if latencies:
            fast = sum(latency <= 0.25 for latency in latencies)
            assert day_window(metrics, component, "latency") == (fast, len(latencies))
        assert len(statuses) > 50  # the example has traffic for the component, not an empty match


def test_the_examples_show_the_lines_they_skip(tmp_path: Path) -> None:
    done, _ = run_example("service-log", tmp_path / "out")
    assert "2 skipped (line does not match the pattern: 2)" in done.stdout
    assert (
        "service.log:1: line does not match the pattern: 2026-11-05 10:59:58.201 INFO [main]" in done.stdout
    )


def test_every_example_folder_is_tested() -> None:
    folders = {p.parent.name for p in EXAMPLES.glob("*/config.yaml")}
    assert set(EXAMPLE_RULES) <= folders
