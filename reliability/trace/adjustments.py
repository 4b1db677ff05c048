"""The working of budget adjustments: which adjustment took what from the SLO's window."""

from __future__ import annotations

from reliability.artifacts.sli_metrics import AppliedAdjustment
from reliability.timefmt import format_rfc3339
from reliability.trace.slo import SloTrace


def _effect(applied: AppliedAdjustment) -> str:
    events = applied.good + applied.bad
    if applied.mode == "count_good":
        return f"counted {events:,} events good ({applied.bad:,} bad among them)"
    return f"excluded {applied.minutes:,} min, {events:,} events ({applied.bad:,} bad)"


def adjustment_lines(trace: SloTrace) -> list[str]:
    """One line per adjustment of the SLO, naming it, its reason and what it took from the window."""
    lines = []
    adjustments = {a.name: a for a in trace.config.adjustments}
    for applied in trace.measured.adjustments or ():
        configured = adjustments.get(applied.name)
        where = f", declared at {configured.origin.location()}" if configured else ""
        latest = (
            f"; latest period {format_rfc3339(applied.periods[-1].start)} .. "
            f"{format_rfc3339(applied.periods[-1].end)}"
            if applied.periods
            else ""
        )
        minutes = f" over {applied.minutes:,} min" if applied.mode == "count_good" else ""
        lines.append(
            f"adjustment {applied.name!r} (reason: {applied.reason}{where}) {_effect(applied)}{minutes} "
            f"of this window; {len(applied.periods)} period(s) in the history{latest}"
        )
    return lines
