"""Where a `sql` source's events are and how their columns map."""

from __future__ import annotations

from dataclasses import dataclass

from reliability.config.model import ColumnMapping, SqlSource
from reliability.config.sql_sources import table_parts
from reliability.telemetry.sql.dialect import Dialect, quoted_text


@dataclass(frozen=True)
class SqlTable:
    """Where the events are (glob patterns of Parquet or CSV files, or a server's table) and how
    their columns map."""

    patterns: tuple[str, ...]
    file_format: str  # parquet | csv
    columns: ColumnMapping
    name: str | None = None  # a table or view (`db.table`) on a ClickHouse server, read in place of files

    @classmethod
    def of(cls, source: SqlSource) -> SqlTable:
        return cls(source.patterns, source.format, source.columns, source.table)

    def scan(self, dialect: Dialect, *, located: bool = False) -> str:
        if self.name is not None:
            return ".".join(clickhouse_identifier(part) for part in table_parts(self.name))
        return dialect.scan(self.patterns, self.file_format, located=located)

    def location(self, dialect: Dialect) -> tuple[str, str | None]:
        """(the row's file, its line or None where unknown) over a located scan; a table's rows have
        no line, and the table's name stands for the file in the record counts and examples."""
        if self.name is not None:
            return quoted_text(self.name), None
        return dialect.location(self.file_format)


def clickhouse_identifier(name: str) -> str:
    """A name as ClickHouse quotes it: in backquotes, a backslash escaping `\\` and a backquote."""
    return "`" + name.replace("\\", "\\\\").replace("`", "\\`") + "`"
