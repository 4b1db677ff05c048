"""The event-file source: CSV / JSON Lines files into EventColumns, block by block."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import partial
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc

from reliability.config.model import ColumnMapping, EventSource, TimestampFormat
from reliability.core.events import FLAG_ABSENT, STATUS_ABSENT, EventColumns
from reliability.errors import InputError, Problem
from reliability.telemetry import convert, timestamps, typed_times, whole_numbers
from reliability.telemetry.blocks import DEFAULT_BLOCK_BYTES, iter_line_blocks
from reliability.telemetry.derived import component_text
from reliability.telemetry.formats import (
    ParsedBlock,
    csv_header,
    detect_format,
    parse_csv_block,
    parse_jsonl_block,
)
from reliability.telemetry.group_routing import Admit, GroupBy, component_codes, group_columns
from reliability.telemetry.log_lines import LINE_COLUMN, check_pattern, parse_log_block
from reliability.telemetry.parquet_files import read_parquet_blocks
from reliability.telemetry.prefetch import prefetched
from reliability.telemetry.progress import NO_TASK, TaskHandle
from reliability.telemetry.report import ReadReport, SkippedExample

Bool = npt.NDArray[np.bool_]
_LATENCY_UNITS = {"s": 1.0, "ms": 1e-3, "us": 1e-6}
# Read from JSON as text: Arrow would infer timestamps from them and drop the offset or the zone.
_TEXT_TIMES = (TimestampFormat.RFC3339, TimestampFormat.ISO8601, TimestampFormat.STRPTIME)


def wanted_columns(mapping: ColumnMapping, source: EventSource, extra: tuple[str, ...] = ()) -> list[str]:
    names = [mapping.timestamp, mapping.component, mapping.status, mapping.success, mapping.error, *extra]
    if mapping.latency:
        names += [mapping.latency.column, mapping.latency.start, mapping.latency.end]
    if source.row_filter:
        names.append(source.row_filter.column)
    return list(dict.fromkeys(n for n in names if n))


def timestamp_columns(mapping: ColumnMapping) -> tuple[str, ...]:
    latency = mapping.latency
    ends = (latency.start, latency.end) if latency and not latency.column else ()
    return tuple(dict.fromkeys(n for n in (mapping.timestamp, *ends) if n))


def bytes_on_disk(source: EventSource) -> int:
    """What reading the source's files takes from disk: the total its progress counts to."""
    return sum(path.stat().st_size for path in source.paths)


def read_events(
    source: EventSource,
    match_values: list[str],
    report: ReadReport,
    *,
    strict: bool = False,
    block_bytes: int = DEFAULT_BLOCK_BYTES,
    task: TaskHandle = NO_TASK,
    group_bys: tuple[GroupBy, ...] = (),
    admit: Callable[[ParsedBlock, GroupBy, pa.Array], None] | None = None,
) -> Iterator[EventColumns]:
    """Every file of the source, as chunks of valid events; the rest is counted in `report`.

    `match_values[i]` is the reading key of component code i (group_routing.reading_key): the
    component-column value, joined with the group values under one of `group_bys` for a grouped
    component. `task` advances by the bytes read from disk, out of bytes_on_disk(source).
    `admit` is shown each block's reading keys under each grouping before they are looked up: it
    may add the keys of groups first seen there to `match_values`.
    """
    for path in source.paths:
        report.files.setdefault(str(path), 0)
        # Blocks are checked in the reading thread too: one is folded while the next is read and checked.
        yield from prefetched(
            _file_events(path, source, match_values, report, strict, block_bytes, task, group_bys, admit)
        )


def _file_events(
    path: Path,
    source: EventSource,
    match_values: list[str],
    report: ReadReport,
    strict: bool,
    block_bytes: int,
    task: TaskHandle,
    group_bys: tuple[GroupBy, ...],
    admit: Callable[[ParsedBlock, GroupBy, pa.Array], None] | None,
) -> Iterator[EventColumns]:
    """One file's chunks of valid events; its records read and skipped are counted in `report` here."""
    for parsed in _parsed_blocks(path, source, block_bytes, task, group_columns(group_bys)):
        report.files[str(path)] += parsed.records + len(parsed.unparsable)
        normaliser = _BlockNormaliser(source, match_values, path, parsed, report, strict, group_bys, admit)
        events = normaliser.run()
        if len(events):
            yield events


def parsed_blocks(
    path: Path, source: EventSource, extra: tuple[str, ...] = (), block_bytes: int = DEFAULT_BLOCK_BYTES
) -> Iterator[ParsedBlock]:
    """The file's records as parsed blocks, with the `extra` columns too (group keys)."""
    return _parsed_blocks(path, source, block_bytes, NO_TASK, extra)


