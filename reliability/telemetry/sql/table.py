"""Where a `sql` source's events are and how their columns map."""

from __future__ import annotations

from dataclasses import dataclass

from reliability.config.model import ColumnMapping
from reliability.telemetry.sql.dialect import Dialect


@dataclass(frozen=True)
class SqlTable:
    """Where the events are (glob patterns of Parquet or CSV files) and how their columns map."""

    patterns: tuple[str, ...]
    file_format: str  # parquet | csv
    columns: ColumnMapping

    def scan(self, dialect: Dialect, *, located: bool = False) -> str:
        return dialect.scan(self.patterns, self.file_format, located=located)
