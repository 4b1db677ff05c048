"""The working of the SLA field: each SLA on the SLO's component and SLI, month by month."""

from __future__ import annotations

from reliability import formulas
from reliability.render.numbers import exact
from reliability.stages.sla_compliance import slas_covering
from reliability.timefmt import format_rfc3339
from reliability.trace.slo import SloTrace
from reliability.vocabulary import item_id


def sla_lines(trace: SloTrace) -> list[str]:
    entry = trace.budget
    slas = slas_covering(trace.run.sla_compliance, entry.service, entry.component, entry.sli)
    if not slas:
        on = (
            "a composite SLO"
            if entry.sli is None
            else f"{item_id(entry.service, entry.component)} {entry.sli}"
        )
        return [f"no SLA on {on}"]
    lines = []
    for sla in slas:
        lines.append(f"{sla.sla}: target {exact(sla.target_percent)}% per UTC month; {sla.status}")
        for period in sla.periods:
            head = (
                f"  {period.period} {period.month} "
                f"({format_rfc3339(period.start)} .. {format_rfc3339(period.end)}, "
                f"{period.days_with_data} of {period.days_in_period} days with data)"
            )
            if period.no_data:
                lines.append(f"{head}: no data")
                continue
            verdict = "breached" if period.breached else "met"
            relation = "<" if period.breached else ">="
            credit = (
                f", credit owed {exact(period.credit_percent)}%" if period.credit_percent is not None else ""
            )
            lines.append(
                f"{head}: {formulas.SLA_ATTAINMENT.text} = {exact(period.good)} / {exact(period.total)} = "
                f"{exact(period.attained_percent)}% {relation} {exact(sla.target_percent)}%: "
                f"{verdict}{credit}"
            )
    return lines
