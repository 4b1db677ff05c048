"""The OpenMetrics file source: timestamped counter and histogram samples into per-minute series.

Files are parsed as columns with Arrow, keeping line numbers for errors
(prometheus-client's parser rejects histograms whose samples carry timestamps, which
is how backfill files hold them). Each matching series becomes per-minute increases
(reliability.core.counters); an availability SLI sums its total and good (or bad)
counters, a latency SLI reads its histogram's `le` buckets: exactly at a bucket
boundary, or interpolated within a bucket when the SLI allows it (an estimate).
"""

from __future__ import annotations

import functools
import io
import re
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pcsv

from reliability.config.model import Component, OpenMetricsSource, Origin, Selector, Sli, SliKind
from reliability.core.accumulate import ComponentSeries, HistogramSeries
from reliability.core.counters import minute_increases
from reliability.core.counts import MinuteSeries
from reliability.core.grid import MinuteGrid
from reliability.core.histogram import Histogram, ThresholdNotABoundary, fraction_at_most
from reliability.core.whole_events import whole_events
from reliability.errors import InputError, Problem, printable
from reliability.telemetry import convert
from reliability.telemetry.bad_records import skip_or_stop
from reliability.telemetry.blocks import ARROW_BLOCK_BYTES, LineBlock, iter_line_blocks
from reliability.telemetry.plausibility import check_usable
from reliability.telemetry.progress import NO_TASK, TaskHandle
from reliability.telemetry.report import MAX_EXAMPLES, ReadReport, SkippedExample

Float64 = npt.NDArray[np.float64]
SeriesKey = tuple[str, tuple[tuple[str, str], ...]]


_REGEX_SYNTAX = re.compile(r"[.^$*+?{}\[\]\\|()]")


@dataclass
class Samples:
    """Every timestamped sample of a source, by series (name and labels)."""

    series: dict[SeriesKey, tuple[Float64, Float64]]
    # The series of each name, and of each (name, label, value): built once, on the first match.
    _by_name: dict[str, list[SeriesKey]] = field(default_factory=dict, init=False, repr=False, compare=False)
    _by_label: dict[tuple[str, str, str], list[SeriesKey]] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )

    def _index(self) -> None:
        for key in self.series:
            name, labels = key
            self._by_name.setdefault(name, []).append(key)
            for label, value in labels:
                self._by_label.setdefault((name, label, value), []).append(key)

    def _candidates(self, name: str, selector: Selector) -> list[SeriesKey]:
        """The series a selector may match, in the order they were read: those holding one of its
        labels with exactly the value it asks for, when it asks for one without regex syntax."""
        if not self._by_name and self.series:
            self._index()
        for label, value in selector.labels:
            if value and not _REGEX_SYNTAX.search(value):
                return self._by_label.get((name, label, value), [])
        return self._by_name.get(name, [])

    def matching(self, name: str, selector: Selector) -> list[tuple[dict[str, str], Float64, Float64]]:
        patterns = [(label, re.compile(value)) for label, value in selector.labels]
        found = []
        for key in self._candidates(name, selector):
            as_dict = dict(key[1])
            if all(p.fullmatch(as_dict.get(label, "")) for label, p in patterns):
                stamps, values = self.series[key]
                found.append((as_dict, stamps, values))
        return found


# name{labels} value [timestamp] [# exemplar]; a label value may hold escaped quotes and braces.
# Written so that each character decides the branch (no backtracking): RE2 then extracts the
# groups with its one-pass matcher, several times faster than with the general one.
_SAMPLE = (
    r'^(?P<name>[a-zA-Z_:][a-zA-Z0-9_:]*)(?P<labels>\{(?:[^"}]|"(?:[^"\\]|\\.)*")*\})?'
    r"[ \t]+(?P<value>\S+)(?:[ \t]+(?:(?P<timestamp>[^#\s]\S*)(?:[ \t]+(?:#.*)?)?|#.*)?)?$"
)
_LABEL = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"')


def series_key(name: str, labels: dict[str, str]) -> str:
    """A series as FoundSamples keys it: the name, a tab, and the labels as OpenMetrics writes them."""
    return series_key_of(name, tuple(sorted(labels.items())))


