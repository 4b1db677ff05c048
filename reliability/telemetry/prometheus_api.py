"""The Prometheus HTTP API source (Prometheus, Thanos, Mimir): counters and histograms over the grid.

Each selector an SLI names is fetched with one range query (chunked under the server's
points limit) evaluated at the minute instants of the grid, all ending at the same
evaluation time; or, when the run needs minutes only for its last hours and the counter
allows it, at hour points before those (prometheus_hours) and minutes after. Up to
`concurrency` requests are in flight at once, and their answers are used in the order a
sequential client would get them, so the result is the same. The raw
counter values then go through the same per-minute increase logic as OpenMetrics files:
resets handled, nothing extrapolated (unlike `increase()`), and a series that stops leaves
minutes without events, which is no data.
"""

from __future__ import annotations

import base64
import itertools
import json
import os
import threading
import time
import urllib.parse
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from http import HTTPStatus

import numpy as np

from reliability.config.model import Component, PrometheusSource, Selector, SliKind
from reliability.core.accumulate import ComponentSeries
from reliability.core.grid import HOUR, MINUTE, MinuteGrid
from reliability.errors import InputError, Problem, ReliabilityError
from reliability.redact import without_credentials
from reliability.telemetry import prometheus_http
from reliability.telemetry.openmetrics_files import Float64, Samples, SeriesKey, component_series
from reliability.telemetry.progress import NO_TASK, TaskHandle
from reliability.telemetry.prometheus_alike import read_alike, sli_selectors
from reliability.telemetry.prometheus_answer import (
    QueryAt,
    RangeSeries,
    parse_range_answer,
    parse_vector_answer,
)
from reliability.telemetry.prometheus_asks import Ask, time_chunks
from reliability.telemetry.prometheus_errors import QueryError, SourceUnavailable
from reliability.telemetry.prometheus_hours import HourPlan
from reliability.telemetry.prometheus_selectors import AnyOf, Matching, matches
from reliability.telemetry.report import MAX_EXAMPLES, ReadReport, SkippedExample

FIRST_BACKOFF_SECONDS = 0.5
RANGE_QUERY_PATH = "/api/v1/query_range"
INSTANT_QUERY_PATH = "/api/v1/query"
NON_FINITE = "NaN or infinite sample value"
SELECTORS_PER_QUERY = 100  # of one metric, asked together at hour points: fewer requests, small answers
LOOKAHEAD_PER_REQUEST_IN_FLIGHT = 2  # chunks asked ahead of the one in use, per request in flight


def _split_credentials(url: str) -> tuple[str, str | None]:
    """The URL without its user:password, and that pair as a Basic authorization (or None)."""
    parts = urllib.parse.urlsplit(url)
    userinfo, at, host = parts.netloc.rpartition("@")
    if not at:
        return url, None
    user, _, password = userinfo.partition(":")
    pair = f"{urllib.parse.unquote(user)}:{urllib.parse.unquote(password)}".encode()
    return urllib.parse.urlunsplit(parts._replace(netloc=host)), f"Basic {base64.b64encode(pair).decode()}"


def _authorization(source: PrometheusSource, from_url: str | None) -> dict[str, str]:
    """A token or user and password from the environment; else the URL's own user:password."""

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
    return {"Authorization": from_url} if from_url else {}


def _attempts(count: int) -> str:
    return f"{count} attempt" + ("" if count == 1 else "s")


