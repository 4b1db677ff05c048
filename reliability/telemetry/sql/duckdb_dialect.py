"""DuckDB, the embedded default: local (or, with httpfs, remote) Parquet and CSV globs."""

from __future__ import annotations

from collections.abc import Sequence

import pyarrow as pa

from reliability.core.latency_buckets import SUB_BUCKET_BITS
from reliability.telemetry.sql.dialect import EngineError, quoted_text
from reliability.telemetry.sql.rfc3339 import column_seconds, floored_to_micros


class DuckDbDialect:
    name = "duckdb"

    def double(self, value: float) -> str:
        return f"CAST({quoted_text(repr(float(value)))} AS DOUBLE)"

    def to_bigint(self, expression: str) -> str:
        return f"CAST({expression} AS BIGINT)"

    # TRY_CAST: text that is no number (flag, time) is a skipped row, as in the event-file reader.
    def to_double(self, expression: str) -> str:
        return f"TRY_CAST({expression} AS DOUBLE)"

    def to_boolean(self, expression: str) -> str:
        return f"TRY_CAST({expression} AS BOOLEAN)"

    def is_finite(self, expression: str) -> str:
        return f"isfinite({expression})"

    def is_nan(self, expression: str) -> str:
        return f"isnan({expression})"

    def text(self, expression: str) -> str:
        return f"CAST({expression} AS VARCHAR)"

    def bucket_index(self, micros: str) -> str:
        # floor(log2(v)) + 1 is v's bit length up to 2**40 (see latency_buckets); 0 and 1 need shift 0.
        bits = f"(CAST(floor(log2(greatest({micros}, 1))) AS BIGINT) + 1)"
        shift = f"greatest({bits} - {SUB_BUCKET_BITS + 1}, 0)"
        return f"(({shift} << {SUB_BUCKET_BITS}) + ({micros} >> {shift}))"

    def rfc3339_seconds(self, column: str) -> str:
        # A TIMESTAMP without a zone is cast in the connection's TimeZone, UTC (see run).
        text = (f"typeof({column}) = 'VARCHAR'", f"CAST({column} AS VARCHAR)")
        # Nanoseconds cut from below, as the reader cuts them, where DuckDB's cast would round them.
        nanos = floored_to_micros(f"epoch_ns(TRY_CAST({column} AS TIMESTAMP_NS))")
        micros = (
            f"CASE WHEN typeof({column}) LIKE 'TIMESTAMP%NS' THEN {nanos} // 1000 "
            f"ELSE epoch_us(TRY_CAST({column} AS TIMESTAMPTZ)) END"
        )
        stamp = (f"typeof({column}) LIKE 'TIMESTAMP%'", micros)
        return column_seconds(self, text, stamp)

    def number_in_text(self, text: str) -> str:
        return f"TRY_CAST({text} AS DOUBLE)"

    def matches(self, text: str, pattern: str) -> str:
        return f"regexp_matches({text}, {pattern})"

    def trimmed(self, text: str, characters: str) -> str:
        return f"trim({text}, {characters})"

    def checked_text_micros(self, text: str) -> str:
        # Past the shape and range checks, DuckDB's own cast refuses the same dates as Arrow's.
        return f"epoch_us(TRY_CAST({text} AS TIMESTAMPTZ))"

    def scan(self, patterns: Sequence[str], file_format: str, *, located: bool = False) -> str:
        files = "[" + ", ".join(quoted_text(p) for p in patterns) + "]"
        if file_format == "parquet":
            where = ", filename = true, file_row_number = true" if located else ""
            return f"read_parquet({files}, union_by_name = true{where})"
        where = ", filename = true" if located else ""
        # Every column read as text and cast by the query: a value of another type past the sniffer's
        # sample is a skipped row, as in the event-file reader, not a failed conversion.
        return f"read_csv({files}, header = true, union_by_name = true, all_varchar = true{where})"

    def location(self, file_format: str) -> tuple[str, str | None]:
        # read_csv has no row number (file_row_number is refused), and numbering rows by a window
        # has no order DuckDB promises, nor would a row's number be its line where a quoted field
        # spans lines: a CSV row is named by its file alone, its line unknown.
        return "filename", "file_row_number + 1" if file_format == "parquet" else None

    def run(self, sql: str) -> pa.Table:
        import duckdb  # an optional extra: imported only when a sql source uses it

        try:
            with duckdb.connect() as connection:
                # A timestamp without a zone is UTC, as in the event-file reader, whatever the machine's zone.
                connection.execute("SET TimeZone = 'UTC'")
                table: pa.Table = connection.sql(sql).to_arrow_table()
        except duckdb.Error as exc:
            raise _engine_error(exc) from None
        return table


def _engine_error(exc: Exception) -> EngineError:
    import duckdb

    message = str(exc)
    if "httpfs" in message:  # a remote path: DuckDB fetches the extension at run time
        return EngineError(
            f"{message} (remote paths need DuckDB's httpfs extension installed)", bad_input=False
        )
    return EngineError(message, bad_input=not isinstance(exc, duckdb.IOException | duckdb.HTTPException))
