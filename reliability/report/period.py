"""A period's compliance as an SLA review reads it: markdown, CSV and a self-contained HTML page.

The same rows in every form: per SLO its objective, achieved SLI, budget spent, bad units, bad and
no-data minutes and worst days; per SLA its target, attainment, met or breached and the credit due.
"""

from __future__ import annotations

import csv
import html
import io
from collections.abc import Sequence

from reliability.render.numbers import NO_DATA, configured_percent, exact, percent
from reliability.stages.period_compliance import DayFigure, PeriodCompliance, SlaPeriod, SloPeriod
from reliability.terminal.table import Table
from reliability.terminal.table import render_markdown as markdown_table
from reliability.timefmt import format_rfc3339, moment

SLO_COLUMNS = (
    "SLO",
    "OBJECTIVE",
    "ACHIEVED",
    "STATUS",
    "BUDGET SPENT",
    "BAD",
    "BAD MINUTES",
    "NO-DATA MINUTES",
    "WORST DAYS",
)
SLA_COLUMNS = (
    "SLA",
    "TARGET",
    "ATTAINED",
    "STATUS",
    "CREDIT DUE",
    "BAD EVENTS",
    "BAD MINUTES",
    "NO-DATA MINUTES",
    "WORST DAYS",
)
CSV_COLUMNS = (
    "kind",
    "id",
    "service",
    "period",
    "target_percent",
    "achieved_ratio",
    "status",
    "budget_spent_ratio",
    "credit_percent",
    "unit",
    "good",
    "total",
    "bad",
    "bad_minutes",
    "no_data_minutes",
    "worst_days",
)
STATUS_WORDS = {
    "met": "met",
    "missed": "MISSED",
    "breached": "BREACHED",
    "no_data": NO_DATA,
    "no_objective": "no fixed objective",
}


def _count(value: float | None) -> str:
    return "-" if value is None else exact(value)


def _days(days: Sequence[DayFigure]) -> str:
    return ", ".join(f"{d.day:%Y-%m-%d} ({percent(d.achieved_ratio, 3)})" for d in days) or "-"


def _spent(slo: SloPeriod) -> str:
    if slo.achieved_ratio is None:
        return NO_DATA
    if slo.objective_percent is None:
        return "-"
    return "overspent zero budget" if slo.budget_spent_ratio is None else percent(slo.budget_spent_ratio, 1)


def _slo_row(slo: SloPeriod) -> tuple[str, ...]:
    objective = "auto" if slo.objective_percent is None else configured_percent(slo.objective_percent)
    return (
        slo.slo,
        objective,
        percent(slo.achieved_ratio, 3),
        STATUS_WORDS[slo.status],
        _spent(slo),
        f"{exact(slo.bad)} {slo.unit.removesuffix('s') if slo.bad == 1 else slo.unit}",
        _count(slo.bad_minutes),
        _count(slo.no_data_minutes),
        _days(slo.worst_days),
    )


def _sla_row(sla: SlaPeriod) -> tuple[str, ...]:
    credit = "-" if sla.credit_percent is None else configured_percent(sla.credit_percent)
    return (
        sla.sla,
        configured_percent(sla.target_percent),
        percent(sla.attained_ratio, 3),
        STATUS_WORDS[sla.status],
        credit,
        exact(sla.total - sla.good),
        str(sla.bad_minutes),
        str(sla.no_data_minutes),
        _days(sla.worst_days),
    )


def slo_table(report: PeriodCompliance) -> Table:
    return Table(SLO_COLUMNS, [_slo_row(s) for s in report.slos])


def sla_table(report: PeriodCompliance) -> Table:
    return Table(SLA_COLUMNS, [_sla_row(s) for s in report.slas])


def title(report: PeriodCompliance) -> str:
    return f"Compliance report {report.period.label}"