@dataclass
class PrometheusClient:
    """Range queries against one source: each attempt ends by the source's timeout, 5xx and I/O retried."""

    source: PrometheusSource
    sleep: Callable[[float], None] = time.sleep  # injected so tests need not wait
    requests: int = field(default=0, init=False)
    _counting: threading.Lock = field(default_factory=threading.Lock, init=False, repr=False)

    @property
    def shown_url(self) -> str:
        return without_credentials(self.source.url)

    def _post(self, path: str, form: dict[str, str], at: QueryAt) -> prometheus_http.Answer:
        """POST a form (queries can be long) with retries and exponential backoff on 5xx and I/O errors."""
        base, from_url = _split_credentials(self.source.url)
        data = urllib.parse.urlencode(form).encode()
        headers = {"Content-Type": "application/x-www-form-urlencoded"} | _authorization(
            self.source, from_url
        )
        query = form.get("query", "")
        last_problem = ""
        for attempt in range(self.source.retries + 1):
            if attempt:
                self.sleep(FIRST_BACKOFF_SECONDS * 2 ** (attempt - 1))
            with self._counting:
                self.requests += 1
            try:
                answer = prometheus_http.post(
                    f"{base}{path}", data, headers, self.source.timeout_seconds, self.source.max_answer_bytes
                )
            except prometheus_http.TransportFailure as exc:
                last_problem = str(exc)
                continue
            except prometheus_http.RedirectRefused as exc:
                raise QueryError(f"source {self.source.name}: {exc}") from None
            except prometheus_http.AnswerTooLarge as exc:
                raise QueryError(
                    f"{at}: {exc} (max_answer_size of the source): narrow the selector or raise the limit"
                ) from None
            if answer.status < 300:
                return answer
            message = _server_message(answer.body) or _phrase(answer.status)
            if answer.status < 500 and answer.status != HTTPStatus.TOO_MANY_REQUESTS:
                raise QueryError(
                    f"source {self.source.name}: query {query!r} failed: {message} (HTTP {answer.status})"
                )
            last_problem = f"HTTP {answer.status}: {message}"
        raise SourceUnavailable(
            f"source {self.source.name} ({self.shown_url}) unavailable after "
            f"{_attempts(self.source.retries + 1)}: {last_problem}"
        )

    def answer(self, ask: Ask) -> list[RangeSeries] | None:
        """The series of one request: a range query's, or an instant query's as series of one sample."""
        try:
            return self._answer(ask)
        except (QueryError, InputError):
            if ask.optional:
                return None
            raise

    def _answer(self, ask: Ask) -> list[RangeSeries]:
        at = QueryAt(self.source.name, self.shown_url, ask.query)
        if ask.is_instant:
            form = {"query": ask.query, "time": str(ask.end)}
            answer = self._post(INSTANT_QUERY_PATH, form, at)
            return parse_vector_answer(answer.body, at, answer.content_type)
        form = {"query": ask.query, "start": str(ask.start), "end": str(ask.end), "step": f"{ask.step}s"}
        answer = self._post(RANGE_QUERY_PATH, form, at)
        return parse_range_answer(answer.body, at, answer.content_type)

    def answers(self, asks: Iterable[Ask], task: TaskHandle = NO_TASK) -> Iterator[list[RangeSeries] | None]:
        """The answer to each request, in the order asked, with up to `concurrency` in flight.

        The first failure in that order is raised, as one request at a time would. `task`
        advances by one per request answered, however many attempts it took.
        """
        queue = iter(asks)
        # Asked at most this far ahead of the one being used: answers waiting to be used are held
        # in memory, so a slow early request must not let every later one pile up behind it.
        ahead = LOOKAHEAD_PER_REQUEST_IN_FLIGHT * self.source.concurrency
        pending: deque[Future[list[RangeSeries] | None]] = deque()
        with ThreadPoolExecutor(self.source.concurrency, thread_name_prefix="prometheus") as pool:

            def ask_ahead() -> None:
                for ask in itertools.islice(queue, ahead - len(pending)):
                    pending.append(pool.submit(self.answer, ask))

            try:
                ask_ahead()
                while pending:
                    found = pending.popleft().result()
                    ask_ahead()
                    task.advance()
                    yield found
            finally:
                for answer in pending:  # after a failure, the requests not yet asked for are not
                    answer.cancel()

    def query_ranges(
        self, queries: Iterable[str], start: int, end: int, step: int, task: TaskHandle = NO_TASK
    ) -> Iterator[RangeSeries]:
        """Every series of each query over [start, end] at `step`, in chunks the server accepts.

        Chunks are fetched as `answers` does and yielded in query then time order.
        """
        asks = (Ask(query, lo, hi, step) for query in queries for lo, hi in time_chunks(start, end, step))
        for found in self.answers(asks, task):
            yield from found or ()

    def query_range(
        self, query: str, start: int, end: int, step: int, task: TaskHandle = NO_TASK
    ) -> Iterator[RangeSeries]:
        """Every series of one query over [start, end] at `step` (see query_ranges)."""
        return self.query_ranges([query], start, end, step, task)


