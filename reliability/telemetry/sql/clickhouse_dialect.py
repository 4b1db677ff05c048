"""ClickHouse: in process with chDB, or a server through clickhouse-connect.

ClickHouse has no `<<` or `>>` operators; bitShiftLeft and bitShiftRight do the same.
"""

from __future__ import annotations

from collections.abc import Sequence

import pyarrow as pa

from reliability.core.latency_buckets import SUB_BUCKET_BITS
from reliability.telemetry.sql.dialect import EngineError, quoted_text
from reliability.telemetry.sql.rfc3339 import column_seconds, counted_micros, floored_to_micros

FORMATS = {"parquet": "Parquet", "csv": "CSVWithNames"}


class ClickHouseDialect:
    """chDB (in process) runs the query; engine `clickhouse` sends the same text to a server through
    clickhouse-connect (clickhouse_server.py)."""

    name = "chdb"

    def double(self, value: float) -> str:
        return f"toFloat64({quoted_text(repr(float(value)))})"

    def to_bigint(self, expression: str) -> str:
        # NULL for a NaN: ClickHouse may compute it over rows its WHERE drops, where toInt64 would throw.
        return f"accurateCastOrNull({expression}, 'Int64')"

    def to_double(self, expression: str) -> str:
        return f"CAST({expression} AS Nullable(Float64))"

    def to_boolean(self, expression: str) -> str:
        return f"accurateCastOrNull({expression}, 'Bool')"  # text that is no flag: NULL, as skipped

    def is_finite(self, expression: str) -> str:
        return f"isFinite({expression})"

    def is_nan(self, expression: str) -> str:
        return f"isNaN({expression})"

    def text(self, expression: str) -> str:
        return f"toString({expression})"

    def bucket_index(self, micros: str) -> str:
        # floor(log2(v)) + 1 is v's bit length up to 2**40 (see latency_buckets); 0 and 1 need shift 0.
        bits = f"(toInt64(floor(log2(greatest({micros}, 1)))) + 1)"
        shift = f"greatest({bits} - {SUB_BUCKET_BITS + 1}, 0)"
        return f"(bitShiftLeft({shift}, {SUB_BUCKET_BITS}) + bitShiftRight({micros}, {shift}))"

    def rfc3339_seconds(self, column: str) -> str:
        # ClickHouse works out every branch: each reads the column only where the column has its
        # type, elsewhere a constant whose checks are worked out once, not per row.
        is_text, is_stamp = (f"toTypeName({column}) LIKE '%{kind}%'" for kind in ("String", "DateTime"))
        text = f"if({is_text}, toString({column}), '')"
        # A DateTime64 is an instant whatever its zone; the cast cannot fail for one.
        stamp = f"if({is_stamp}, {column}, NULL)"
        # Nanoseconds cut from below, as the reader cuts them, where ClickHouse cuts them toward zero.
        nanos = floored_to_micros(
            f"toUnixTimestamp64Nano(accurateCastOrNull({stamp}, 'DateTime64(9, ''UTC'')'))"
        )
        micros = (
            f"CASE WHEN toTypeName({column}) LIKE '%DateTime64(9%' THEN intDiv({nanos}, 1000) "
            f"ELSE toUnixTimestamp64Micro(accurateCastOrNull({stamp}, 'DateTime64(6, ''UTC'')')) END"
        )
        return column_seconds(self, (is_text, text), (is_stamp, micros))

    def number_in_text(self, text: str) -> str:
        return f"toFloat64OrNull({text})"

    def matches(self, text: str, pattern: str) -> str:
        return f"match({text}, {pattern})"

    def trimmed(self, text: str, characters: str) -> str:
        return f"trim(BOTH {characters} FROM {text})"

    def checked_text_micros(self, text: str) -> str:
        # ClickHouse's DateTime64 holds 1900 to 2299 only, and rolls hour 25 over: counted instead.
        return counted_micros(self, text)

    def scan(self, patterns: Sequence[str], file_format: str, *, located: bool = False) -> str:
        # `*` leaves out the virtual columns of `file`: a located scan names them.
        virtual = ", _path AS record_path, _row_number AS record_row" if located else ""
        # A CSV's columns inferred as text, cast by the query: text in a number's column after the
        # rows the inference reads is a skipped row, as in the event-file reader, not a failed parse.
        as_text = (
            " SETTINGS input_format_csv_use_best_effort_in_schema_inference = 0"
            if file_format == "csv"
            else ""
        )
        # Each read in its own subquery: ClickHouse ignores the SETTINGS of a branch of UNION ALL.
        kind = quoted_text(FORMATS[file_format])
        reads = [
            f"SELECT * FROM (SELECT *{virtual} FROM file({quoted_text(p)}, {kind}){as_text})"
            for p in patterns
        ]
        return "(" + " UNION ALL ".join(reads) + ")"

    def location(self, file_format: str) -> tuple[str, str | None]:
        first = 1 if file_format == "parquet" else 2  # a CSV's first row is on the line after its header
        return "record_path", f"(toInt64(record_row) + {first})"

    def run(self, sql: str) -> pa.Table:
        import chdb  # an optional extra: imported only when a sql source uses it

        try:
            table: pa.Table = chdb.query(sql, "ArrowTable")  # type: ignore[no-untyped-call]
        except RuntimeError as exc:  # chDB raises its server's exceptions as RuntimeError
            raise EngineError(str(exc)) from None
        return table
