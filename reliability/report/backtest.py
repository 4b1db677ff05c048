"""A backtest as data (the `--format json` shape) and as text: a comparison table, then details.

Pure: engine results in, dicts and strings out. The comparison puts the two sides of the
choice next to each other: how often each objective was met and how much budget was left
(can we keep it?) against pages, low-traffic pages and time to page (what will it cost?).
"""

from __future__ import annotations

from statistics import median
from typing import Any

from reliability.config.model import Slo
from reliability.core import backtest as engine
from reliability.render.numbers import percent
from reliability.terminal.table import Cell, State, Table
from reliability.timefmt import to_rfc3339
from reliability.vocabulary import Objective

NOT_REPLAYED = "-"  # a figure the replay has no value for
COMPARISON_HEADERS = (
    "OBJECTIVE",
    "MET",
    "BUDGET LEFT (MIN)",
    "BUDGET LEFT (LAST DAY END)",
    "ALERT WINDOWS",
    "PAGES",
    "ON LOW TRAFFIC",
    "TICKETS",
    "DEMOTED PAGES",
    "INCIDENTS PAGED",
    "TIME TO PAGE (MEDIAN)",
)


def _replay(r: engine.AlertReplay) -> dict[str, Any]:
    delays = [i.seconds_to_page for i in r.incidents if i.seconds_to_page is not None]
    return {
        "window_set": r.window_set,
        "replayed_seconds": r.steps * engine.ALERT_STEP_SECONDS,
        "pages_total": len(r.of("page")),
        "paged_incidents_total": r.paged_incidents,
        "tickets_total": len(r.of("ticket")),
        "low_traffic_pages_total": len(r.low_traffic_pages),
        "demoted_pages_total": r.demoted_pages,
        "incidents_total": len(r.incidents),
        "incidents_paged_total": len(delays),
        "time_to_page_median_seconds": median(delays) if delays else None,
        "time_to_page_max_seconds": max(delays, default=None),
        "episodes": [
            {
                "severity": e.severity,
                "start": to_rfc3339(e.start),
                "pairs": list(e.pairs),
                "short_window_events_total": e.short_window_events,
                "low_traffic": e.low_traffic,
            }
            for e in r.episodes
        ],
        "incidents": [
            {
                "start": to_rfc3339(i.start),
                "end": to_rfc3339(i.end),
                "first_page": None if i.first_page is None else to_rfc3339(i.first_page),
                "time_to_page_seconds": i.seconds_to_page,
            }
            for i in r.incidents
        ],
    }


def as_json(slo: Slo, evaluated_at: int, candidates: list[engine.CandidateBacktest]) -> dict[str, Any]:
    """Ratios 0..1, seconds, counts ending in _total (reliability/schemas/output-backtest.schema.json)."""
    return {
        "slo": slo.id,
        "evaluated_at": to_rfc3339(evaluated_at),
        "window": slo.window.name,
        "window_description": slo.window.describe(),
        "budgeting": slo.budgeting.method.value,
        "composite": slo.composite is not None,
        "min_events": slo.min_events,
        "candidates": [
            {
                "objective_ratio": c.objective,
                "period_ends_total": len(c.compliance.periods),
                "met_ratio": c.compliance.met_share,
                "lowest_budget_remaining_ratio": c.compliance.lowest_budget_left,
                "last_budget_remaining_ratio": (
                    c.compliance.periods[-1].budget_left if c.compliance.periods else None
                ),
                "period_ends": [
                    {
                        "end": to_rfc3339(p.end),
                        "sli_ratio": p.sli,
                        "budget_remaining_ratio": p.budget_left,
                        "met": p.met,
                        "closes_period": p.closes_period,
                    }
                    for p in c.compliance.periods
                ],
                "alerts": [_replay(r) for r in c.replays],
            }
            for c in candidates
        ],
    }


def _percent(candidate: dict[str, Any]) -> float:
    return Objective.from_ratio(candidate["objective_ratio"]).percent


def _minutes(seconds: float | None) -> str:
    return "-" if seconds is None else f"{seconds / 60:g} min"


def _met(candidate: dict[str, Any]) -> Cell:
    share = candidate["met_ratio"]
    if share is None:
        return Cell(NOT_REPLAYED, State.NO_DATA)
    return Cell(
        f"{percent(share, 1, NOT_REPLAYED)} of {candidate['period_ends_total']}",
        State.MET if share == 1 else State.BREACHED,
    )


def _budget_left(ratio: float | None) -> Cell:
    return Cell(percent(ratio, 1, NOT_REPLAYED), State.EXHAUSTED if ratio is not None and ratio < 0 else None)


def comparison_table(report: dict[str, Any]) -> Table:
    """One row per candidate and alert window set."""
    rows: list[tuple[str | Cell, ...]] = []
    for c in report["candidates"]:
        for r in c["alerts"] or [None]:
            alerts = (
                ("-",) * 7
                if r is None
                else (
                    r["window_set"],
                    str(r["pages_total"]),
                    str(r["low_traffic_pages_total"]),
                    str(r["tickets_total"]),
                    str(r["demoted_pages_total"]),
                    f"{r['incidents_paged_total']} of {r['incidents_total']}",
                    _minutes(r["time_to_page_median_seconds"]),
                )
            )
            rows.append(
                (
                    f"{_percent(c):g}%",
                    _met(c),
                    _budget_left(c["lowest_budget_remaining_ratio"]),
                    _budget_left(c["last_budget_remaining_ratio"]),
                    *alerts,
                )
            )
    return Table(COMPARISON_HEADERS, rows)


def heading(report: dict[str, Any]) -> str:
    kind = "composite, " if report["composite"] else ""
    return (
        f"{report['slo']} ({kind}{report['window_description']}, {report['budgeting']}), "
        f"history up to {report['evaluated_at']}"
    )


def details(report: dict[str, Any]) -> list[str]:
    """Each candidate's alert episodes and incidents, one line each."""
    lines = []
    calendar = report["window"].startswith("calendar-")
    for c in report["candidates"]:
        for p in c["period_ends"] if calendar else []:
            if p["closes_period"]:
                verdict = "met" if p["met"] else "MISSED"
                lines.append(
                    f"objective {_percent(c):g}%: the period ending {p['end']} was {verdict}, "
                    f"budget left {percent(p['budget_remaining_ratio'], 1, NOT_REPLAYED)}"
                )
        for r in c["alerts"]:
            if not r["episodes"] and not r["incidents"]:
                continue
            lines.append(f"objective {_percent(c):g}%, {r['window_set']}:")
            for e in r["episodes"]:
                low = " LOW TRAFFIC" if e["low_traffic"] else ""
                lines.append(f"  {e['severity']:<6} {e['start']}  {', '.join(e['pairs'])}{low}")
            for i in r["incidents"]:
                to_page = (
                    "never paged"
                    if i["time_to_page_seconds"] is None
                    else f"paged after {_minutes(i['time_to_page_seconds'])}"
                )
                lines.append(f"  incident {i['start']} .. {i['end']}: {to_page}")
    return lines


def footnote() -> str:
    return (
        "MET: share of period ends (UTC day ends; calendar period ends too) at which the SLO held. "
        "BUDGET LEFT (LAST DAY END): at the last period end replayed, not at the evaluation time as `run` "
        "shows it, so errors since then count in run's figure only. "
        "DEMOTED PAGES: pages short of alerting.min_events, raised as tickets. "
        "Incidents: runs of minutes burning over 10x the budget rate (see README, Backtest)."
    )