def _server_message(body: bytes | bytearray) -> str:
    """The `error` of a Prometheus error answer, else the start of whatever the body says."""
    text = body.decode("utf-8", errors="replace")
    try:
        document = json.loads(text)
    except (ValueError, RecursionError):
        return text.strip()[:200]
    message = document.get("error") if isinstance(document, dict) else None
    return str(message) if message else text.strip()[:200]


def _phrase(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "no message"


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


def _counting_events(components: list[Component]) -> frozenset[str]:
    """The selectors whose growth is an SLI's events: its total counter, its histogram's buckets."""
    found = set()
    for component in components:
        for sli in component.slis:
            if sli.kind is SliKind.LATENCY and sli.histogram is not None:
                found.add(sli.histogram.promql(f"{sli.histogram.metric}_bucket"))
            elif sli.counters is not None:
                found.add(sli.counters.total.promql())
    return frozenset(found)


def hour_plan(grid: MinuteGrid, detail_from: int | None, steps_from: int | None = None) -> HourPlan | None:
    """How to read the history at hour points before `detail_from` (and alert step points from
    `steps_from`); None: minute by minute throughout."""
    if detail_from is None or detail_from - grid.origin < 2 * HOUR:
        return None
    return HourPlan(
        grid, detail_from, steps_from if steps_from is not None and steps_from < detail_from else None
    )


def planned_requests(
    components: list[Component],
    grid: MinuteGrid,
    detail_from: int | None = None,
    steps_from: int | None = None,
) -> int:
    """How many requests fetch_samples makes (without retries or fallbacks): its progress total."""
    plan = hour_plan(grid, detail_from, steps_from)
    if plan is not None:
        return len(_groups(_wanted(components))) * plan.request_count()
    return len(_wanted(components)) * sum(1 for _ in time_chunks(grid.origin, grid.end, MINUTE))


def _prometheus_spelling(value: float) -> str:
    return "NaN" if np.isnan(value) else ("+Inf" if value > 0 else "-Inf")


def _skip_non_finite(
    client: PrometheusClient, series: RangeSeries, values: Float64, report: ReadReport, strict: bool
) -> None:
    """Count the NaN and ±Inf samples of a series: a counter holds one only when its exporter is broken."""
    places = np.flatnonzero(~np.isfinite(values))
    if not places.size:
        return
    examples = [
        SkippedExample(
            f"{client.shown_url}{RANGE_QUERY_PATH}",
            int(index) + 1,  # the sample's place in its series of the answer
            NON_FINITE,
            series.describe(),
            f"{_prometheus_spelling(values[index])} at Unix time {series.stamps[index]:.15g}",
        )
        for index in places[:MAX_EXAMPLES]
    ]
    if strict:
        first = examples[0]
        problem = Problem(first.file, f"{first.reason} in {first.field}: {first.value}", first.line)
        raise InputError(f"bad record: {problem} (--strict stops at the first bad record)", [problem])
    report.skip(NON_FINITE, int(places.size), examples)


class _Collected:
    """Every kept sample by series, NaN and ±Inf left out and counted."""

    def __init__(self, client: PrometheusClient, report: ReadReport, strict: bool) -> None:
        self.client, self.report, self.strict = client, report, strict
        self.series: dict[SeriesKey, tuple[list[Float64], list[Float64]]] = {}

    def add(self, series: RangeSeries) -> None:
        stamps, values = series.stamps, series.values
        url = self.client.shown_url
        self.report.files[url] = self.report.files.get(url, 0) + int(values.size)
        _skip_non_finite(self.client, series, values, self.report, self.strict)
        finite = np.isfinite(values)
        kept_stamps, kept_values = self.series.setdefault((series.name, series.labels), ([], []))
        # The value at instant t holds what grew since the instant before: book it in the minute before t.
        kept_stamps.append(stamps[finite] - MINUTE / 2)
        kept_values.append(values[finite])

    def forget(self, keys: Iterable[SeriesKey]) -> None:
        """Let go of the samples of these series: they are read again minute by minute."""
        for key in keys:
            self.series.pop(key, None)

    def samples(self) -> Samples:
        """The samples of each series joined, its parts let go as it goes: never all held twice."""
        joined = {}
        for key, (stamps, values) in self.series.items():
            joined[key] = (np.concatenate(stamps), np.concatenate(values))
            stamps.clear()
            values.clear()
        self.series = {}
        return Samples(joined)


@dataclass(frozen=True)
class _Group:
    """Selectors of one metric with the same label names, asked as one selector that matches them all.

    Each label's patterns are joined as alternatives: with one label that matches exactly their
    series, with several it may match more, which are told apart by prometheus_selectors.
    """

    name: str
    queries: list[str]
    selectors: list[Selector]

    @property
    def union(self) -> str:
        if len(self.queries) == 1:
            return self.queries[0]
        keys = [key for key, _ in self.selectors[0].labels]
        patterns = {key: list(dict.fromkeys(dict(s.labels)[key] for s in self.selectors)) for key in keys}
        joined = tuple(
            (key, found[0] if len(found) == 1 else "|".join(f"(?:{p})" for p in found))
            for key, found in patterns.items()
        )
        return Selector(self.name, joined).promql()


def _groups(wanted: dict[str, tuple[str, Selector]]) -> list[_Group]:
    """The selectors in groups of one metric and the same label names."""
    by_kind: dict[tuple[str, tuple[str, ...]], _Group] = {}
    for query, (name, selector) in wanted.items():
        kind = (name, tuple(sorted(key for key, _ in selector.labels)))
        group = by_kind.setdefault(kind, _Group(name, [], []))
        group.queries.append(query)
        group.selectors.append(selector)
    return [
        _Group(
            group.name,
            group.queries[first : first + SELECTORS_PER_QUERY],
            group.selectors[first : first + SELECTORS_PER_QUERY],
        )
        for group in by_kind.values()
        for first in range(0, len(group.queries), SELECTORS_PER_QUERY)
    ]


def _by_hours(
    client: PrometheusClient,
    wanted: dict[str, tuple[str, Selector]],
    plan: HourPlan,
    collected: _Collected,
    task: TaskHandle,
    counting_events: frozenset[str] = frozenset(),
) -> list[str]:
    """Read each selector at hour points, then minutes, where that books the same counts.

    Selectors of one metric are asked together. Returns the queries of the selectors with a
    series that does not allow it, to be read minute by minute.
    """
    groups = _groups(wanted)
    per_group, ranges = plan.request_count(), len(plan.hourly_asks(""))
    answers = client.answers((ask for group in groups for ask in plan.asks(group.union)), task)
    minute_by_minute: set[str] = set()
    read: list[tuple[_Group, list[Selector]]] = []
    growth: list[tuple[int, int]] = []  # the steps where series counting events first grow
    for group in groups:  # one group at a time: the raw answers of the others are not held meanwhile
        check, *rest = itertools.islice(answers, per_group)
        if check is None:
            minute_by_minute.update(group.queries)
            continue
        hourly = [series for answer in rest[:ranges] for series in answer or ()]
        minutes = [series for answer in rest[ranges:] for series in answer or ()]
        del rest
        reading = plan.read(check, hourly)
        edges = plan.edge_asks(group.union, reading)  # only for series that start or end between points
        plan.confirm(reading, list(client.answers(edges, task)))
        kept = []
        for query, selector in zip(group.queries, group.selectors, strict=True):
            if any(matches(selector, labels) for labels in reading.refused):
                minute_by_minute.add(query)
            else:
                kept.append(selector)
        wanted_here = AnyOf(kept)
        for series in plan.joined(hourly, minutes):
            if wanted_here(series.labels):
                collected.add(series)
        read.append((group, kept))
        counting = AnyOf(
            selector
            for query, selector in zip(group.queries, group.selectors, strict=True)
            if query in counting_events
        )
        growth.extend(
            step
            for labels, step in reading.first_growth.items()
            if labels not in reading.refused and counting(labels)
        )
    if growth:  # the same minutes for every series: see prometheus_hours
        span = (min(lo for lo, _ in growth), max(hi for _, hi in growth))
        asks = [(group, kept, plan.growth_asks(group.union, span)) for group, kept in read]
        found = client.answers((ask for _, _, group_asks in asks for ask in group_asks), task)
        for _, kept, group_asks in asks:
            wanted_here = AnyOf(kept)
            for answer in itertools.islice(found, len(group_asks)):
                for series in answer or ():
                    if wanted_here(series.labels):
                        collected.add(series)  # joined in time order later; repeated points add nothing
    return [query for query in wanted if query in minute_by_minute]


def _read_alike(
    wanted: dict[str, tuple[str, Selector]],
    by_minutes: list[str],
    collected: _Collected,
    components: list[Component],
) -> list[str]:
    """The queries to read minute by minute so that an SLI's counters are read alike
    (prometheus_alike); the samples already read of those added are let go."""
    if not by_minutes:
        return by_minutes
    refused = set(by_minutes)
    series_of: dict[str, set[SeriesKey]] = {query: set() for query in wanted if query not in refused}
    by_name: dict[str, list[tuple[str, Selector]]] = {}
    for query in series_of:
        name, selector = wanted[query]
        by_name.setdefault(name, []).append((query, selector))
    matching = {name: Matching(selectors) for name, selectors in by_name.items()}
    for key in collected.series:  # each series looked up once, not tried by every selector
        if key[0] in matching:
            for query in matching[key[0]](key[1]):
                series_of[query].add(key)
    found = read_alike(by_minutes, sli_selectors(components), series_of)
    collected.forget(key for query in found for key in series_of.get(query, ()))
    return [query for query in wanted if query in found]


def fetch_samples(
    client: PrometheusClient,
    components: list[Component],
    grid: MinuteGrid,
    report: ReadReport,
    *,
    strict: bool = False,
    task: TaskHandle = NO_TASK,
    detail_from: int | None = None,
    steps_from: int | None = None,
) -> Samples:
    """Counter values of every needed series at each minute instant of the grid (ending at now).

    With `detail_from`, a series whose values allow it is read at hour points before it
    (prometheus_hours), which books the same counts in every span between hour points; from
    `steps_from`, at the alert timeline's step points too.
    A NaN or infinite sample is left out and counted (the next sample's increase then spans the
    gap, so the counter's growth is still whole); under `strict` it fails the run (exit 3).
    """
    collected = _Collected(client, report, strict)
    wanted = _wanted(components)
    queries = list(wanted)
    plan = hour_plan(grid, detail_from, steps_from)
    if plan is not None:
        queries = _by_hours(client, wanted, plan, collected, task, _counting_events(components))
        queries = _read_alike(wanted, queries, collected, components)
    for series in client.query_ranges(queries, grid.origin, grid.end, MINUTE, task):
        collected.add(series)
    return collected.samples()


def read_component_series(
    source: PrometheusSource,
    components: list[Component],
    grid: MinuteGrid,
    report: ReadReport,
    *,
    strict: bool = False,
    client: PrometheusClient | None = None,
    task: TaskHandle = NO_TASK,
    detail_from: int | None = None,
    steps_from: int | None = None,
) -> list[ComponentSeries]:
    client = client or PrometheusClient(source)
    report.files[client.shown_url] = 0
    samples = fetch_samples(
        client,
        components,
        grid,
        report,
        strict=strict,
        task=task,
        detail_from=detail_from,
        steps_from=steps_from,
    )
    report.used = sum(int(stamps.size) for stamps, _ in samples.series.values())
    return component_series(components, samples, grid)
