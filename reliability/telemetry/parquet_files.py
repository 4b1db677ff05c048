"""Parquet event files into the same parsed blocks as CSV and JSON Lines, batch by batch.

A Parquet column has one type for the whole file, so a column whose type cannot hold what the
mapping reads from it (a list where a status belongs, a number where RFC 3339 text belongs) is an
InputError naming the file and the field; values then go through the same checks as text formats,
and a bad one is skipped and counted with its row (1-based, across the file) in place of a line.
Memory stays within a batch of rows and the row group being decoded, whatever the file size.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING

import pyarrow as pa

from reliability.config.model import EventSource
from reliability.errors import InputError, Problem
from reliability.files import regular_file_problem
from reliability.telemetry.formats import ParsedBlock

if TYPE_CHECKING:
    import pyarrow.parquet as pq

BATCH_ROWS = 1 << 20  # rows per batch: large enough for numpy to amortise, small enough to bound memory
# The first and the last row group are read in parts this much smaller: the fold, on the other
# core, starts as soon as the first part is decoded and ends soon after the last one is.
EDGE_PARTS = 4


class Role(Enum):
    """What the mapping reads from a column, and so which Parquet types can hold it."""

    RFC3339 = "an RFC 3339 text or a timestamp"
    UNIX_TIME = "a number (unix time) or text"
    TEXT = "text, an integer or a boolean (compared as text)"
    NUMBER = "a number or text"
    FLAG = "a boolean, an integer or text"


def column_roles(source: EventSource, extra_text: tuple[str, ...] = ()) -> dict[str, Role]:
    """Each column the source reads (and the `extra_text` ones, group keys), with what it must hold."""
    mapping = source.columns
    as_text = mapping.timestamp_format.value in ("rfc3339", "iso8601", "strptime")
    time_role = Role.RFC3339 if as_text else Role.UNIX_TIME
    roles: dict[str, Role] = dict.fromkeys(extra_text, Role.TEXT)
    if source.row_filter:
        roles[source.row_filter.column] = Role.TEXT
    if mapping.component:
        roles[mapping.component] = Role.TEXT
    for name in (mapping.success, mapping.error):
        if name:
            roles[name] = Role.FLAG
    if mapping.status:
        roles[mapping.status] = Role.NUMBER
    latency = mapping.latency
    if latency and latency.column:
        roles[latency.column] = Role.NUMBER
    for name in (latency.start, latency.end) if latency else ():
        if name:
            roles[name] = time_role
    roles[mapping.timestamp] = time_role  # last: a column that is also something else is read as time
    return roles


def _is_text(kind: pa.DataType) -> bool:
    return bool(pa.types.is_string(kind) or pa.types.is_large_string(kind))


def _holds(kind: pa.DataType, role: Role) -> bool:
    if pa.types.is_dictionary(kind):
        return _holds(kind.value_type, role)
    number = pa.types.is_integer(kind) or pa.types.is_floating(kind) or pa.types.is_decimal(kind)
    if role is Role.RFC3339:
        return _is_text(kind) or pa.types.is_timestamp(kind)
    if role is Role.TEXT:
        return _is_text(kind) or pa.types.is_integer(kind) or pa.types.is_boolean(kind)
    if role is Role.FLAG:
        return _is_text(kind) or pa.types.is_integer(kind) or pa.types.is_boolean(kind)
    return _is_text(kind) or number


def _readable(column: pa.Array, role: Role) -> pa.Array:
    """The column in a type the converters take: dictionaries kept only for text (component codes)."""
    kind = column.type
    if pa.types.is_dictionary(kind) and role is not Role.TEXT:
        column, kind = column.dictionary_decode(), kind.value_type
    if pa.types.is_large_string(kind):
        return column.cast(pa.string())
    if pa.types.is_decimal(kind):
        return column.cast(pa.float64())
    return column


def _fail(path: Path, message: str, field: str | None = None, row: int | None = None) -> InputError:
    problem = Problem(str(path), message, row, field)
    return InputError(str(problem), [problem])


def _open(path: Path, text_columns: list[str]) -> pq.ParquetFile:
    import pyarrow.parquet as pq  # only runs that read Parquet pay for its import

    problem = regular_file_problem(path)  # checked first: opening a FIFO would wait for a writer
    if problem is not None:
        raise _fail(path, problem)
    try:
        return pq.ParquetFile(str(path), read_dictionary=text_columns)
    except (OSError, pa.ArrowException) as exc:
        raise _fail(path, f"cannot read it as Parquet: {exc}") from None


def _checked_schema(path: Path, schema: pa.Schema, roles: dict[str, Role]) -> None:
    missing = [name for name in roles if schema.get_field_index(name) < 0]
    if missing:
        names = ", ".join(schema.names) or "no columns"
        message = f"missing column(s) {', '.join(map(repr, missing))}; the file has {names}"
        raise _fail(path, message, missing[0])
    for name, role in roles.items():
        if schema.get_all_field_indices(name) != [schema.get_field_index(name)]:
            raise _fail(path, f"column {name!r} appears more than once", name)
        kind = schema.field(name).type
        if not _holds(kind, role):
            message = f"the column has type {kind} in every row group; it must hold {role.value}"
            raise _fail(path, message, name, 1)


def read_parquet_blocks(
    path: Path,
    source: EventSource,
    *,
    on_read: Callable[[int], None] | None = None,
    extra_text: tuple[str, ...] = (),
) -> Iterator[ParsedBlock]:
    """The file's rows as parsed blocks of about BATCH_ROWS, numbered 1.. across the file.

    Small row groups are gathered into one block: the fold costs a little per block, whatever its size.
    `on_read` is told the bytes of the file done, in proportion to its rows: by the end they add up
    to its size.
    """
    roles = column_roles(source, extra_text)
    text_columns = [name for name, role in roles.items() if role is Role.TEXT]
    parquet = _open(path, text_columns)
    with parquet:
        _checked_schema(path, parquet.schema_arrow, roles)
        progress = _RowProgress(path.stat().st_size, parquet.metadata.num_rows, on_read)
        gathered: list[pa.RecordBatch] = []
        first_row = 1
        for batch, block_rows in _batches(path, parquet, list(roles)):
            gathered.append(batch)
            if sum(b.num_rows for b in gathered) >= block_rows:
                yield _block(gathered, roles, first_row)
                first_row += sum(b.num_rows for b in gathered)
                progress.reached(first_row - 1)
                gathered = []
        if gathered:
            yield _block(gathered, roles, first_row)
        progress.reached(parquet.metadata.num_rows)


def _batches(path: Path, parquet: pq.ParquetFile, columns: list[str]) -> Iterator[tuple[pa.RecordBatch, int]]:
    """The record batches of every row group, each with the rows of a block of it (see EDGE_PARTS);
    one that cannot be decoded is an InputError saying which."""
    done = 0
    last = parquet.num_row_groups - 1
    for group in range(parquet.num_row_groups):
        rows = BATCH_ROWS // EDGE_PARTS if group in (0, last) else BATCH_ROWS
        # Decoded on this thread alone: the fold already runs on another core, and the columns' own
        # threads would mostly wait for the widest one (the timestamps) while contending with it.
        batches = parquet.iter_batches(rows, row_groups=[group], columns=columns, use_threads=False)
        while True:
            try:
                batch = next(batches, None)
            except (OSError, pa.ArrowException) as exc:
                where = f"row group {group + 1} of {parquet.num_row_groups}"
                raise _fail(path, f"cannot read {where}: {exc}", row=done + 1) from None
            if batch is None:
                break
            done += batch.num_rows
            yield batch, rows


def _block(batches: list[pa.RecordBatch], roles: dict[str, Role], first_row: int) -> ParsedBlock:
    table = pa.Table.from_batches(batches)
    columns = [_readable(_one_chunk(table.column(name)), role) for name, role in roles.items()]
    return ParsedBlock(pa.table(columns, names=list(roles)), None, [], first_line=first_row)


def _one_chunk(column: pa.ChunkedArray) -> pa.Array:
    return column.chunk(0) if column.num_chunks == 1 else column.combine_chunks()  # one chunk: no copy


class _RowProgress:
    """Tells `on_read` the bytes of the file done, in proportion to its rows done."""

    def __init__(self, size: int, rows: int, on_read: Callable[[int], None] | None) -> None:
        self._size, self._rows, self._on_read = size, rows, on_read
        self._told = 0

    def reached(self, rows_done: int) -> None:
        if self._on_read is None:
            return
        bytes_done = self._size if rows_done >= self._rows else self._size * rows_done // self._rows
        if bytes_done > self._told:
            self._on_read(bytes_done - self._told)
            self._told = bytes_done
