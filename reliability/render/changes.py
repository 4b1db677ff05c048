"""A change event and the budget spent after it, in one sentence (the report and explain say it alike)."""

from __future__ import annotations

from reliability.artifacts.error_budgets import ChangeRecord
from reliability.render.numbers import duration, percent
from reliability.timefmt import format_rfc3339


def change_label(kind: str, version: str | None, description: str | None) -> str:
    """'deploy v1.4.2'; without a version, 'flag HTTP/2 to the backends' or the kind alone."""
    named = version or description
    return f"{kind} {named}" if named else kind


def change_sentence(change: ChangeRecord, unit: str = "events") -> str:
    """'budget spent in the 2h after deploy v1.4.2 (2026-11-04T09:30:00Z): 61.0% (12 bad events)'."""
    spent = percent(change.budget_share_after, 1, "no data")
    after = change_label(change.kind, change.version, change.description)
    return (
        f"budget spent in the {duration(change.attribution_seconds)} after {after} "
        f"({format_rfc3339(change.time)}): {spent} ({change.bad_after:,.4g} bad {unit})"
    )
