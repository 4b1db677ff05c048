"""The golden cases: a configuration, the commands run on it, and where its expected outputs live.

Every case runs the same commands a user would, in a fresh folder holding a copy of the case's
configuration as `config/`: so every path in the outputs is relative and the same on every machine.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent

# What a case's commands write, by folder: artifacts and rules, dashboards, and the printed output.
OUTPUT_FOLDERS = ("generated", "dashboards", "stdout")
# Written by the commands but not outputs: the run ledger (a database) and the extra runs' folders.
NOT_COMPARED = ("ledger.sqlite",)


def _slug(slo_id: str) -> str:
    return slo_id.replace("/", "--")


@dataclass(frozen=True)
class Step:
    argv: tuple[str, ...]
    stdout: str | None = None  # file under stdout/ the printed output is compared with
    exit_code: int = 0


@dataclass(frozen=True)
class Case:
    name: str
    config: Path
    explained: tuple[tuple[str, str], ...]  # (SLO id, field) pairs whose `explain` text is pinned
    backtested: str  # the SLO whose `backtest` is pinned
    gate_exit_code: int
    expected_folders: tuple[
        tuple[str, Path], ...
    ] = ()  # output folder -> expected folder, if not the default
    # output folder -> a copy kept outside the tests (the README's example outputs), rewritten
    # by --update-golden only: no test reads it, so running the example there cannot break one
    published_folders: tuple[tuple[str, Path], ...] = ()
    # An earlier evaluation time whose run `gate --baseline` compares the case's run with; None: not pinned
    baseline_now: str | None = None
    baseline_gate_exit_code: int = 0

    def expected(self, folder: str) -> Path:
        return dict(self.expected_folders).get(folder, HERE / self.name / "expected" / folder)

    def steps(self) -> list[Step]:
        steps = [
            Step(("validate", "config"), "validate.txt"),
            Step(("run", "config", "--html"), "run.txt"),  # the README's run command
            Step(("run", "config", "--out", "scratch/markdown", "--format", "markdown"), "run.md"),
            Step(("run", "config", "--out", "scratch/json", "--format", "json"), "run.json"),
            Step(("report",), "report.txt"),
            Step(("rules", "config", "--tests"), "rules.txt"),
            Step(("dashboards", "config"), "dashboards.txt"),
            Step(("gate", "--format", "markdown"), "gate.md", self.gate_exit_code),
            Step(("explain", "--list"), "explain-list.txt"),
            Step(("history",), "history.txt"),
            Step(("hooks", "list"), "hooks-list.txt"),
            Step(("backtest", self.backtested, "config"), f"backtest-{_slug(self.backtested)}.txt"),
        ]
        for slo_id, field in self.explained:
            slug = f"{_slug(slo_id)}--{field.replace(':', '-')}"
            steps.append(Step(("explain", slo_id, field), f"explain-{slug}.txt"))
        return steps + self._json_steps() + self._period_steps() + self._baseline_steps()

    def _period_steps(self) -> list[Step]:
        """Per-period compliance relative to the case's evaluation time, in each document format."""
        return [
            Step(("report", "config", "--last", "month"), "report-last-month.md"),
            Step(("report", "config", "--last", "month", "--format", "html"), "report-last-month.html"),
            Step(("report", "config", "--last", "quarter", "--format", "csv"), "report-last-quarter.csv"),
        ]

    def _baseline_steps(self) -> list[Step]:
        if self.baseline_now is None:
            return []
        before = "scratch/before"
        code = self.baseline_gate_exit_code
        return [
            Step(("run", "config", "--now", self.baseline_now, "--out", before)),
            Step(("gate", "--baseline", before), "gate-baseline.txt", code),
            Step(("gate", "--baseline", before, "--format", "json"), "gate-baseline.json", code),
        ]

    def _json_steps(self) -> list[Step]:
        """Every command's --format json whose output is the same on every machine (history and
        hooks list carry wall-clock times: their shape is checked against the schemas in tests/cli)."""
        json = ("--format", "json")
        explained = self.explained[0][0]
        return [
            Step(("validate", "config", *json), "validate.json"),
            Step(("rules", "config", "--tests", *json), "rules.json"),
            Step(("dashboards", "config", *json), "dashboards.json"),
            Step(("report", *json), "report.json"),
            Step(("gate", *json), "gate.json", self.gate_exit_code),
            Step(("explain", "--list", *json), "explain-list.json"),
            Step(("explain", explained, *json), f"explain-{_slug(explained)}.json"),
            Step(("backtest", self.backtested, "config", *json), f"backtest-{_slug(self.backtested)}.json"),
        ]


CASES = (
    # The bundled example: --update-golden also rewrites its published generated/ and dashboards/.
    Case(
        "example",
        REPO / "config",
        explained=(
            ("orders/checkout-availability", "budget_remaining"),
            ("orders/checkout-availability", "burn_rate:1h"),
            ("orders/payments-availability", "sla"),
            ("storefront/catalog-latency", "objective"),
            ("storefront/recommendations-availability", "alert"),
            ("orders/order-journey", "sli"),
        ),
        backtested="orders/checkout-availability",
        gate_exit_code=1,
        baseline_now="2026-10-29T12:00:00Z",
        baseline_gate_exit_code=1,
        published_folders=(("generated", REPO / "generated"), ("dashboards", REPO / "dashboards")),
    ),
    # OpenMetrics counters (bad and good counters) and histograms: rules, rule tests and raw panels.
    Case(
        "counters",
        HERE / "counters" / "config",
        explained=(
            ("edge/eu-availability", "alert"),
            ("edge/us-latency", "sli"),
            ("edge/eu-availability", "exhaustion"),
        ),
        backtested="edge/eu-availability",
        gate_exit_code=1,
    ),
    # Calendar windows in time zones, time slices, composites, a multi-component SLO, no data,
    # budget adjustments (a weekly one in Berlin time, a one-off counted good).
    Case(
        "calendar",
        HERE / "calendar" / "config",
        explained=(
            ("billing/invoices-monthly", "budget_remaining"),
            ("billing/invoices-monthly", "sli"),
            ("billing/ledger-weekly", "sla"),
            ("billing/bill-run", "sli"),
            ("billing/invoices-good-slices", "objective"),
            ("billing/exports-availability", "forecast"),
        ),
        backtested="billing/ledger-weekly",
        gate_exit_code=1,
    ),
)