def coverage(report: PeriodCompliance) -> str:
    """What was measured: the whole period, or its part up to the evaluation time."""
    start, end = format_rfc3339(moment(report.period.start)), format_rfc3339(moment(report.period.end))
    evaluated = format_rfc3339(moment(report.evaluated_at))
    if report.complete:
        return f"From {start} to {end} (complete), evaluated at {evaluated}; computed from telemetry."
    until = format_rfc3339(moment(report.measured_end))
    return f"From {start} to {end}, in progress: measured until {until}; computed from telemetry."


def render_markdown(report: PeriodCompliance) -> str:
    lines = [f"# {title(report)}", "", coverage(report), "", "## SLOs", ""]
    lines.append(markdown_table(slo_table(report)) if report.slos else "No SLOs configured.")
    lines += ["", "## SLAs", ""]
    lines.append(markdown_table(sla_table(report)) if report.slas else "No SLAs configured.")
    return "\n".join(lines) + "\n"


def _csv_days(days: Sequence[DayFigure]) -> str:
    return " ".join(f"{d.day:%Y-%m-%d}={d.achieved_ratio:.6f}" for d in days)


def _optional(value: float | None) -> str:
    return "" if value is None else f"{value:.6f}"


def _blank_if_none(value: int | None) -> str:
    return "" if value is None else str(value)


def render_csv(report: PeriodCompliance) -> str:
    """One row per SLO and SLA; an empty cell is no figure (no data is status no_data, never 1.0)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    label = report.period.label
    for slo in report.slos:
        target = "" if slo.objective_percent is None else f"{slo.objective_percent:g}"
        bad_minutes, no_data_minutes = _blank_if_none(slo.bad_minutes), _blank_if_none(slo.no_data_minutes)
        writer.writerow(
            [
                *("slo", slo.slo, slo.service, label, target, _optional(slo.achieved_ratio), slo.status),
                *(_optional(slo.budget_spent_ratio), "", slo.unit, exact(slo.good), exact(slo.total)),
                *(exact(slo.bad), bad_minutes, no_data_minutes, _csv_days(slo.worst_days)),
            ]
        )
    for sla in report.slas:
        credit = "" if sla.credit_percent is None else f"{sla.credit_percent:g}"
        writer.writerow(
            [
                *(
                    "sla",
                    sla.sla,
                    sla.service,
                    label,
                    f"{sla.target_percent:g}",
                    _optional(sla.attained_ratio),
                ),
                *(sla.status, "", credit, "events", sla.good, sla.total, sla.total - sla.good),
                *(sla.bad_minutes, sla.no_data_minutes, _csv_days(sla.worst_days)),
            ]
        )
    return out.getvalue()


STYLE = (
    "body{font-family:system-ui,sans-serif;margin:2em;color:#222}"
    "table{border-collapse:collapse;margin-bottom:2em}"
    "th,td{border:1px solid #ccc;padding:4px 8px;text-align:left}"
    "th{background:#f3f3f3}.missed,.breached{color:#b00;font-weight:bold}.no_data{color:#777}"
)


def _html_table(table: Table, statuses: Sequence[str]) -> str:
    head = "".join(f"<th>{html.escape(c)}</th>" for c in table.headers)
    rows = []
    for row, status in zip(table.text_rows(), statuses, strict=True):
        cells = "".join(f"<td>{html.escape(c)}</td>" for c in row)
        rows.append(f'<tr class="{status}">{cells}</tr>')
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"


def render_html(report: PeriodCompliance) -> str:
    """One page, no scripts, fonts or images: it opens offline and prints as it shows."""
    name = html.escape(title(report))
    slos = (
        _html_table(slo_table(report), [s.status for s in report.slos]) if report.slos else "<p>No SLOs.</p>"
    )
    slas = (
        _html_table(sla_table(report), [s.status for s in report.slas]) if report.slas else "<p>No SLAs.</p>"
    )
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f"<title>{name}</title><style>{STYLE}</style></head>\n<body><h1>{name}</h1>"
        f"<p>{html.escape(coverage(report))}</p>\n<h2>SLOs</h2>{slos}\n<h2>SLAs</h2>{slas}\n</body></html>\n"
    )
