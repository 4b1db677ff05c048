"""Every pinned --format json output of every golden case matches its command's shipped schema.

The golden test keeps these files equal to what the commands print, so this checks the real output
of each command on three different configurations (calendar windows, counters, the example).
"""

from __future__ import annotations

import json

import pytest
from cases import CASES
from support.output_schemas import assert_matches_schema

# A pinned file's name starts with the command it is the output of.
COMMANDS = (
    "explain-list",
    "gate-baseline",
    "backtest",
    "dashboards",
    "explain",
    "gate",
    "report",
    "rules",
    "run",
    "validate",
)


def _command(file_name: str) -> str:
    return next(c for c in COMMANDS if file_name == f"{c}.json" or file_name.startswith(f"{c}-"))


@pytest.mark.parametrize(
    ("case_name", "name"),
    [(case.name, path.name) for case in CASES for path in sorted(case.expected("stdout").glob("*.json"))],
)
def test_pinned_json_output_matches_its_schema(case_name: str, name: str) -> None:
    case = next(c for c in CASES if c.name == case_name)
    data = json.loads((case.expected("stdout") / name).read_text(encoding="utf-8"))
    assert_matches_schema(_command(name), data)


def test_every_command_with_a_schema_is_pinned() -> None:
    pinned = {_command(p.name) for case in CASES for p in case.expected("stdout").glob("*.json")}
    assert pinned == set(COMMANDS)
