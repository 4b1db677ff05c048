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

from reliability.errors import InputError, Problem
from reliability.telemetry.blocks import LineBlock, read_first_line


@dataclass(frozen=True)
class ParsedBlock:
    table: pa.Table  # the wanted columns that exist; types as the format gives them
    lines: npt.NDArray[np.int64]  # line number of each row
    unparsable: list[tuple[int, str]]  # (line, reason) of records that could not be parsed


def detect_format(path: Path, declared: str | None) -> str:
    if declared:
        return declared
    suffixes = [s.lower() for s in path.suffixes if s.lower() not in {".gz", ".bz2", ".zst", ".lz4"}]
    if suffixes and suffixes[-1] in {".jsonl", ".ndjson", ".json"}:
        return "jsonl"
    if suffixes and suffixes[-1] in {".csv", ".txt"}:
        return "csv"
    raise InputError(f"{path}: cannot tell the format from the name; set `format: csv` or `jsonl`")


def csv_header(path: Path, wanted: list[str]) -> list[str]:
    """The header's column names; InputError naming any wanted column that is missing."""
    first = read_first_line(path).decode("utf-8", errors="replace")
    names = next(csv.reader([first]), [])
    missing = [w for w in wanted if w not in names]
    if missing:
        problem = Problem(
            str(path),
            f"missing column(s) {', '.join(map(repr, missing))}; "
            f"the header has {', '.join(names) or 'no columns'}",
            1,
            missing[0],
        )
        raise InputError(str(problem), [problem])
    return names


def parse_csv_block(block: LineBlock, header: list[str], wanted: list[str]) -> ParsedBlock:
    lines = block.record_lines(whitespace_is_blank=False)
    bad_rows: list[tuple[int, str]] = []

    def on_invalid(row: Any) -> str:
        line = int(lines[row.number - 1]) if row.number is not None else block.first_line
        bad_rows.append((line, f"expected {row.expected_columns} fields, found {row.actual_columns}"))
        return "skip"

    table = pcsv.read_csv(
        io.BytesIO(block.data),
        read_options=pcsv.ReadOptions(column_names=header, use_threads=False),
        parse_options=pcsv.ParseOptions(invalid_row_handler=on_invalid),
        convert_options=pcsv.ConvertOptions(
            include_columns=wanted,
            column_types=dict.fromkeys(wanted, pa.string()),
            strings_can_be_null=True,
            null_values=[""],
        ),
    )
    if bad_rows:
        lines = lines[~np.isin(lines, [line for line, _ in bad_rows])]
    return ParsedBlock(table, lines, bad_rows)


def parse_jsonl_block(block: LineBlock, wanted: list[str], text_columns: tuple[str, ...] = ()) -> ParsedBlock:
    """`text_columns` are read as strings, never inferred (RFC 3339 timestamps must keep their offset)."""
    lines = block.record_lines(whitespace_is_blank=True)
    options = pjson.ParseOptions(explicit_schema=pa.schema([(c, pa.string()) for c in text_columns]))
    try:
        table = pjson.read_json(io.BytesIO(block.data), parse_options=options)
    except pa.ArrowInvalid:
        return _parse_jsonl_slowly(block, lines, wanted)
    if table.num_rows != len(lines):  # e.g. two objects on one line: rows no longer match lines
        return _parse_jsonl_slowly(block, lines, wanted)
    present = [w for w in wanted if w in table.column_names]
    return ParsedBlock(table.select(present), lines, [])


def _parse_jsonl_slowly(block: LineBlock, lines: npt.NDArray[np.int64], wanted: list[str]) -> ParsedBlock:
    """Fallback for a block Arrow rejects (a broken line, or a field whose type varies).

    Only such blocks pay for per-line parsing; values become text and are
    converted by the same column rules as everywhere else.
    """
    texts = block.data.split(b"\n")
    columns: dict[str, list[str | None]] = {w: [] for w in wanted}
    kept: list[int] = []
    bad: list[tuple[int, str]] = []
    for line in lines.tolist():
        raw = texts[line - block.first_line]
        try:
            record = json.loads(raw)
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            bad.append((line, f"invalid JSON: {exc.msg if hasattr(exc, 'msg') else exc}"))
            continue
        if not isinstance(record, dict):
            bad.append((line, "not a JSON object"))
            continue
        kept.append(line)
        for name in wanted:
            columns[name].append(_json_text(record.get(name)))
    present = [w for w in wanted if any(v is not None for v in columns[w])]
    table = pa.table({w: pa.array(columns[w], pa.string()) for w in present})
    return ParsedBlock(table, np.array(kept, dtype=np.int64), bad)


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
