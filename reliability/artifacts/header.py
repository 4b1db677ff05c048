"""What every artifact starts with: its kind, the schema version and the run it came from."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from reliability.artifacts.codec import Record


@dataclass(frozen=True)
class Header(Record):
    kind: str  # the artifact's file name without .json, e.g. "sli-metrics"
    schema_version: int
    run_id: str
    requested_now: datetime
    evaluated_at: datetime
    config_files: tuple[str, ...]
