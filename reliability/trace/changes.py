"""The working of the budget attributed to change events: the span after each, its bad units, its share."""

from __future__ import annotations

from typing import Any

from reliability.artifacts.error_budgets import SloBudget
from reliability.render.changes import change_sentence
from reliability.render.numbers import exact
from reliability.timefmt import format_rfc3339
from reliability.trace.slo import SloTrace


def change_lines(trace: SloTrace) -> list[str]:
    entry = trace.judged
    if entry.changes is None:
        return ["no change_events configured: nothing attributed"]
    if not entry.changes:
        return [f"no change events of service {entry.service} in the {entry.window} window"]
    allowed = exact(entry.budget.allowed_events)
    lines = [
        f"spent after a change = bad {trace.unit} from the change's minute for its attribution window "
        f"(cut at the evaluation time) / allowed {allowed} {trace.unit}"
    ]
    for change in entry.changes:
        source = f"from source {change.source}" + (f": {change.description}" if change.description else "")
        lines.append(f"{change_sentence(change, trace.unit)}, {source}")
        lines.append(
            f"  {format_rfc3339(change.time)} .. {format_rfc3339(change.attributed_until)}: "
            f"{exact(change.bad_after)} / {allowed} = {exact(change.budget_share_after)}"
        )
    return lines


def change_values(entry: SloBudget) -> dict[str, Any]:
    return {
        "changes": [
            {
                "time": format_rfc3339(c.time),
                "kind": c.kind,
                "version": c.version,
                "attribution_seconds": c.attribution_seconds,
                "bad_after_total": c.bad_after,
                "budget_spent_after_ratio": c.budget_share_after,
            }
            for c in entry.changes or ()
        ]
    }
