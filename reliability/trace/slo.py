"""One SLO of a run: its configuration, its entry in each artifact, and what it is built from."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from reliability.config.model import Component, Config, Sli, Slo
from reliability.conventions import Stage
from reliability.errors import ReliabilityError
from reliability.trace.run import EXIT_UNKNOWN, Run, entry_of


@dataclass(frozen=True)
class SloTrace:
    """Everything about one SLO: its configuration and its entry in each artifact."""

    config: Config
    run: Run
    slo: Slo
    measured: dict[str, Any]  # sli-metrics.json, the SLO's section
    target: dict[str, Any]  # slo-targets.json
    budget: dict[str, Any]  # error-budgets.json

    @property
    def unit(self) -> str:
        method = self.measured["budgeting"]
        return "events" if method["method"] == "occurrences" else f"{method['slice']} slices"

    def measurement(self, window: str) -> dict[str, Any] | None:
        """The SLI artifact's measurement of this SLO over `window`, when it measured that window."""
        return next((m for m in self.measured["measurements"] if m["window"] == window), None)


def trace_slo(config: Config, run: Run, slo_id: str) -> SloTrace:
    budget = entry_of(run, Stage.BUDGETS, slo_id)
    slo = config.index.slos.get(slo_id)
    if slo is None:
        files = ", ".join(str(f) for f in config.files)
        raise ReliabilityError(
            f"SLO {slo_id!r} is in the artifacts but not in the configuration ({files}): "
            "give the configuration of that run with --config",
            EXIT_UNKNOWN,
        )
    measured = next(m for m in run.artifacts[Stage.SLI]["slos"] if m["slo"] == slo_id)
    return SloTrace(config, run, slo, measured, entry_of(run, Stage.TARGETS, slo_id), budget)


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
