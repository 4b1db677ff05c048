"""CSV and JSON Lines blocks into Arrow tables, keeping each row's line number."""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.csv as pcsv
import pyarrow.json as pjson

from reliability.errors import InputError, Problem, printable
from reliability.telemetry.blocks import (
    ARROW_BLOCK_BYTES,
    LineBlock,
    blank_lines,
    line_bounds,
    read_first_line,
)
from reliability.telemetry.field_paths import nested_column, text_schema, value_at

CSV_CHUNK_BYTES = ARROW_BLOCK_BYTES  # a block parses as several such chunks, one per core at a time
MAX_JSON_DEPTH = 64  # deeper records are skipped: Arrow's JSON reader overflows its stack near 20,000


@dataclass(frozen=True)
class ParsedBlock:
    table: pa.Table  # the wanted columns that exist; types as the format gives them
    lines: npt.NDArray[np.int64] | None  # line number of each row; None: numbered on from first_line
    unparsable: list[tuple[int, str]]  # (line, reason) of records that could not be parsed
    # Rows numbered in order (Parquet) need no array: only a bad record's number is ever asked.
    first_line: int = 1

    @property
    def records(self) -> int:
        """The records parsed into the table."""
        return self.table.num_rows if self.lines is None else len(self.lines)

    def line(self, row: int) -> int:
        """The line (in Parquet, the row of the file) that the table's `row` was read from."""
        return self.first_line + row if self.lines is None else int(self.lines[row])


def detect_format(path: Path, declared: str | None) -> str:
    if declared:
        return declared
    suffixes = [s.lower() for s in path.suffixes if s.lower() not in {".gz", ".bz2", ".zst", ".lz4"}]
    if suffixes and suffixes[-1] in {".jsonl", ".ndjson", ".json"}:
        return "jsonl"
    if suffixes and suffixes[-1] in {".csv", ".txt"}:
        return "csv"
    if suffixes and suffixes[-1] in {".parquet", ".pq"}:
        return "parquet"
    raise InputError(f"{path}: cannot tell the format from the name; set `format: csv`, `jsonl` or `parquet`")


def csv_header(path: Path, wanted: list[str]) -> list[str] | None:
    """The header's column names; InputError naming any wanted column that is missing.

    None for an empty file: it holds no records, and so lacks no column.
    """
    raw = read_first_line(path)
    if raw is None:
        return None
    first = raw.decode("utf-8")  # read_first_line refuses a header that is not UTF-8
    names = next(csv.reader([first]), [])
    repeated = [w for w in wanted if names.count(w) > 1]
    if repeated:
        problem = Problem(
            str(path),
            f"column {repeated[0]!r} appears {names.count(repeated[0])} times in the header",
            1,
            repeated[0],
        )
        raise InputError(str(problem), [problem])
    missing = [w for w in wanted if w not in names]
    if missing:
        problem = Problem(
            str(path),
            f"missing column(s) {', '.join(map(repr, missing))}; "
            f"the header has {printable(', '.join(names)) or 'no columns'}",
            1,
            missing[0],
        )
        raise InputError(str(problem), [problem])
    return names


def parse_csv_block(block: LineBlock, header: list[str], wanted: list[str]) -> ParsedBlock:
    """Arrow parses the block on every core; a block with a row of the wrong width is parsed again
    on one, since only then does Arrow know each row's number (such blocks are rare)."""
    block = _without_open_quotes(block)
    lines = block.record_lines(whitespace_is_blank=False)
    in_parallel = _read_csv_block(block, lines, header, wanted, use_threads=True)
    if in_parallel is not None:
        return in_parallel
    in_order = _read_csv_block(block, lines, header, wanted, use_threads=False)
    assert in_order is not None  # parsing on one thread, Arrow knows every row's number
    return in_order


def _read_csv_block(
    block: LineBlock, lines: npt.NDArray[np.int64], header: list[str], wanted: list[str], *, use_threads: bool
) -> ParsedBlock | None:
    """None when a row has the wrong width and Arrow, parsing in parallel, cannot say which row."""
    bad_rows: list[tuple[int, str]] = list(block.dropped)
    row_unknown = False

    def on_invalid(row: Any) -> str:
        nonlocal row_unknown
        if row.number is None and use_threads:
            row_unknown = True
            return "skip"
        line = int(lines[row.number - 1]) if row.number is not None else block.first_line
        bad_rows.append((line, f"expected {row.expected_columns} fields, found {row.actual_columns}"))
        return "skip"

    table = pcsv.read_csv(
        pa.py_buffer(block.data),
        read_options=pcsv.ReadOptions(
            column_names=header, use_threads=use_threads, block_size=CSV_CHUNK_BYTES
        ),
        parse_options=pcsv.ParseOptions(invalid_row_handler=on_invalid),
        convert_options=pcsv.ConvertOptions(
            include_columns=wanted,
            column_types=dict.fromkeys(wanted, pa.string()),
            strings_can_be_null=True,
            null_values=[""],
        ),
    )
    if row_unknown:
        return None
    if len(bad_rows) > len(block.dropped):
        lines = lines[~np.isin(lines, [line for line, _ in bad_rows])]
    return ParsedBlock(table, lines, sorted(bad_rows))


