"""The OpenMetrics file source: timestamped counter and histogram samples into per-minute series.

Files are parsed as columns with Arrow, keeping line numbers for errors
(prometheus-client's parser rejects histograms whose samples carry timestamps, which
is how backfill files hold them). Each matching series becomes per-minute increases
(reliability.core.counters); an availability SLI sums its total and good (or bad)
counters, a latency SLI reads its histogram's `le` buckets: exactly at a bucket
boundary, or interpolated within a bucket when the SLI allows it (an estimate).
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pcsv

from reliability.config.model import Component, OpenMetricsSource, Selector, Sli, SliKind
from reliability.core.accumulate import ComponentSeries, HistogramSeries, LatencySamples
from reliability.core.counters import minute_increases
from reliability.core.counts import MinuteSeries
from reliability.core.grid import MinuteGrid
from reliability.core.histogram import Histogram, ThresholdNotABoundary, fraction_at_most
from reliability.errors import InputError, Problem
from reliability.telemetry import convert
from reliability.telemetry.blocks import LineBlock, iter_line_blocks
from reliability.telemetry.progress import NO_TASK, TaskHandle
from reliability.telemetry.report import ReadReport, SkippedExample

Float64 = npt.NDArray[np.float64]
SeriesKey = tuple[str, tuple[tuple[str, str], ...]]


@dataclass
class Samples:
    """Every timestamped sample of a source, by series (name and labels)."""

    series: dict[SeriesKey, tuple[Float64, Float64]]

    def matching(self, name: str, selector: Selector) -> list[tuple[dict[str, str], Float64, Float64]]:
        patterns = [(label, re.compile(value)) for label, value in selector.labels]
        found = []
        for (series_name, labels), (stamps, values) in self.series.items():
            if series_name != name:
                continue
            as_dict = dict(labels)
            if all(p.fullmatch(as_dict.get(label, "")) for label, p in patterns):
                found.append((as_dict, stamps, values))
        return found


# name{labels} value [timestamp] [# exemplar]; a label value may hold escaped quotes and braces.
_SAMPLE = (
    r'^(?P<name>[a-zA-Z_:][a-zA-Z0-9_:]*)(?P<labels>\{(?:[^"}]|"(?:[^"\\]|\\.)*")*\})?'
    r"[ \t]+(?P<value>\S+)(?:[ \t]+(?P<timestamp>[^#\s]\S*))?(?:[ \t]+#.*)?[ \t]*$"
)
_LABEL = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"')


def _labels(text: str) -> tuple[tuple[str, str], ...]:
    unescape = {"\\\\": "\\", '\\"': '"', "\\n": "\n"}
    pairs = ((k, re.sub(r"\\[\\\"n]", lambda m: unescape[m.group(0)], v)) for k, v in _LABEL.findall(text))
    return tuple(sorted(pairs))


def _parse_block(block: LineBlock) -> tuple[pa.Table, np.ndarray]:
    """One column per block: the line's text, and its line number. Comments and metadata dropped."""
    lines = block.record_lines(whitespace_is_blank=False)
    texts = pcsv.read_csv(
        io.BytesIO(block.data),
        read_options=pcsv.ReadOptions(column_names=["line"], use_threads=False),
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
    keys: list[pa.Array] = []
    stamps: list[np.ndarray] = []
    values: list[np.ndarray] = []
    for path in source.paths:
        report.files[str(path)] = 0
        for block in iter_line_blocks(path):
            table, lines = _parse_block(block)
            report.files[str(path)] += table.num_rows
            parts = pc.extract_regex(table.column("line").combine_chunks(), _SAMPLE)
            value = convert.to_float(parts.field("value"))
            stamp = convert.to_float(
                pc.if_else(pc.equal(parts.field("timestamp"), ""), None, parts.field("timestamp"))
            )
            shapeless = np.asarray(parts.is_null())
            reasons = [
                (shapeless, "malformed sample", parts.field("name")),
                (value.invalid | value.missing, "invalid sample value", parts.field("value")),
                (stamp.missing, "sample without timestamp", parts.field("name")),
                (stamp.invalid, "invalid timestamp", parts.field("timestamp")),
            ]
            bad = np.zeros(len(lines), dtype=bool)
            found: list[SkippedExample] = []
            for failed, reason, column in reasons:
                failed = failed & ~bad
                if failed.any():
                    rows = np.flatnonzero(failed)
                    shown = table.column("line") if reason == "malformed sample" else column
                    examples = [
                        SkippedExample(str(path), int(lines[i]), reason, "", str(shown[int(i)].as_py()))
                        for i in rows[:5]
                    ]
                    found.extend(examples)
                    if not strict:
                        report.skip(reason, int(failed.sum()), examples)
                    bad |= failed
            if strict and found:
                first = min(found, key=lambda e: e.line)
                problem = Problem(first.file, f"{first.reason}: {first.value}", first.line)
                raise InputError(f"bad record: {problem} (--strict stops at the first bad record)", [problem])
            good = ~bad
            names = pc.fill_null(parts.field("name"), "").filter(pa.array(good))
            label_text = pc.fill_null(parts.field("labels"), "").filter(pa.array(good))
            keys.append(pc.binary_join_element_wise(names, label_text, "\t"))
            stamps.append(stamp.values[good])
            values.append(value.values[good])
        task.advance()
    if not keys:
        return Samples({})
    encoded = pa.chunked_array(keys).combine_chunks().dictionary_encode()
    codes = np.asarray(encoded.indices)
    all_stamps, all_values = np.concatenate(stamps), np.concatenate(values)
    order = np.argsort(codes, kind="stable")
    bounds = np.searchsorted(codes[order], np.arange(len(encoded.dictionary) + 1))
    series: dict[SeriesKey, tuple[Float64, Float64]] = {}
    for code, key in enumerate(encoded.dictionary.to_pylist()):  # one entry per series, not per sample
        name, _, label_text = key.partition("\t")
        rows = order[bounds[code] : bounds[code + 1]]
        series[name, _labels(label_text)] = (all_stamps[rows], all_values[rows])
    return Samples(series)


def _increases(samples: Samples, name: str, selector: Selector, grid: MinuteGrid) -> Float64:
    total = np.zeros(grid.minutes)
    for _, stamps, values in samples.matching(name, selector):
        total += minute_increases(stamps, values, grid)
    return total


def _counts(values: Float64) -> npt.NDArray[np.int64]:
    return np.rint(np.maximum(values, 0)).astype(np.int64)


def _histogram_series(samples: Samples, selector: Selector, grid: MinuteGrid) -> HistogramSeries:
    by_bound: dict[float, Float64] = {}
    for labels, stamps, values in samples.matching(f"{selector.metric}_bucket", selector):
        bound = float(labels.get("le", "nan"))
        by_bound[bound] = by_bound.get(bound, np.zeros(grid.minutes)) + minute_increases(stamps, values, grid)
    if not by_bound or np.inf not in by_bound:
        raise InputError(f'no buckets (with le="+Inf") match histogram {selector.describe()}')
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
    return MinuteSeries(_counts(good), _counts(histogram.buckets[:, -1]))


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
                histograms[sli.name] = _histogram_series(samples, sli.histogram, grid)
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
            slis[sli.name] = MinuteSeries(_counts(np.minimum(good, total)), _counts(total))
        first_histogram = next(iter(histograms.values()), None)
        result.append(
            ComponentSeries(
                component=component,
                slis=slis,
                latency=LatencySamples(np.zeros(0, np.int32), np.zeros(0)),
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
    report.used = sum(int(s.size) for s, _ in samples.series.values())
    return component_series(components, samples, grid)
