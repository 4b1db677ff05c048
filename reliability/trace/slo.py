"""One SLO of a run: its configuration, its entry in each artifact, and what it is built from."""

from __future__ import annotations

from dataclasses import dataclass

from reliability.artifacts.error_budgets import SloBudget, UnjudgedBudget
from reliability.artifacts.run import Run
from reliability.artifacts.sli_metrics import Measurement, SloMeasurements
from reliability.artifacts.slo_targets import SloTarget
from reliability.config.model import Component, Config, Sli, Slo
from reliability.conventions import Stage
from reliability.errors import ReliabilityError
from reliability.trace.run import EXIT_UNKNOWN, entry_of


@dataclass(frozen=True)
class SloTrace:
    """Everything about one SLO: its configuration and its entry in each artifact."""

    config: Config
    run: Run
    slo: Slo
    measured: SloMeasurements  # sli-metrics.json, the SLO's section
    target: SloTarget  # slo-targets.json
    budget: SloBudget | UnjudgedBudget  # error-budgets.json

    @property
    def judged(self) -> SloBudget:
        """The budget entry of an SLO with an objective: what the budget fields are worked from."""
        if not isinstance(self.budget, SloBudget):
            raise TypeError(f"{self.slo.id} has no objective, so no budget")
        return self.budget

    @property
    def unit(self) -> str:
        method = self.measured.budgeting
        return "events" if method.method == "occurrences" else f"{method.slice} slices"

    def measurement(self, window: str) -> Measurement | None:
        """The SLI artifact's measurement of this SLO over `window`, when it measured that window."""
        return next((m for m in self.measured.measurements if m.window == window), None)


def trace_slo(config: Config, run: Run, slo_id: str) -> SloTrace:
    budget = entry_of(run.error_budgets, slo_id, run.path(Stage.BUDGETS))
    slo = config.index.slos.get(slo_id)
    if slo is None:
        files = ", ".join(str(f) for f in config.files)
        raise ReliabilityError(
            f"SLO {slo_id!r} is in the artifacts but not in the configuration ({files}): "
            "give the configuration of that run with --config",
            EXIT_UNKNOWN,
        )
    measured = entry_of(run.sli_metrics, slo_id, run.path(Stage.SLI))
    target = entry_of(run.slo_targets, slo_id, run.path(Stage.TARGETS))
    return SloTrace(config, run, slo, measured, target, budget)


def dependencies(config: Config, slo: Slo) -> list[Slo]:
    """The SLO and, for a composite, every SLO it is built from (nearest first), each once."""
    found: dict[str, Slo] = {}
    pending = [slo]
    while pending:
        current = pending.pop(0)
        if current.id in found:
            continue
        found[current.id] = current
        if current.composite is not None:
            pending.extend(part for part, _ in config.index.composite_parts(current))
    return list(found.values())


def measured_parts(config: Config, slo: Slo) -> list[tuple[Component, Sli]]:
    """Each component and SLI the SLO (or a dependency) measures, each once."""
    parts: list[tuple[Component, Sli]] = []
    for item in dependencies(config, slo):
        for component, sli in config.index.slo_slis(item):
            if (component, sli) not in parts:
                parts.append((component, sli))
    return parts