def _parsed_blocks(
    path: Path, source: EventSource, block_bytes: int, task: TaskHandle, extra: tuple[str, ...] = ()
) -> Iterator[ParsedBlock]:
    """The file's records as parsed blocks, in the format declared or told by its name."""
    fmt = detect_format(path, source.format)
    if fmt == "parquet":
        yield from read_parquet_blocks(path, source, on_read=task.advance, extra_text=extra)
        return
    wanted = wanted_columns(source.columns, source, extra)
    if fmt == "csv":
        header = csv_header(path, wanted)
        blocks = iter_line_blocks(path, skip_lines=1, block_bytes=block_bytes, on_read=task.advance)
        if header is None:  # an empty file (e.g. just rotated): no blocks, but its bytes count as read
            for _ in blocks:
                pass
            return
        for block in blocks:
            yield parse_csv_block(block, header, wanted)
        return
    if fmt == "log":
        assert source.line_pattern is not None  # the config requires one for format: log
        check_pattern(source.line_pattern, source.origin.file, source.origin.line)
        for block in iter_line_blocks(path, block_bytes=block_bytes, on_read=task.advance):
            yield parse_log_block(block, source.line_pattern, wanted)
        return
    text = timestamp_columns(source.columns) if source.columns.timestamp_format in _TEXT_TIMES else ()
    for block in iter_line_blocks(path, block_bytes=block_bytes, on_read=task.advance):
        yield parse_jsonl_block(block, wanted, text)


