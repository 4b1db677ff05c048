"""`reliability backtest`: replay the history for candidate objectives and alert window sets."""

from __future__ import annotations

import json
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import numpy as np
import typer

from reliability import pipeline
from reliability.config import load_config
from reliability.config.model import BudgetingMethod, Config, Slo
from reliability.core import backtest as engine
from reliability.errors import EXIT_INVALID_CONFIG, ReliabilityError
from reliability.telemetry.ingest import load_telemetry
from reliability.timefmt import to_rfc3339


class BacktestFormat(StrEnum):
    TABLE = "table"
    JSON = "json"


def parse_objectives(text: str) -> list[float]:
    """'99,99.5' as percents; each must lie in (0, 100]."""
    try:
        values = [float(part) for part in text.split(",") if part.strip()]
    except ValueError:
        raise ReliabilityError(
            f"--objectives: {text!r} is not a list of percents", EXIT_INVALID_CONFIG
        ) from None
    if not values or any(not 0 < v <= 100 for v in values):
        raise ReliabilityError(f"--objectives: {text!r}: give percents in (0, 100]", EXIT_INVALID_CONFIG)
    return values


def _slo(config: Config, slo_id: str) -> Slo:
    found = next((s for s in config.slos if s.id == slo_id), None)
    if found is None:
        raise ReliabilityError(f"no SLO {slo_id!r} (give it as service/name)", EXIT_INVALID_CONFIG)
    if found.composite is not None:
        raise ReliabilityError(
            f"{slo_id} is composite: backtest its dependencies instead", EXIT_INVALID_CONFIG
        )
    if found.window.rolling_seconds is None:
        raise ReliabilityError(
            f"{slo_id} has a calendar window: only rolling windows are replayed", EXIT_INVALID_CONFIG
        )
    if found.budgeting.method is not BudgetingMethod.OCCURRENCES:
        raise ReliabilityError(
            f"{slo_id} counts time slices: only occurrences are replayed", EXIT_INVALID_CONFIG
        )
    return found


def _as_json(slo: Slo, evaluated_at: int, candidates: list[engine.CandidateBacktest]) -> dict[str, Any]:
    def replay(r: engine.AlertReplay) -> dict[str, Any]:
        return {
            "window_set": r.window_set,
            "pages": len(r.of("page")),
            "tickets": len(r.of("ticket")),
            "low_traffic_pages": len(r.low_traffic_pages),
            "episodes": [
                {
                    "severity": e.severity,
                    "start": to_rfc3339(e.start),
                    "pairs": list(e.pairs),
                    "short_window_events": e.short_window_events,
                    "low_traffic": e.low_traffic,
                }
                for e in r.episodes
            ],
            "incidents": [
                {
                    "start": to_rfc3339(i.start),
                    "end": to_rfc3339(i.end),
                    "first_page": None if i.first_page is None else to_rfc3339(i.first_page),
                    "seconds_to_page": i.seconds_to_page,
                }
                for i in r.incidents
            ],
        }

    return {
        "slo": slo.id,
        "evaluated_at": to_rfc3339(evaluated_at),
        "window": slo.window.name,
        "candidates": [
            {
                "objective_percent": round(c.objective * 100, 6),
                "period_ends": len(c.compliance.periods),
                "met_share": c.compliance.met_share,
                "budget_left": [
                    {"end": to_rfc3339(p.end), "sli": p.sli, "budget_left": p.budget_left, "met": p.met}
                    for p in c.compliance.periods
                ],
                "alerts": [replay(r) for r in c.replays],
            }
            for c in candidates
        ],
    }


def _percent(value: float | None) -> str:
    return "-" if value is None else f"{value * 100:.1f}%"


