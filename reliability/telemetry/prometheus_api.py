"""The Prometheus HTTP API source (Prometheus, Thanos, Mimir): counters and histograms over the grid.

Each selector an SLI names is fetched with one range query (chunked under the server's
points limit) evaluated at the minute instants of the grid, all ending at the same
evaluation time. The raw counter values then go through the same per-minute increase
logic as OpenMetrics files: resets handled, nothing extrapolated (unlike `increase()`),
and a series that stops leaves minutes without events, which is no data.
"""

from __future__ import annotations

import base64
import json
import os
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from reliability.config.model import Component, PrometheusSource, Selector, SliKind
from reliability.core.accumulate import ComponentSeries
from reliability.core.grid import MINUTE, MinuteGrid
from reliability.errors import EXIT_FAILURE, ReliabilityError
from reliability.telemetry.openmetrics_files import Samples, SeriesKey, component_series
from reliability.telemetry.progress import NO_TASK, TaskHandle
from reliability.telemetry.report import ReadReport

MAX_POINTS_PER_QUERY = 10_000  # Prometheus refuses more than 11,000 points per series
FIRST_BACKOFF_SECONDS = 0.5


class SourceUnavailable(ReliabilityError):
    """The server could not be reached or kept failing; the run must not report health."""

    def __init__(self, message: str) -> None:
        super().__init__(message, EXIT_FAILURE)


class QueryError(ReliabilityError):
    """The server refused a query (bad PromQL, too many points): retrying will not help."""

    def __init__(self, message: str) -> None:
        super().__init__(message, EXIT_FAILURE)


def _headers(source: PrometheusSource) -> dict[str, str]:
    def secret(variable: str) -> str:
        value = os.environ.get(variable)
        if not value:
            raise ReliabilityError(f"source {source.name}: environment variable {variable} is not set")
        return value

    if source.bearer_token_env:
        return {"Authorization": f"Bearer {secret(source.bearer_token_env)}"}
    if source.username_env and source.password_env:
        pair = f"{secret(source.username_env)}:{secret(source.password_env)}".encode()
        return {"Authorization": f"Basic {base64.b64encode(pair).decode()}"}
    return {}


@dataclass
class PrometheusClient:
    source: PrometheusSource
    sleep: Callable[[float], None] = time.sleep  # injected so tests need not wait
    requests: int = field(default=0, init=False)

    def _post(self, path: str, form: dict[str, str]) -> dict[str, Any]:
        """POST a form (queries can be long) with retries and exponential backoff on 5xx and I/O errors."""
        data = urllib.parse.urlencode(form).encode()
        headers = {"Content-Type": "application/x-www-form-urlencoded"} | _headers(self.source)
        query = form.get("query", "")
        last_problem = ""
        for attempt in range(self.source.retries + 1):
            if attempt:
                self.sleep(FIRST_BACKOFF_SECONDS * 2 ** (attempt - 1))
            request = urllib.request.Request(f"{self.source.url}{path}", data=data, headers=headers)
            self.requests += 1
            try:
                with urllib.request.urlopen(request, timeout=self.source.timeout_seconds) as response:
                    answer: dict[str, Any] = json.load(response)
                    return answer
            except urllib.error.HTTPError as exc:
                body = exc.read().decode("utf-8", errors="replace")
                message = _server_message(body) or exc.reason
                if exc.code < 500 and exc.code != 429:
                    raise QueryError(
                        f"source {self.source.name}: query {query!r} failed: {message} (HTTP {exc.code})"
                    ) from None
                last_problem = f"HTTP {exc.code}: {message}"
            except (urllib.error.URLError, TimeoutError, ConnectionError, json.JSONDecodeError) as exc:
                last_problem = str(getattr(exc, "reason", exc))
        raise SourceUnavailable(
            f"source {self.source.name} ({self.source.url}) unavailable after "
            f"{self.source.retries + 1} attempts: {last_problem}"
        )

    def query_range(
        self, query: str, start: int, end: int, step: int, task: TaskHandle = NO_TASK
    ) -> Iterator[dict[str, Any]]:
        """Every series of the query over [start, end] at `step`, in chunks the server accepts.

        `task` advances by one per chunk answered, however many attempts it took.
        """
        for lo, hi in time_chunks(start, end, step):
            form = {"query": query, "start": str(lo), "end": str(hi), "step": f"{step}s"}
            answer = self._post("/api/v1/query_range", form)
            if answer.get("status") != "success":
                raise QueryError(f"source {self.source.name}: query {query!r} failed: {answer.get('error')}")
            task.advance()
            yield from answer["data"]["result"]


def time_chunks(start: int, end: int, step: int) -> Iterator[tuple[int, int]]:
    """[start, end] cut into ranges of at most MAX_POINTS_PER_QUERY instants: one range query each."""
    chunk = step * (MAX_POINTS_PER_QUERY - 1)
    lo = start
    while lo <= end:
        hi = min(end, lo + chunk)
        yield lo, hi
        lo = hi + step


def _server_message(body: str) -> str:
    try:
        return str(json.loads(body).get("error", "")) or body.strip()[:200]
    except (json.JSONDecodeError, AttributeError):
        return body.strip()[:200]


def _wanted(components: list[Component]) -> dict[str, tuple[str, Selector]]:
    """Each distinct series selector the SLIs need: query text -> (sample name, selector)."""
    wanted: dict[str, tuple[str, Selector]] = {}
    for component in components:
        for sli in component.slis:
            if sli.kind is SliKind.LATENCY and sli.histogram is not None:
                name = f"{sli.histogram.metric}_bucket"
                wanted[sli.histogram.promql(name)] = (name, sli.histogram)
            elif sli.counters is not None:
                for selector in (sli.counters.total, sli.counters.good, sli.counters.bad):
                    if selector is not None:
                        wanted[selector.promql()] = (selector.metric, selector)
    return wanted


def planned_requests(components: list[Component], grid: MinuteGrid) -> int:
    """How many range query requests fetch_samples makes (without retries): its progress total."""
    return len(_wanted(components)) * sum(1 for _ in time_chunks(grid.origin, grid.end, MINUTE))


def fetch_samples(
    client: PrometheusClient, components: list[Component], grid: MinuteGrid, task: TaskHandle = NO_TASK
) -> Samples:
    """Raw counter values of every needed series at each minute instant of the grid (ending at now)."""
    collected: dict[SeriesKey, tuple[list[float], list[float]]] = {}
    for query in _wanted(components):
        for series in client.query_range(query, grid.origin, grid.end, MINUTE, task):
            labels = dict(series["metric"])
            name = labels.pop("__name__", "")
            stamps, values = collected.setdefault((name, tuple(sorted(labels.items()))), ([], []))
            for stamp, value in series["values"]:
                # The value at instant t holds what grew during (t - 1m, t]: book it in that minute.
                stamps.append(float(stamp) - MINUTE / 2)
                values.append(float(value))
    return Samples({key: (np.array(s), np.array(v)) for key, (s, v) in collected.items()})


def read_component_series(
    source: PrometheusSource,
    components: list[Component],
    grid: MinuteGrid,
    report: ReadReport,
    *,
    client: PrometheusClient | None = None,
    task: TaskHandle = NO_TASK,
) -> list[ComponentSeries]:
    client = client or PrometheusClient(source)
    samples = fetch_samples(client, components, grid, task)
    report.files[source.url] = sum(int(stamps.size) for stamps, _ in samples.series.values())
    report.used = report.files[source.url]
    return component_series(components, samples, grid)
