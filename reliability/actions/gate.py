"""The release gate's decision: from a run's error budget and SLA artifacts to a verdict per SLO.

Pass when every selected SLO's policy says ok or warn, stop when the policy says stop (freeze, a spent
budget or a page), undecided when it cannot tell (no data, an unknown selection). Stop wins over no
data: a known reason to stop stands whatever the silent SLOs would have said. Pure: reading the
artifacts and printing the verdict are the command's (reliability.commands.gate).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

from reliability.artifacts.error_budgets import Alert, ErrorBudgets, Policy, SloBudget, UnjudgedBudget
from reliability.artifacts.sla_compliance import SlaCompliance, SlaEntry
from reliability.conventions import ARTIFACT_FILES, Stage
from reliability.render.numbers import exact, percent
from reliability.stages.sla_compliance import slas_covering
from reliability.timefmt import format_rfc3339
from reliability.trace.run import unknown

PASSING_STATES = ("ok", "warn")
STOPPING_STATE = "freeze"


class Verdict(StrEnum):
    PASS = "pass"
    STOP = "stop"
    UNDECIDED = "undecided"


EXIT_CODES = {Verdict.PASS: 0, Verdict.STOP: 1, Verdict.UNDECIDED: 2}
COUNTED = {Verdict.PASS: "pass", Verdict.STOP: "stop", Verdict.UNDECIDED: "cannot be decided"}


@dataclass(frozen=True)
class SloVerdict:
    slo: str
    verdict: Verdict
    policy: str
    budget_left: str
    alert: str
    sla: str
    reasons: list[str]
    # The same figures as numbers, for --format json (the strings above are the table's).
    budget_remaining_ratio: float | None = None
    budget_exhausted: bool = False
    slas: tuple[SlaEntry, ...] = ()


@dataclass(frozen=True)
class GateResult:
    verdict: Verdict
    evaluated_at: str
    run_id: str
    artifacts: str
    slos: list[SloVerdict]

    @property
    def exit_code(self) -> int:
        return EXIT_CODES[self.verdict]

    @property
    def deciding(self) -> list[SloVerdict]:
        """The SLOs that made the verdict: all of them when it passes."""
        return [s for s in self.slos if s.verdict is self.verdict]

    def headline(self) -> str:
        if not self.slos:
            return "no SLO to judge: an empty gate never passes"
        counts = {v: sum(s.verdict is v for s in self.slos) for v in Verdict}
        parts = [
            f"{counts[v]} {COUNTED[v]}" for v in (Verdict.STOP, Verdict.UNDECIDED, Verdict.PASS) if counts[v]
        ]
        return f"{len(self.slos)} SLO(s): {', '.join(parts)}"


def _page_reason(alert: Alert) -> str:
    firing = [
        f"{p.long_window}/{p.short_window} burn {exact(p.long_burn_rate)}x and "
        f"{exact(p.short_burn_rate)}x above {exact(p.factor)}x"
        for p in alert.pairs
        if p.severity == "page" and p.status == "firing" and not p.low_confidence
    ]
    return "page alert" + (f": {'; '.join(firing)}" if firing else "")


def _policy_reason(policy: Policy) -> str:
    rule = f" by rules[{policy.rule}]" if policy.rule is not None else ""
    return f"policy {policy.state}{rule}: {policy.reason}"


def _judge(entry: SloBudget | UnjudgedBudget) -> tuple[Verdict, list[str]]:
    if isinstance(entry, UnjudgedBudget):
        return Verdict.UNDECIDED, [f"no objective: {entry.reason}"]
    policy, budget, alert = entry.policy, entry.budget, entry.alert
    stops = []
    if policy.state == STOPPING_STATE:
        stops.append(_policy_reason(policy))
    if budget.exhausted:
        consumed = budget.consumed_ratio
        spent = f"{percent(consumed, 1)} of it spent" if consumed is not None else "a zero budget overspent"
        stops.append(f"budget exhausted: {spent}")
    if alert.state == "page":
        stops.append(_page_reason(alert))
    if stops:
        return Verdict.STOP, stops
    if policy.state in PASSING_STATES:
        return Verdict.PASS, [_policy_reason(policy)]
    if policy.state == "no_data":
        return Verdict.UNDECIDED, [_policy_reason(policy)]
    return Verdict.UNDECIDED, [
        f"{_policy_reason(policy)}; the gate passes {' and '.join(PASSING_STATES)} and stops on "
        f"{STOPPING_STATE}, and knows no other state"
    ]


def _sla_text(entry: SloBudget, sla_artifact: SlaCompliance) -> str:
    texts = []
    for sla in slas_covering(sla_artifact, entry.service, entry.component, entry.sli):
        credit = sla.current.credit_percent
        status = sla.status.upper() if sla.status == "breached" else sla.status
        texts.append(status + (f" ({exact(credit)}% credit)" if credit else ""))
    return ", ".join(texts) or "-"


def _slo_verdict(entry: SloBudget | UnjudgedBudget, sla_artifact: SlaCompliance) -> SloVerdict:
    verdict, reasons = _judge(entry)
    if isinstance(entry, UnjudgedBudget):
        return SloVerdict(entry.slo, verdict, "no_data", "no data", "no data", "-", reasons)
    budget = entry.budget
    left = percent(budget.remaining_ratio, 1)
    return SloVerdict(
        slo=entry.slo,
        verdict=verdict,
        policy=entry.policy.state,
        budget_left=f"EXHAUSTED ({left})" if budget.exhausted else left,
        alert=entry.alert.state,
        sla=_sla_text(entry, sla_artifact),
        reasons=reasons,
        budget_remaining_ratio=budget.remaining_ratio,
        budget_exhausted=budget.exhausted,
        slas=tuple(slas_covering(sla_artifact, entry.service, entry.component, entry.sli)),
    )


def _selected(
    entries: tuple[SloBudget | UnjudgedBudget, ...], services: list[str], slos: list[str], where: str
) -> list[SloBudget | UnjudgedBudget]:
    """The entries of the given services and SLOs (either selects; none given: all)."""
    known_services = {e.service for e in entries}
    known_slos = {e.slo for e in entries}
    for service in services:
        if service not in known_services:
            raise unknown("service", service, known_services, where)
    for slo in slos:
        if slo not in known_slos:
            raise unknown("SLO", slo, known_slos, where)
    if not services and not slos:
        return list(entries)
    return [e for e in entries if e.service in services or e.slo in slos]


def decide(
    budgets: ErrorBudgets, slas: SlaCompliance, services: list[str], slos: list[str], folder: Path
) -> GateResult:
    """The verdict on the selected SLOs of one run, from its error budget and SLA artifacts.

    `folder` only names where the artifacts are, in the result and in the error for an unknown selection.
    """
    where = str(folder / ARTIFACT_FILES[Stage.BUDGETS])
    chosen = [_slo_verdict(e, slas) for e in _selected(budgets.slos, services, slos, where)]
    found = {s.verdict for s in chosen}
    verdict = next((v for v in (Verdict.STOP, Verdict.UNDECIDED) if v in found), Verdict.PASS)
    if not chosen:
        verdict = Verdict.UNDECIDED
    evaluated_at = format_rfc3339(budgets.header.evaluated_at)
    return GateResult(verdict, evaluated_at, budgets.header.run_id, str(folder), chosen)