def parse_jsonl_block(block: LineBlock, wanted: list[str], text_columns: tuple[str, ...] = ()) -> ParsedBlock:
    """`text_columns` are read as strings, never inferred (RFC 3339 timestamps must keep their offset)."""
    block = _without_deep_records(block)
    lines = block.record_lines(whitespace_is_blank=True)
    options = pjson.ParseOptions(explicit_schema=text_schema(text_columns))
    try:
        table = pjson.read_json(
            io.BytesIO(block.data),
            read_options=pjson.ReadOptions(use_threads=False, block_size=ARROW_BLOCK_BYTES),
            parse_options=options,
        )
    except pa.ArrowInvalid:
        return _parse_jsonl_slowly(block, lines, wanted)
    if table.num_rows != len(lines):  # e.g. two objects on one line: rows no longer match lines
        return _parse_jsonl_slowly(block, lines, wanted)
    table = _with_nested_fields(table, wanted)
    present = [w for w in wanted if w in table.column_names]
    if any(pa.types.is_nested(table.schema.field(w).type) for w in present):
        return _parse_jsonl_slowly(block, lines, wanted)  # an object or a list where a value belongs
    return ParsedBlock(table.select(present), lines, list(block.dropped))


def _with_nested_fields(table: pa.Table, wanted: list[str]) -> pa.Table:
    """The table plus a column, named by its path, for each wanted field nested in an object."""
    for name in wanted:
        written = table.column(name) if name in table.column_names else None
        if written is not None and written.null_count < len(written):
            continue  # a key spelled with dots, as written: not a path
        nested = nested_column(table, name)
        if nested is None:
            continue
        if written is None:
            table = table.append_column(name, nested)
        else:  # declared as text by the explicit schema but absent from every record
            table = table.set_column(table.column_names.index(name), name, nested)
    return table


def _without_open_quotes(block: LineBlock) -> LineBlock:
    """The block with lines holding an odd number of quotes blanked and added to `dropped`: the quote
    would run into the next line, and records do not span lines."""
    if b'"' not in block.data:  # the common case: a search at memory speed
        return block
    raw = np.frombuffer(block.data, dtype=np.uint8)
    ends, _ = line_bounds(block.data)
    odd = np.flatnonzero(_per_line(raw == 34, ends) % 2)
    return _dropping(block, {int(i): "a quoted field is not closed on its line" for i in odd})


def _per_line(found: npt.NDArray[np.bool_], ends: npt.NDArray[np.intp]) -> npt.NDArray[np.int64]:
    """How many bytes of each line are `found`; costs in proportion to those bytes, not to the block."""
    return np.bincount(np.searchsorted(ends, np.flatnonzero(found)), minlength=len(ends))[: len(ends)]


def _dropping(block: LineBlock, why: dict[int, str]) -> LineBlock:
    """The block with the lines at the indexes in `why` blanked and added to `dropped`."""
    if not why:
        return block
    data, dropped = blank_lines(block.data, block.first_line, why)
    return LineBlock(data, block.first_line, tuple(sorted([*block.dropped, *dropped])))


def _without_deep_records(block: LineBlock) -> LineBlock:
    """The block with records nested deeper than MAX_JSON_DEPTH blanked and added to `dropped`."""
    raw = np.frombuffer(block.data, dtype=np.uint8)
    ends, starts = line_bounds(block.data)
    opening = _per_line((raw == 91) | (raw == 123), ends)
    suspects = np.flatnonzero(opening > MAX_JSON_DEPTH)  # a cheap bound first
    why = {
        int(i): f"nested deeper than {MAX_JSON_DEPTH} levels"
        for i in suspects
        if _json_depth(block.data[starts[i] : ends[i]]) > MAX_JSON_DEPTH
    }
    return _dropping(block, why)


def _json_depth(text: bytes) -> int:
    """How deep brackets nest in one JSON text, brackets inside strings not counted."""
    depth = deepest = 0
    in_string = escaped = False
    for byte in text:
        if in_string:
            if escaped:
                escaped = False
            elif byte == 92:  # backslash
                escaped = True
            elif byte == 34:  # quote
                in_string = False
        elif byte == 34:
            in_string = True
        elif byte in (91, 123):
            depth += 1
            deepest = max(deepest, depth)
        elif byte in (93, 125):
            depth -= 1
    return deepest


def _parse_jsonl_slowly(block: LineBlock, lines: npt.NDArray[np.int64], wanted: list[str]) -> ParsedBlock:
    """Fallback for a block Arrow rejects (a broken line, or a field whose type varies).

    Only such blocks pay for per-line parsing; values become text and are
    converted by the same column rules as everywhere else.
    """
    texts = block.data.split(b"\n")
    columns: dict[str, list[str | None]] = {w: [] for w in wanted}
    kept: list[int] = []
    bad: list[tuple[int, str]] = list(block.dropped)
    for line in lines.tolist():
        raw = texts[line - block.first_line]
        try:
            record = json.loads(raw)
        except (json.JSONDecodeError, UnicodeDecodeError, RecursionError) as exc:
            bad.append((line, f"invalid JSON: {exc.msg if isinstance(exc, json.JSONDecodeError) else exc}"))
            continue
        if not isinstance(record, dict):
            bad.append((line, "not a JSON object"))
            continue
        kept.append(line)
        for name in wanted:
            columns[name].append(_json_text(value_at(record, name)))
    present = [w for w in wanted if any(v is not None for v in columns[w])]
    table = pa.table({w: pa.array(columns[w], pa.string()) for w in present})
    return ParsedBlock(table, np.array(kept, dtype=np.int64), sorted(bad))


def _json_text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return value
    if isinstance(value, float) and value.is_integer():
        return str(int(value))  # 3.0 reads as "3", as the fast path's to_text gives it
    return json.dumps(value)