@functools.lru_cache(maxsize=1 << 16)  # readers ask for the same few series again and again
def series_key_of(name: str, labels: tuple[tuple[str, str], ...]) -> str:
    """series_key() of labels as pairs; any order, as long as a series always comes in the same one."""

    def quoted(value: str) -> str:
        return value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")

    inner = ",".join(f'{k}="{quoted(v)}"' for k, v in labels)
    return f"{name}\t{{{inner}}}" if inner else f"{name}\t"


def _labels(text: str) -> tuple[tuple[str, str], ...]:
    unescape = {"\\\\": "\\", '\\"': '"', "\\n": "\n"}
    pairs = ((k, re.sub(r"\\[\\\"n]", lambda m: unescape[m.group(0)], v)) for k, v in _LABEL.findall(text))
    return tuple(sorted(pairs))


def _parse_block(block: LineBlock) -> tuple[pa.Table, np.ndarray]:
    """One column per block: the line's text, and its line number. Comments and metadata dropped."""
    lines = block.record_lines(whitespace_is_blank=False)
    texts = pcsv.read_csv(
        io.BytesIO(block.data),
        read_options=pcsv.ReadOptions(column_names=["line"], use_threads=False, block_size=ARROW_BLOCK_BYTES),
        # A delimiter and quote that never split a line: each line is read whole, as one value.
        parse_options=pcsv.ParseOptions(delimiter="\x1f", quote_char=False, escape_char=False),
        convert_options=pcsv.ConvertOptions(column_types={"line": pa.string()}),
    ).column("line")
    samples = pc.invert(pc.starts_with(texts, "#"))
    return pa.table({"line": texts.filter(samples)}), lines[np.asarray(samples)]


def read_samples(
    source: OpenMetricsSource, report: ReadReport, *, strict: bool = False, task: TaskHandle = NO_TASK
) -> Samples:
    """Every timestamped sample of the source's files, parsed as columns (no object per sample).

    `task` advances by one per file read.
    """
    found = FoundSamples(report, strict)
    for path in source.paths:
        report.files[str(path)] = 0
        for block in iter_line_blocks(path):
            found.add_block(str(path), block)
        task.advance()
    return found.by_series()


