"""Which record each artifact file is read into and written from."""

from __future__ import annotations

from reliability.artifacts.error_budgets import ErrorBudgets
from reliability.artifacts.sla_compliance import SlaCompliance
from reliability.artifacts.sli_metrics import SliMetrics
from reliability.artifacts.slo_targets import SloTargets

Artifact = SliMetrics | SloTargets | ErrorBudgets | SlaCompliance

# By kind: the file name without .json.
MODELS: dict[str, type[SliMetrics] | type[SloTargets] | type[ErrorBudgets] | type[SlaCompliance]] = {
    "sli-metrics": SliMetrics,
    "slo-targets": SloTargets,
    "error-budgets": ErrorBudgets,
    "sla-compliance": SlaCompliance,
}
