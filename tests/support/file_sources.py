"""Run one file source of a config written into a folder: its SLIs' totals and its read report."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from reliability.config import load_config
from reliability.core.grid import MinuteGrid
from reliability.telemetry.ingest import load_telemetry
from reliability.telemetry.report import ReadReport
from reliability.timefmt import parse_rfc3339


@dataclass(frozen=True)
class Read:
    good: dict[tuple[str, str], int]  # (component, sli) -> good requests over the grid
    total: dict[tuple[str, str], int]
    report: ReadReport


def read_config(config: Path, now: str, minutes: int = 24 * 60, *, strict: bool = False) -> Read:
    end = int(parse_rfc3339(now).timestamp())
    grid = MinuteGrid(end - minutes * 60, minutes)
    telemetry = load_telemetry(load_config(config), grid, strict=strict)
    good, total = {}, {}
    for series in telemetry.series:
        for name, counts in series.slis.items():
            good[series.component.name, name] = int(counts.good.sum())
            total[series.component.name, name] = int(counts.total.sum())
    return Read(good, total, telemetry.reports[0])
