"""Change events beside the recorded runs, for `history --config`: each with the first run after it."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from reliability.render.changes import change_label
from reliability.telemetry.change_events import ChangeEvent
from reliability.terminal.table import Table
from reliability.timefmt import to_rfc3339

CHANGE_HEADERS = ("CHANGED AT", "SERVICE", "CHANGE", "SOURCE", "FIRST RUN AFTER")


@dataclass(frozen=True)
class RunTime:
    row: int  # the run's row in the ledger
    evaluated_at: float  # epoch seconds


@dataclass(frozen=True)
class ChangeBesideRuns:
    event: ChangeEvent
    first_run_after: int | None  # the row of the first run evaluated after the change; None: none yet


def beside_runs(events: Sequence[ChangeEvent], runs: Sequence[RunTime]) -> list[ChangeBesideRuns]:
    """Each change with the first run that saw it (runs by evaluation time)."""
    ordered = sorted(runs, key=lambda r: r.evaluated_at)
    return [
        ChangeBesideRuns(e, next((r.row for r in ordered if r.evaluated_at > e.time), None)) for e in events
    ]


def changes_table(changes: Sequence[ChangeBesideRuns]) -> Table:
    return Table(
        CHANGE_HEADERS,
        [
            (
                to_rfc3339(c.event.time),
                c.event.service,
                change_label(c.event.kind, c.event.version, c.event.description),
                c.event.source,
                "-" if c.first_run_after is None else str(c.first_run_after),
            )
            for c in changes
        ],
    )


def changes_json(changes: Sequence[ChangeBesideRuns]) -> list[dict[str, Any]]:
    return [
        {
            "time": to_rfc3339(c.event.time),
            "service": c.event.service,
            "kind": c.event.kind,
            "version": c.event.version,
            "description": c.event.description,
            "source": c.event.source,
            "first_run_after": c.first_run_after,
        }
        for c in changes
    ]
