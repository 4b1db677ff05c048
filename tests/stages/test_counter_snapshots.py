"""Counter snapshots (NGINX Plus /status JSON Lines): increases between snapshots, resets as
OpenMetrics counters have them, and every bad record located."""

from __future__ import annotations

import itertools
import json
import shutil
from pathlib import Path

import pytest
from support.file_sources import read_config

from reliability.errors import InputError

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "nginx-status"
NOW = "2026-12-07T10:31:00Z"


def direct_increase(values: list[int]) -> int:
    """The counter's growth counted by hand: a drop is a restart, after which the value is new growth."""
    return sum(b if b < a else b - a for a, b in itertools.pairwise(values))


@pytest.fixture
def example(tmp_path: Path) -> Path:
    shutil.copytree(EXAMPLE, tmp_path / "nginx")
    return tmp_path / "nginx"


def test_each_zone_counts_what_its_snapshots_grew_by_across_a_restart(example: Path) -> None:
    snapshots = [json.loads(line) for line in (example / "status.jsonl").read_text().splitlines()]
    read = read_config(example / "config.yaml", NOW)
    for zone in ("api", "static"):
        responses = [s["server_zones"][zone]["responses"] for s in snapshots]
        total = direct_increase([r["total"] for r in responses])
        bad = direct_increase([r["5xx"] for r in responses])
        assert any(b["total"] < a["total"] for a, b in itertools.pairwise(responses))  # a reset
        assert read.total[zone, "availability"] == total
        assert read.good[zone, "availability"] == total - bad
    assert read.report.skipped_total == 0


def write_snapshots(folder: Path, rows: list[dict[str, object]]) -> None:
    (folder / "status.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))


def snapshot(minute: int, total: object, bad: object = 0) -> dict[str, object]:
    return {
        "timestamp": (1_796_637_600 + 60 * minute) * 1000,
        "server_zones": {
            "api": {"responses": {"total": total, "5xx": bad}},
            "static": {"responses": {"total": 0, "5xx": 0}},
        },
    }


def test_one_snapshot_is_a_baseline_and_the_error_says_two_are_needed(example: Path) -> None:
    write_snapshots(example, [snapshot(0, 10)])
    with pytest.raises(
        InputError, match=r"config.yaml:\d+: source 'nginx': only one snapshot.*at least two snapshots"
    ):
        read_config(example / "config.yaml", NOW)


def test_a_missing_counter_is_skipped_with_its_file_line_and_path(example: Path) -> None:
    broken = snapshot(2, 30)
    del broken["server_zones"]["api"]["responses"]["5xx"]  # type: ignore[index]
    write_snapshots(example, [snapshot(0, 10), snapshot(1, 20, 1), broken, snapshot(3, 40, 2)])
    read = read_config(example / "config.yaml", NOW)
    assert read.total["api", "availability"] == 30
    assert read.good["api", "availability"] == 30 - 2
    assert read.report.skipped["missing counter"] == 1
    (shown,) = read.report.examples
    assert (Path(shown.file).name, shown.line, shown.field) == (
        "status.jsonl",
        3,
        "server_zones.api.responses.5xx",
    )


@pytest.mark.parametrize(
    ("line", "problem"),
    [
        ("not json at all", r"status.jsonl:2: malformed snapshot: not JSON"),
        (
            json.dumps(snapshot(1, "many")),
            r"status.jsonl:2: server_zones.api.responses.total: invalid counter value: many",
        ),
        (json.dumps({**snapshot(1, 5), "timestamp": None}), r"status.jsonl:2: timestamp: missing timestamp"),
        (
            json.dumps(snapshot(1, -5)),
            r"status.jsonl:2: server_zones.api.responses.total: negative counter value",
        ),
    ],
)
def test_bad_input_stops_a_strict_run_at_its_file_line_and_field(
    example: Path, line: str, problem: str
) -> None:
    (example / "status.jsonl").write_text(
        json.dumps(snapshot(0, 1)) + "\n" + line + "\n" + json.dumps(snapshot(2, 9)) + "\n"
    )
    with pytest.raises(InputError, match=problem):
        read_config(example / "config.yaml", NOW, strict=True)


def test_a_file_of_only_bad_snapshots_fails_loudly(example: Path) -> None:
    (example / "status.jsonl").write_text("[]\n{}\n")
    with pytest.raises(InputError, match="all 2 records were skipped"):
        read_config(example / "config.yaml", NOW)
