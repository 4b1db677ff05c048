"""An SLO's explanation as data: which fields, and for each the artifact, stage and lines of working."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any

from reliability.artifacts.error_budgets import UnjudgedBudget
from reliability.conventions import ARTIFACT_FILES, Stage
from reliability.errors import ReliabilityError
from reliability.trace.alerting import alert_lines, policy_lines
from reliability.trace.budget import (
    budget_consumed_lines,
    budget_remaining_lines,
    burn_rate_lines,
    exhaustion_lines,
    forecast_lines,
)
from reliability.trace.changes import change_lines
from reliability.trace.measurement import objective_lines, sli_lines
from reliability.trace.pipeline_map import FIELD_STAGES, FIELDS
from reliability.trace.run import EXIT_UNKNOWN
from reliability.trace.sla import sla_lines
from reliability.trace.slo import SloTrace
from reliability.trace.sources import (
    ConfigurationLine,
    SourceInputs,
    configuration_lines,
    inputs,
    staleness_notes,
)
from reliability.trace.values import field_values


@dataclass(frozen=True)
class FieldSection:
    """One field's explanation: the artifact and stage holding it, and its lines of working."""

    field: str
    window: str | None  # burn_rate only: the one window asked for
    artifact: str
    stage: str
    lines: tuple[str, ...]
    values: dict[str, Any]  # the numbers the lines work out, for --format json


@dataclass(frozen=True)
class Explanation:
    """What `explain` prints about one SLO of one run."""

    slo: str
    run_id: str
    evaluated_at: str
    artifacts: str  # the folder
    notes: tuple[str, ...]
    configuration: tuple[ConfigurationLine, ...]
    inputs: tuple[SourceInputs, ...]
    fields: tuple[FieldSection, ...]

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


# The working of each field but burn_rate, which takes a window.
_LINES: dict[str, Callable[[SloTrace], list[str]]] = {
    "sli": sli_lines,
    "objective": objective_lines,
    "budget_remaining": budget_remaining_lines,
    "budget_consumed": budget_consumed_lines,
    "exhaustion": exhaustion_lines,
    "alert": alert_lines,
    "policy": policy_lines,
    "forecast": forecast_lines,
    "changes": change_lines,
    "sla": sla_lines,
}


def parse_field(text: str) -> tuple[str, str | None]:
    """'burn_rate:1h' -> ('burn_rate', '1h'); only burn_rate takes a window."""
    name, _, window = text.partition(":")
    if name not in FIELD_STAGES or (window and name != "burn_rate"):
        raise ReliabilityError(
            f"unknown field {text!r}: one of {', '.join(FIELDS)} (burn_rate:WINDOW for one window)",
            EXIT_UNKNOWN,
        )
    return name, window or None


def field_section(trace: SloTrace, field: str, window: str | None = None) -> FieldSection:
    stage = FIELD_STAGES[field]
    if stage is Stage.BUDGETS and isinstance(trace.budget, UnjudgedBudget):
        body = [f"no objective in force, so no budget: {trace.budget.reason}"]
    else:
        body = burn_rate_lines(trace, window) if field == "burn_rate" else _LINES[field](trace)
    values = field_values(trace, field, window)
    return FieldSection(field, window, ARTIFACT_FILES[stage], stage.value, tuple(body), values)


def explanation(trace: SloTrace, fields: list[tuple[str, str | None]]) -> Explanation:
    run = trace.run
    return Explanation(
        slo=trace.slo.id,
        run_id=run.run_id,
        evaluated_at=run.evaluated_at,
        artifacts=str(run.folder),
        notes=tuple(staleness_notes(trace.config, run)),
        configuration=tuple(configuration_lines(trace)),
        inputs=tuple(inputs(trace)),
        fields=tuple(field_section(trace, field, window) for field, window in fields),
    )
