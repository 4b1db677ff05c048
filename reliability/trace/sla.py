"""The working of the SLA field: each SLA on the SLO's component and SLI, month by month."""

from __future__ import annotations

from reliability.conventions import Stage
from reliability.render.numbers import exact
from reliability.trace.run import matching_slas
from reliability.trace.slo import SloTrace


def sla_lines(trace: SloTrace) -> list[str]:
    slas = matching_slas(trace.budget, trace.run.artifacts[Stage.SLA])
    if not slas:
        entry = trace.budget
        on = (
            "a composite SLO"
            if entry["sli"] is None
            else f"{entry['service']}/{entry['component']} {entry['sli']}"
        )
        return [f"no SLA on {on}"]
    lines = []
    for sla in slas:
        lines.append(f"{sla['sla']}: target {exact(sla['target_percent'])}% per UTC month; {sla['status']}")
        for period in sla["periods"]:
            head = (
                f"  {period['period']} {period['month']} ({period['start']} .. {period['end']}, "
                f"{period['days_with_data']} of {period['days_in_period']} days with data)"
            )
            if period["no_data"]:
                lines.append(f"{head}: no data")
                continue
            verdict = "breached" if period["breached"] else "met"
            relation = "<" if period["breached"] else ">="
            credit = (
                f", credit owed {exact(period['credit_percent'])}%"
                if period["credit_percent"] is not None
                else ""
            )
            lines.append(
                f"{head}: attained = good / total = {exact(period['good'])} / {exact(period['total'])} = "
                f"{exact(period['attained_percent'])}% {relation} {exact(sla['target_percent'])}%: "
                f"{verdict}{credit}"
            )
    return lines
