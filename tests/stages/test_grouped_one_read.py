"""An event source with a grouped component is read once: its groups are found in the read that
counts them, and every record is told once in the read report."""

from __future__ import annotations

from pathlib import Path

import pytest
from support.configs import component, service, slo, write_config

from reliability import pipeline
from reliability.config import load_config
from reliability.errors import InputError
from reliability.telemetry.grouped_sources import read_groups
from reliability.telemetry.ingest import load_telemetry
from reliability.timefmt import parse_rfc3339

NOW = parse_rfc3339("2026-11-05T12:00:00Z").timestamp()
ROWS = """ts,comp,status,route
2025-06-15T10:00:00Z,api,200,a
2025-06-15T10:01:00Z,api,200,old
2026-11-05T11:00:00Z,api,200,a
2026-11-05T11:01:00Z,api,500,b
2026-11-05T11:02:00Z,api,1000,b
not a time,api,200,a
2026-11-05T11:03:00Z,api,200,
2026-11-05T11:04:00Z,web,200,x
"""


def _config(tmp_path: Path) -> Path:
    (tmp_path / "events.csv").write_text(ROWS)
    grouped = component("api", slo("availability"), group_by=["route"])
    return write_config(tmp_path, service("shop", grouped, component("web", slo("web-availability"))))


def test_groups_are_found_and_counted_in_one_read(tmp_path: Path) -> None:
    config = load_config(_config(tmp_path))
    grid = pipeline.evaluation_grid(config, NOW)
    grouped = read_groups(config, grid)
    telemetry = load_telemetry(grouped.config, grid, already_read=grouped.sources)
    totals = {
        s.component.id: (int(s.slis["availability"].good.sum()), int(s.slis["availability"].total.sum()))
        for s in telemetry.series
    }
    assert totals == {"shop/api{route=a}": (1, 1), "shop/api{route=b}": (0, 1), "shop/web": (1, 1)}
    (report,) = telemetry.reports
    assert report.records == 8
    assert report.skipped == {"invalid status": 1, "invalid timestamp": 1, "unknown component": 1}
    assert (report.before_history, report.used) == (2, 3)  # 'a' before its first event in the grid too


def test_a_value_seen_only_before_the_grid_is_no_group(tmp_path: Path) -> None:
    config = load_config(_config(tmp_path))
    grouped = read_groups(config, pipeline.evaluation_grid(config, NOW))
    assert [c.id for c in grouped.config.components] == ["shop/api{route=a}", "shop/api{route=b}", "shop/web"]


def test_strict_stops_at_the_first_bad_record_of_the_one_read(tmp_path: Path) -> None:
    config = load_config(_config(tmp_path))
    with pytest.raises(InputError) as raised:
        read_groups(config, pipeline.evaluation_grid(config, NOW), strict=True)
    assert "events.csv:6" in str(raised.value)
    assert "invalid status" in str(raised.value)