@dataclass
class FoundSamples:
    """The good samples read so far, with where each came from; the bad ones counted in `report`."""

    report: ReadReport
    strict: bool
    keys: list[pa.Array] = field(default_factory=list)
    stamps: list[Float64] = field(default_factory=list)
    values: list[Float64] = field(default_factory=list)
    origins: list[tuple[str, npt.NDArray[np.int64]]] = field(default_factory=list)  # (file, line of each)
    # All good samples at once, once by_series() has joined the blocks: where each was read, and it.
    _files: npt.NDArray[np.int64] = field(default_factory=lambda: np.zeros(0, np.int64))
    _lines: npt.NDArray[np.int64] = field(default_factory=lambda: np.zeros(0, np.int64))
    _stamps: Float64 = field(default_factory=lambda: np.zeros(0))
    _values: Float64 = field(default_factory=lambda: np.zeros(0))

    def add_block(self, path: str, block: LineBlock, scrape_time: float | None = None) -> None:
        """The block's samples; with `scrape_time` (a scrape file) they carry none of their own."""
        table, lines = _parse_block(block)
        self.report.files[path] += table.num_rows + len(block.dropped)
        found = [
            ("malformed sample", 1, [SkippedExample(path, line, "malformed sample", "", why)])
            for line, why in block.dropped
        ]
        parts = pc.extract_regex(table.column("line").combine_chunks(), _SAMPLE)
        value = convert.to_float(parts.field("value"))
        stamp = convert.to_float(
            pc.if_else(pc.equal(parts.field("timestamp"), ""), None, parts.field("timestamp"))
        )
        reasons = [
            (np.asarray(parts.is_null()), "malformed sample", table.column("line")),
            (value.invalid | value.missing, "invalid sample value", parts.field("value")),
            (np.isnan(value.values), "NaN sample value", parts.field("value")),  # counters never are
            (np.isinf(value.values), "infinite sample value", parts.field("value")),
            (value.values < 0, "negative sample value", parts.field("value")),
            (stamp.missing, "sample without timestamp", parts.field("name"))
            if scrape_time is None
            else (~stamp.missing, "sample with its own timestamp in a scrape", parts.field("timestamp")),
            (
                stamp.invalid | (~stamp.missing & ~np.isfinite(stamp.values)),
                "invalid timestamp",
                parts.field("timestamp"),
            ),
        ]
        bad = np.zeros(len(lines), dtype=bool)
        for failed, reason, shown in reasons:
            failed = failed & ~bad
            if failed.any():
                rows = np.flatnonzero(failed)[:MAX_EXAMPLES]
                examples = [
                    SkippedExample(path, int(lines[i]), reason, "", str(shown[int(i)].as_py())) for i in rows
                ]
                found.append((reason, int(failed.sum()), examples))
                bad |= failed
        skip_or_stop(self.report, found, self.strict)
        good = ~bad
        names = pc.fill_null(parts.field("name"), "").filter(pa.array(good))
        label_text = pc.fill_null(parts.field("labels"), "").filter(pa.array(good))
        stamps = stamp.values[good] if scrape_time is None else np.full(int(good.sum()), scrape_time)
        keys = pc.binary_join_element_wise(names, label_text, "\t")
        self.add_samples(path, keys, stamps, value.values[good], lines[good])

    def add_samples(
        self, path: str, keys: pa.Array, stamps: Float64, values: Float64, lines: npt.NDArray[np.int64]
    ) -> None:
        """Good samples a reader parsed itself: keys as series_key() writes them, and where each was read."""
        self.keys.append(keys)
        self.stamps.append(stamps)
        self.values.append(values)
        self.origins.append((path, lines))

    def by_series(self) -> Samples:
        if not self.keys:
            return Samples({})
        encoded = pa.chunked_array(self.keys).combine_chunks().dictionary_encode()
        codes = np.asarray(encoded.indices)
        stamps, values = np.concatenate(self.stamps), np.concatenate(self.values)
        self._files = np.concatenate([np.full(len(lines), n) for n, (_, lines) in enumerate(self.origins)])
        self._lines = np.concatenate([lines for _, lines in self.origins])
        self._stamps, self._values = stamps, values
        order = np.lexsort((self._lines, self._files, stamps, codes))  # by series, time, where read
        bounds = np.searchsorted(codes[order], np.arange(len(encoded.dictionary) + 1))
        series: dict[SeriesKey, tuple[Float64, Float64]] = {}
        for code, key in enumerate(encoded.dictionary.to_pylist()):  # one entry per series, not per sample
            name, _, label_text = key.partition("\t")
            rows = self._first_of_each_time(order[bounds[code] : bounds[code + 1]], stamps, values)
            series[name, _labels(label_text)] = (stamps[rows], values[rows])
        return Samples(series)

    def _first_of_each_time(
        self, rows: npt.NDArray[np.intp], stamps: Float64, values: Float64
    ) -> npt.NDArray[np.intp]:
        """The series' rows (in time order) without repeats of a timestamp: the first one read is kept.

        A repeat with the same value (overlapping files) loses nothing and is only counted; one with
        another value is a bad record: which one is right cannot be known.
        """
        repeat = np.concatenate(([False], stamps[rows][1:] == stamps[rows][:-1]))
        if not repeat.any():
            return rows
        kept_before = rows[np.maximum.accumulate(np.where(~repeat, np.arange(len(rows)), 0))]
        conflicting = repeat & (values[rows] != values[kept_before])
        same = repeat & ~conflicting
        if same.any():
            self.report.skip(
                "duplicate sample", int(same.sum()), self._examples(rows[same], "duplicate sample")
            )
        if conflicting.any():
            examples = self._examples(rows[conflicting], "conflicting duplicate sample")
            skip_or_stop(
                self.report, [("conflicting duplicate sample", int(conflicting.sum()), examples)], self.strict
            )
        return rows[~repeat]

    def _examples(self, rows: npt.NDArray[np.intp], reason: str) -> list[SkippedExample]:
        return [
            SkippedExample(
                self.origins[int(self._files[i])][0],
                int(self._lines[i]),
                reason,
                "",
                f"{self._values[i]:g} at {self._stamps[i]:g}",
            )
            for i in rows[:MAX_EXAMPLES]
        ]


def _increases(samples: Samples, name: str, selector: Selector, grid: MinuteGrid) -> Float64:
    total = np.zeros(grid.minutes)
    for _, stamps, values in samples.matching(name, selector):
        total += minute_increases(stamps, values, grid)
    return total


