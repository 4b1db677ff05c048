"""The `adjustments:` section: read into the model, each mistake located at its file, line and field;
rules leave an adjusted SLO out with the reason."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
import yaml

from reliability.config import load_config
from reliability.config.model import AdjustmentMode
from reliability.errors import ConfigError, Problem
from reliability.exporters import rule_sources

CONFIG = """\
sources:
  - name: web
    type: events
    paths: [events.csv]
    columns:
      timestamp: {column: ts, format: unix_s}
      status: status
services:
  - name: store
    components:
      - name: books
        source: web
        slis: [{name: availability, kind: availability}]
        slos:
          - {name: books-availability, sli: availability, objective: 99.9}
adjustments:
  - name: db-maintenance
    reason: weekly maintenance
    rrule: FREQ=WEEKLY;BYDAY=SU
    start: "2026-01-04T02:00:00"
    duration: 2h
    time_zone: Europe/Berlin
    applies_to: {slos: [store/books-availability]}
"""


def _load(tmp_path: Path, *edits: tuple[str, str]) -> list[Problem]:
    text = CONFIG
    for old, new in edits:
        assert old in text
        text = text.replace(old, new)
    (tmp_path / "events.csv").write_text("ts,status\n1704067200,200\n")
    (tmp_path / "config.yaml").write_text(text)
    with pytest.raises(ConfigError) as raised:
        load_config(tmp_path / "config.yaml")
    return raised.value.problems


def test_a_recurring_adjustment_is_read_with_its_zone(tmp_path: Path) -> None:
    (tmp_path / "events.csv").write_text("ts,status\n1704067200,200\n")
    (tmp_path / "config.yaml").write_text(CONFIG)
    adjustment = load_config(tmp_path / "config.yaml").adjustments[0]
    assert adjustment.rrule == "FREQ=WEEKLY;BYDAY=SU"
    assert adjustment.start.astimezone(UTC) == datetime(2026, 1, 4, 1, 0, tzinfo=UTC)  # 02:00 CET
    assert adjustment.duration_seconds == 7200
    assert adjustment.mode is AdjustmentMode.EXCLUDE
    assert adjustment.slos == ("store/books-availability",)


@pytest.mark.parametrize(
    ("edit", "field", "words"),
    [
        (("store/books-availability]", "store/books-availabilty]"), "applies_to.slos", "did you mean"),
        (("rrule: FREQ=WEEKLY;BYDAY=SU", "rrule: FREQ=FORTNIGHTLY"), "adjustments[0].rrule", "RFC 5545"),
        (("time_zone: Europe/Berlin", "time_zone: Europe/Atlantis"), "adjustments[0].time_zone", "time zone"),
        (("    duration: 2h\n", ""), "adjustments[0]", "`rrule`, `start` and `duration`"),
        (('start: "2026-01-04T02:00:00"', 'start: "Sunday"'), "adjustments[0].start", "not a date-time"),
    ],
)
def test_each_mistake_is_reported_at_its_field(
    tmp_path: Path, edit: tuple[str, str], field: str, words: str
) -> None:
    found = _load(tmp_path, edit)
    assert len(found) == 1, found
    assert found[0].field == field and words in found[0].message
    assert found[0].file.endswith("config.yaml") and found[0].line is not None and found[0].line >= 16


def test_a_one_off_period_must_end_after_it_starts(tmp_path: Path) -> None:
    one_off = (
        '    rrule: FREQ=WEEKLY;BYDAY=SU\n    start: "2026-01-04T02:00:00"\n    duration: 2h\n',
        '    start: "2026-01-04T02:00:00Z"\n    end: "2026-01-04T01:00:00Z"\n',
    )
    (problem,) = _load(tmp_path, one_off)
    assert problem.field == "adjustments[0].end" and "ends before it starts" in problem.message


def test_rules_leave_an_adjusted_slo_out_with_the_reason(tmp_path: Path) -> None:
    document = {
        "sources": [{"name": "prom", "type": "prometheus", "url": "http://127.0.0.1:9"}],
        "services": [
            {
                "name": "edge",
                "components": [
                    {
                        "name": "gateway",
                        "source": "prom",
                        "slis": [
                            {
                                "name": "availability",
                                "kind": "availability",
                                "total": {"metric": "http_requests_total"},
                                "bad_counter": {"metric": "http_requests_total", "match": {"code": "5.."}},
                            }
                        ],
                        "slos": [
                            {"name": "adjusted", "sli": "availability", "objective": 99.9},
                            {"name": "plain", "sli": "availability", "objective": 99},
                        ],
                    }
                ],
            }
        ],
        "adjustments": [
            {
                "name": "release-freeze",
                "reason": "migration",
                "start": "2026-01-04T02:00:00Z",
                "end": "2026-01-04T03:00:00Z",
                "applies_to": {"slos": ["edge/adjusted"]},
            }
        ],
    }
    (tmp_path / "config.yaml").write_text(yaml.safe_dump(document))
    conversion = rule_sources.from_config(load_config(tmp_path / "config.yaml"))
    assert [spec.slo for spec in conversion.specs] == ["plain"]
    (skipped,) = conversion.skipped
    assert skipped.startswith("edge/adjusted: budget adjustment 'release-freeze' (one-off)")
    assert "cannot leave out" in skipped


def test_unquoted_times_read_as_quoted_ones(tmp_path: Path) -> None:
    """YAML would make `2026-01-04T02:00:00` a datetime; the config reads every time as text."""
    unquoted = CONFIG.replace('start: "2026-01-04T02:00:00"', "start: 2026-01-04T02:00:00")
    unquoted = "settings:\n  evaluate_at: 2026-01-05T00:00:00Z\n" + unquoted
    (tmp_path / "events.csv").write_text("ts,status\n1704067200,200\n")
    (tmp_path / "config.yaml").write_text(unquoted)
    config = load_config(tmp_path / "config.yaml")
    assert config.settings.evaluate_at == datetime(2026, 1, 5, tzinfo=UTC)
    assert config.adjustments[0].start.replace(tzinfo=None) == datetime(2026, 1, 4, 2)