def _table(report: dict[str, Any]) -> list[str]:
    lines = [f"{report['slo']} ({report['window']} rolling), history up to {report['evaluated_at']}"]
    for c in report["candidates"]:
        lefts = [p["budget_left"] for p in c["budget_left"]]
        lines.append(
            f"objective {c['objective_percent']:g}%: met at {_percent(c['met_share'])} of "
            f"{c['period_ends']} day ends; budget left min {_percent(min(lefts, default=None))}, "
            f"last {_percent(lefts[-1] if lefts else None)}"
        )
        for r in c["alerts"]:
            lines.append(
                f"  {r['window_set']}: {r['pages']} page(s) ({r['low_traffic_pages']} on low traffic), "
                f"{r['tickets']} ticket(s)"
            )
            for e in r["episodes"]:
                low = " LOW TRAFFIC" if e["low_traffic"] else ""
                lines.append(f"    {e['severity']:<6} {e['start']}  {','.join(e['pairs'])}{low}")
            for i in r["incidents"]:
                to_page = (
                    "never paged"
                    if i["seconds_to_page"] is None
                    else f"paged after {i['seconds_to_page'] // 60} min"
                )
                lines.append(f"    incident {i['start']} .. {i['end']}: {to_page}")
    return lines


def backtest(
    slo_id: Annotated[str, typer.Argument(help="The SLO to replay: service/name.")],
    path: Annotated[Path, typer.Argument(help="A configuration file, or a folder of *.yaml files.")] = Path(
        "config"
    ),
    objectives: Annotated[
        str,
        typer.Option("--objectives", help="Candidate objectives in percent, comma-separated: 99,99.5,99.9."),
    ] = "",
    windows: Annotated[
        str | None,
        typer.Option("--windows", help="Alert window sets, comma-separated (default: the SLO's own)."),
    ] = None,
    now: Annotated[
        str | None, typer.Option(help="End of the replayed history, RFC 3339 (default as for `run`).")
    ] = None,
    output: Annotated[BacktestFormat, typer.Option("--format", help="How to print.")] = BacktestFormat.TABLE,
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Show every problem.")] = False,
) -> None:
    """Replay the telemetry history: how each candidate objective would have fared.

    Per candidate: share of day ends at which the rolling SLO was met, the budget left
    at each, and the page and ticket alerts its window sets would have fired.
    """
    from reliability.cli import _evaluation_time, _reporting_errors

    with _reporting_errors(verbose):
        candidates_percent = parse_objectives(objectives)
        config = load_config(path)
        slo = _slo(config, slo_id)
        set_names = [w.strip() for w in (windows or slo.alert_windows).split(",") if w.strip()]
        unknown = [w for w in set_names if w not in config.alert_window_sets]
        if unknown:
            known = ", ".join(sorted(config.alert_window_sets))
            raise ReliabilityError(
                f"--windows: unknown set(s) {', '.join(unknown)} (known: {known})", EXIT_INVALID_CONFIG
            )
        grid = pipeline.evaluation_grid(config, _evaluation_time(now, config))
        telemetry = load_telemetry(config, grid)
        assert slo.sli is not None and slo.window.rolling_seconds is not None
        parts = [
            s.slis[slo.sli]
            for s in telemetry.series
            if s.component.service == slo.service and s.component.name in slo.components
        ]
        good = np.sum([p.good for p in parts], axis=0).astype(np.int64)
        total = np.sum([p.total for p in parts], axis=0).astype(np.int64)
        window_sets = {name: config.alert_window_sets[name] for name in set_names}
        results = [
            engine.backtest(
                good,
                total,
                grid,
                percent / 100,
                slo.window.rolling_seconds,
                window_sets,
                min_events=slo.min_events,
            )
            for percent in candidates_percent
        ]
        report = _as_json(slo, grid.end, results)
        if output is BacktestFormat.JSON:
            typer.echo(json.dumps(report, indent=2))
        else:
            typer.echo("\n".join(_table(report)))


def register(app: typer.Typer) -> None:
    """Add the `backtest` command to the CLI."""
    app.command("backtest")(backtest)
