"""What a SQL engine must say in its own words for the per-minute query, and how it is run."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

import pyarrow as pa


class EngineError(Exception):
    """The engine could not run a query: its own message, and whether the input is at fault (a file
    it cannot parse) or the run's surroundings are (an extension it cannot download)."""

    def __init__(self, message: str, *, bad_input: bool = True) -> None:
        super().__init__(message)
        self.bad_input = bad_input


class Dialect(Protocol):
    """Expressions in one engine's SQL, over column expressions given as SQL text."""

    name: str

    def double(self, value: float) -> str:
        """A DOUBLE literal equal to `value` to the last bit."""
        ...

    def to_bigint(self, expression: str) -> str: ...

    def to_double(self, expression: str) -> str:
        """A DOUBLE, NULL where the value is NULL."""
        ...

    def to_boolean(self, expression: str) -> str:
        """A BOOLEAN, NULL where the value is NULL."""
        ...

    def is_finite(self, expression: str) -> str:
        """True for a number that is neither NaN nor infinite."""
        ...

    def is_nan(self, expression: str) -> str: ...

    def text(self, expression: str) -> str:
        """A value as text, to compare with a component's `match`."""
        ...

    def bucket_index(self, micros: str) -> str:
        """reliability.core.latency_buckets.bucket_index of a BIGINT of whole microseconds."""
        ...

    def rfc3339_seconds(self, column: str) -> str:
        """Epoch seconds (DOUBLE, microsecond precision) of a timestamp or RFC 3339 text column, as
        convert.to_epoch_seconds reads it: a timestamp without a zone is UTC, text is checked by
        rfc3339.column_seconds, a column of any other type is invalid."""
        ...

    def number_in_text(self, text: str) -> str:
        """A DOUBLE of text, NULL where the text is no number."""
        ...

    def matches(self, text: str, pattern: str) -> str:
        """True where the RE2 pattern (an SQL string literal) is found in the text."""
        ...

    def trimmed(self, text: str, characters: str) -> str:
        """Text without the `characters` (an SQL string literal) at either end."""
        ...

    def checked_text_micros(self, text: str) -> str:
        """A BIGINT of epoch microseconds of text of convert.RFC3339's shape whose time and offset
        are in range; NULL where its date does not exist; fractions cut to microseconds."""
        ...

    def scan(self, patterns: Sequence[str], file_format: str, *, located: bool = False) -> str:
        """A FROM item reading every file matching the glob `patterns` (Parquet or CSV); `located`,
        with what `location` reads."""
        ...

    def location(self, file_format: str) -> tuple[str, str | None]:
        """(the file's path, the row's line as the event-file reader counts it) over a located
        scan: a Parquet row counted from 1, a CSV line counting the header; None for the line where
        the engine cannot tell, its rows then coming in file order."""
        ...

    def run(self, sql: str) -> pa.Table:
        """The query's answer; EngineError where the engine fails."""
        ...


def quoted_name(name: str) -> str:
    """A column name as a double-quoted identifier (both engines accept the standard form)."""
    return '"' + name.replace('"', '""') + '"'


def quoted_text(text: str) -> str:
    return "'" + text.replace("\\", "\\\\").replace("'", "''") + "'"
