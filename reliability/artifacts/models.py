"""Which record each artifact file is read into and written from."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TypeVar

from reliability.artifacts.error_budgets import ErrorBudgets
from reliability.artifacts.sla_compliance import SlaCompliance
from reliability.artifacts.sli_metrics import SliMetrics
from reliability.artifacts.slo_targets import SloTargets
from reliability.conventions import Stage

Artifact = SliMetrics | SloTargets | ErrorBudgets | SlaCompliance

# By kind: the file name without .json.
MODELS: dict[str, type[SliMetrics] | type[SloTargets] | type[ErrorBudgets] | type[SlaCompliance]] = {
    "sli-metrics": SliMetrics,
    "slo-targets": SloTargets,
    "error-budgets": ErrorBudgets,
    "sla-compliance": SlaCompliance,
}

T = TypeVar("T", SliMetrics, SloTargets, ErrorBudgets, SlaCompliance)


def stage_artifact(artifacts: Mapping[Stage, Artifact], stage: Stage, model: type[T]) -> T | None:
    """The artifact a stage produced, typed; None when the run stopped before that stage."""
    found = artifacts.get(stage)
    if found is None:
        return None
    if not isinstance(found, model):
        raise TypeError(f"the {stage} artifact is a {type(found).__name__}, not a {model.__name__}")
    return found
