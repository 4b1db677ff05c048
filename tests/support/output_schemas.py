"""Check a command's --format json output against its shipped schema (reliability/schemas/output-*)."""

from __future__ import annotations

from typing import Any

from reliability.artifacts.schema_check import problems


def assert_matches_schema(command: str, data: Any) -> Any:
    """`data` unchanged when it matches output-<command>.schema.json; else every problem, located."""
    found = problems(f"output-{command}", data)
    assert not found, f"`{command} --format json` does not match its schema: {found}"
    return data