@dataclass
class _BlockNormaliser:
    source: EventSource
    match_values: list[str]
    path: Path
    parsed: ParsedBlock
    report: ReadReport
    strict: bool
    group_bys: tuple[GroupBy, ...] = ()
    admit: Callable[[ParsedBlock, GroupBy, pa.Array], None] | None = None
    first_bad: SkippedExample | None = None  # with strict: the earliest bad record of the block

    def run(self) -> EventColumns:
        for line, reason in self.parsed.unparsable:
            self._reject_one(line, "malformed record", "", reason)
        rows = self.parsed.table.num_rows
        self.keep: Bool = np.ones(rows, dtype=bool)
        mapping = self.source.columns
        if LINE_COLUMN in self.parsed.table.column_names:
            unmatched = ~convert.missing(self._column(LINE_COLUMN))
            self._reject(unmatched, "line does not match the pattern", "", shown=LINE_COLUMN)
        if self.source.row_filter:
            text = convert.to_text(self._column(self.source.row_filter.column))
            passes = pc.fill_null(pc.is_in(text, pa.array(self.source.row_filter.values)), False)
            outside = self.keep & ~passes.to_numpy(zero_copy_only=False)
            self.report.filtered_out += int(outside.sum())
            self.keep &= ~outside
        component = np.zeros(rows, dtype=np.int32)
        if mapping.component:
            names = self._column(mapping.component)
            if mapping.component_pattern:
                names = component_text(names, mapping.component_pattern)
            component = component_codes(names, self.group_bys, self._column, self.match_values, self._admit())
            self._reject(component < 0, "unknown component", mapping.component)
        elif self.group_bys:
            names = pa.repeat(pa.scalar("", pa.string()), rows)
            component = component_codes(names, self.group_bys, self._column, self.match_values, self._admit())
            self._reject(component < 0, "no group value", self.group_bys[0][0].column)
        stamps = self._column(mapping.timestamp)
        ts = timestamps.epoch_seconds(stamps, mapping)
        self._reject(ts.missing, "missing timestamp", mapping.timestamp)
        unusable = ts.invalid if whole_numbers.is_integer(stamps) else ts.invalid | ~np.isfinite(ts.values)
        self._reject(unusable, "invalid timestamp", mapping.timestamp)
        status = self._status(rows)
        success = np.full(rows, FLAG_ABSENT, dtype=np.int8)
        flag_column = mapping.success or mapping.error
        if flag_column:
            flag = convert.to_flag(self._column(flag_column))
            self._reject(flag.missing, "missing success flag", flag_column)
            self._reject(flag.invalid, "invalid success flag", flag_column)
            good = flag.values == 1.0 if mapping.success else flag.values == 0.0
            success = np.where(np.isnan(flag.values), FLAG_ABSENT, good).astype(np.int8)
        latency = self._latency(rows)
        if self.first_bad is not None:
            self._raise_strict(self.first_bad)
        if self.keep.all():  # the common case: no copies
            return EventColumns(ts.values, component, status, success, latency)
        keep = self.keep
        return EventColumns(ts.values[keep], component[keep], status[keep], success[keep], latency[keep])

    def _status(self, rows: int) -> npt.NDArray[np.int32]:
        name = self.source.columns.status
        if not name:
            return np.full(rows, STATUS_ABSENT, dtype=np.int32)
        column = self._column(name)
        whole = whole_numbers.integers(column)
        if whole is not None:  # no parse, no fraction: only the range is checked
            self._reject(convert.missing(column), "missing status", name)
            status, outside = whole_numbers.status_codes(whole)
            self._reject(outside, "invalid status", name)
            return status
        raw = convert.to_float(column)
        self._reject(raw.missing, "missing status", name)
        usable = np.isfinite(raw.values) & (raw.values == np.round(raw.values))
        in_range = usable & (raw.values >= 100) & (raw.values <= 999)
        self._reject(~in_range, "invalid status", name)
        return np.where(in_range, raw.values, STATUS_ABSENT).astype(np.int32)

    def _admit(self) -> Admit | None:
        return None if self.admit is None else partial(self.admit, self.parsed)

    def _latency(self, rows: int) -> npt.NDArray[np.float64]:
        spec = self.source.columns.latency
        if spec is None:
            return np.full(rows, np.nan)
        if spec.column:
            column = self._column(spec.column)
            raw = convert.to_float(column)
            field = spec.column
            self._reject(raw.invalid, "invalid latency", field)
            if not whole_numbers.is_integer(column):  # an integer is never NaN
                self._reject(~raw.missing & ~raw.invalid & np.isnan(raw.values), "NaN latency", field)
            values = convert.multiplied(raw.values, _LATENCY_UNITS[spec.unit])
        else:
            assert spec.start and spec.end
            mapping = self.source.columns
            start = timestamps.epoch_nanos(self._column(spec.start), mapping)
            end = timestamps.epoch_nanos(self._column(spec.end), mapping)
            field = spec.start if start.invalid.any() else spec.end
            self._reject(start.invalid | end.invalid, "invalid latency", field)
            absent = start.missing | end.missing
            # In integers, then divided once: a 77 ms span is 0.077 s, the double nearest it.
            values = np.where(absent, np.nan, (end.values - start.values) / 1e9)
        self._reject(values < 0, "negative latency", spec.column or spec.end or "")
        self._reject(np.isinf(values), "invalid latency", spec.column or spec.end or "")
        return values

    def _column(self, name: str) -> pa.Array:
        table = self.parsed.table
        if name not in table.column_names:
            return pa.nulls(table.num_rows, pa.string())
        column = table.column(name)
        return column.chunk(0) if column.num_chunks == 1 else column.combine_chunks()  # one chunk: no copy

    def _reject(self, failed: Bool, reason: str, field: str, *, shown: str | None = None) -> None:
        """Skip the kept rows that `failed`; examples show `shown`'s values (default: the field's)."""
        if not failed.any():  # the common case, found without building the mask below
            return
        bad = self.keep & failed
        count = int(bad.sum())
        if not count:
            return
        self.keep &= ~bad
        indexes = np.flatnonzero(bad)[: 5 if not self.strict else 1]
        column = self._column(shown or field) if shown or field else None
        examples = [
            SkippedExample(
                str(self.path),
                self.parsed.line(int(i)),
                reason,
                field,
                "" if column is None else _shown(column, int(i)),
            )
            for i in indexes
        ]
        self._record(reason, count, examples)

    def _reject_one(self, line: int, reason: str, field: str, detail: str) -> None:
        self._record(reason, 1, [SkippedExample(str(self.path), line, reason, field, detail)])

    def _record(self, reason: str, count: int, examples: list[SkippedExample]) -> None:
        if self.strict:
            # The checks go column by column, so report the earliest line once all have run.
            if self.first_bad is None or (examples[0].line or 0) < (self.first_bad.line or 0):
                self.first_bad = examples[0]
            return
        self.report.skip(reason, count, examples)

    @staticmethod
    def _raise_strict(first: SkippedExample) -> None:
        problem = Problem(
            first.file,
            f"{first.reason} ({first.value!r})" if first.value else first.reason,
            first.line,
            first.field or None,
        )
        raise InputError(f"bad record: {problem} (--strict stops at the first bad record)", [problem])


def _shown(column: pa.Array, row: int) -> str:
    """A value as an example shows it; an absent one must not read like the text "None"."""
    value = column[row]
    if not value.is_valid:
        return "(empty)"
    if pa.types.is_timestamp(column.type):  # Python's datetime holds neither nanoseconds nor NaT
        return typed_times.shown(column.slice(row, 1))
    return str(value.as_py())
