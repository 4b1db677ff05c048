"""Each local file's mapped columns, checked before the engine reads it.

DuckDB's union_by_name reads a file that lacks a mapped column as NULLs (its rows then counted as
if the value were missing), and chDB fails with an error naming neither file nor column; the
event-file reader refuses such a file by name and column, and so does this check. Only the
header of a CSV and the footer of a Parquet file are read.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from reliability.config.event_checks import mapped_columns
from reliability.config.model import ColumnMapping
from reliability.errors import InputError, Problem
from reliability.telemetry.formats import csv_header


def check_file_columns(paths: Sequence[Path], file_format: str, columns: ColumnMapping) -> None:
    """InputError naming the first file that lacks a mapped column, and the column."""
    wanted = list(dict.fromkeys(mapped_columns(columns).values()))
    for path in paths:
        if file_format == "csv":
            if csv_header(path, wanted) is None:  # the engines cannot read a CSV without a header
                raise _failed(
                    path,
                    "the file is empty: no header to read (a `type: events` source reads it as no records)",
                )
        else:
            _check_parquet(path, wanted)


def _check_parquet(path: Path, wanted: list[str]) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq  # only a Parquet source pays for its import

    try:
        names = pq.read_schema(path).names
    except (OSError, pa.ArrowException) as exc:
        raise _failed(path, f"cannot read it as Parquet: {exc}") from None
    missing = [name for name in wanted if name not in names]
    if missing:
        has = ", ".join(names) or "no columns"
        raise _failed(
            path, f"missing column(s) {', '.join(map(repr, missing))}; the file has {has}", missing[0]
        )


def _failed(path: Path, message: str, column: str | None = None) -> InputError:
    problem = Problem(str(path), message, None, column)
    return InputError(str(problem), [problem])