def _histogram_series(
    samples: Samples, selector: Selector, grid: MinuteGrid, component: Component
) -> HistogramSeries:
    def refused(message: str) -> InputError:
        problem = Problem(component.origin.file, message, component.origin.line, "histogram")
        return InputError(str(problem), [problem])

    by_bound: dict[float, Float64] = {}
    for labels, stamps, values in samples.matching(f"{selector.metric}_bucket", selector):
        text = labels.get("le", "")
        try:
            bound = float(text)
        except ValueError:
            bound = np.nan
        if np.isnan(bound) or bound == -np.inf:
            raise refused(
                f"histogram {selector.describe()} has a bucket with le={printable(text)!r}, not a bound"
            )
        by_bound[bound] = by_bound.get(bound, np.zeros(grid.minutes)) + minute_increases(stamps, values, grid)
    if not by_bound:
        raise refused(f"no buckets match histogram {selector.describe()} of {component.id}")
    if np.inf not in by_bound:
        raise refused(
            f'histogram {selector.describe()} of {component.id} has no le="+Inf" bucket (the total)'
        )
    bounds = np.array(sorted(by_bound))
    return HistogramSeries(bounds, np.stack([by_bound[b] for b in bounds], axis=1))


def _latency_sli(sli: Sli, histogram: HistogramSeries, component: Component) -> MinuteSeries:
    assert sli.threshold_seconds is not None
    whole = Histogram(histogram.bounds, histogram.buckets.sum(axis=0))
    try:
        place = fraction_at_most(whole, sli.threshold_seconds, interpolate=sli.interpolate)
    except ThresholdNotABoundary as exc:
        problem = Problem(
            component.origin.file, f"SLI {sli.name!r} of {component.id}: {exc}", component.origin.line, "slis"
        )
        raise InputError(str(problem), [problem]) from None
    lo = int(np.searchsorted(histogram.bounds, place.lower_bound))
    below = histogram.buckets[:, lo]
    if place.exact:
        good = below
    else:
        hi = lo + 1
        width = histogram.bounds[hi] - histogram.bounds[lo]
        share = (sli.threshold_seconds - histogram.bounds[lo]) / width
        good = below + (histogram.buckets[:, hi] - below) * share
    return whole_events(good, histogram.buckets[:, -1])


def component_series(
    components: list[Component], samples: Samples, grid: MinuteGrid
) -> list[ComponentSeries]:
    result = []
    for component in components:
        slis: dict[str, MinuteSeries] = {}
        histograms: dict[str, HistogramSeries] = {}
        for sli in component.slis:
            if sli.kind is SliKind.LATENCY:
                assert sli.histogram is not None
                histograms[sli.name] = _histogram_series(samples, sli.histogram, grid, component)
                slis[sli.name] = _latency_sli(sli, histograms[sli.name], component)
                continue
            counters = sli.counters
            assert counters is not None
            total = _increases(samples, counters.total.metric, counters.total, grid)
            if counters.good is not None:
                good = _increases(samples, counters.good.metric, counters.good, grid)
            else:
                assert counters.bad is not None
                good = total - _increases(samples, counters.bad.metric, counters.bad, grid)
            slis[sli.name] = whole_events(good, total)
        first_histogram = next(iter(histograms.values()), None)
        result.append(
            ComponentSeries(
                component=component,
                slis=slis,
                latency_histogram=first_histogram,
            )
        )
    return result


def read_component_series(
    source: OpenMetricsSource,
    components: list[Component],
    grid: MinuteGrid,
    report: ReadReport,
    *,
    strict: bool = False,
    task: TaskHandle = NO_TASK,
) -> list[ComponentSeries]:
    samples = read_samples(source, report, strict=strict, task=task)
    return series_of_samples(samples, source.origin, components, grid, report)


def series_of_samples(
    samples: Samples, origin: Origin, components: list[Component], grid: MinuteGrid, report: ReadReport
) -> list[ComponentSeries]:
    """Counters and histograms into the components' series, once the source proved usable."""
    report.used = sum(int(s.size) for s, _ in samples.series.values())
    stamps = [s for s, _ in samples.series.values() if s.size]
    seen = (min(float(s.min()) for s in stamps), max(float(s.max()) for s in stamps)) if stamps else None
    in_history = any(bool(((s >= grid.origin) & (s <= grid.end)).any()) for s in stamps)
    check_usable(report, origin, grid, None if in_history else seen, "seconds, as in OpenMetrics")
    return component_series(components, samples, grid)
