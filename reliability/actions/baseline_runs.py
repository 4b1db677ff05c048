"""The figures the before/after gate compares, read from a run's artifacts or from the run ledger.

A baseline is a folder of a run's artifacts (a copy of generated/ kept from before the change) or
a run id recorded in the ledger; the ledger keeps each SLO's SLI, not latency percentiles.
"""

from __future__ import annotations

from pathlib import Path

from reliability.actions.baseline import Figures, RunFigures
from reliability.artifacts.error_budgets import ErrorBudgets, SloBudget, UnjudgedBudget
from reliability.artifacts.run import read_run
from reliability.artifacts.sli_metrics import SliMetrics
from reliability.conventions import Stage
from reliability.errors import EXIT_INVALID_CONFIG, ReliabilityError
from reliability.ledger import Ledger
from reliability.timefmt import format_rfc3339


def _p99(entry: SloBudget | UnjudgedBudget, sli: SliMetrics) -> float | None:
    """The SLO window's p99 of a latency SLI on one component; None for anything else."""
    if entry.sli is None or "+" in entry.component or entry.component == "*":
        return None
    component = next(
        (c for c in sli.components if (c.service, c.component) == (entry.service, entry.component)), None
    )
    if component is None or all(s.kind != "latency" for s in component.slis if s.name == entry.sli):
        return None
    windows = {w.window: w.figures.p99_seconds for w in component.latency.windows}
    return windows.get(entry.window)


def figures_of(budgets: ErrorBudgets, sli: SliMetrics, source: str) -> RunFigures:
    """Each SLO's SLI and, for a latency SLI, its p99, as one run's artifacts give them."""
    slos = {
        e.slo: Figures(None if isinstance(e, UnjudgedBudget) or e.no_data else e.sli_ratio, _p99(e, sli))
        for e in budgets.slos
    }
    header = budgets.header
    return RunFigures(header.run_id, format_rfc3339(header.evaluated_at), source, slos)


def from_folder(folder: Path) -> RunFigures:
    run = read_run(folder, (Stage.SLI, Stage.BUDGETS))
    return figures_of(run.error_budgets, run.sli_metrics, str(folder))


def from_ledger(ledger: Path, run_id: str) -> RunFigures:
    """The latest succeeded run with this id (a rerun at the same time and inputs gets the same id)."""
    if not ledger.is_file():
        raise ReliabilityError(
            f"--baseline {run_id}: not a folder, and no ledger at {ledger} to look the run id up in",
            EXIT_INVALID_CONFIG,
        )
    with Ledger.open(ledger, create=False) as book:
        runs = [r for r in book.history() if r["run_id"] == run_id]
    if not runs:
        raise ReliabilityError(
            f"--baseline {run_id}: neither a folder nor a succeeded run recorded in {ledger}",
            EXIT_INVALID_CONFIG,
        )
    run = runs[-1]
    slos = {s["slo"]: Figures(s["sli_ratio"]) for s in run["slos"]}
    return RunFigures(run_id, run["evaluated_at"], f"{ledger} (run {run_id})", slos)


def baseline_figures(baseline: str, ledger: Path) -> RunFigures:
    """A folder when `baseline` names one, else a run id looked up in the ledger."""
    folder = Path(baseline)
    return from_folder(folder) if folder.is_dir() else from_ledger(ledger, baseline)
