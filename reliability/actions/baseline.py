"""The before/after gate: each SLO's SLI (and latency p99) in a baseline run against the run judged.

Stop when an SLI fell by more than the stated margin (percentage points of SLI, or a relative growth
of the error ratio) or a p99 grew by more than its margin; undecided when either run has no data for
an SLO, unless no data is allowed. Pure: reading the runs and printing are the command's.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from reliability.actions.gate import EXIT_CODES, Verdict
from reliability.errors import EXIT_INVALID_CONFIG, ReliabilityError

DEFAULT_MAX_WORSE_POINTS = 0.1
DEFAULT_MAX_SLOWER_RATIO = 0.1
SLI_MEASURE = "sli"
P99_MEASURE = "p99"


@dataclass(frozen=True)
class Figures:
    """What one run measured for one SLO over its window."""

    sli_ratio: float | None  # 0..1; None: no data
    p99_seconds: float | None = None  # latency SLIs only


@dataclass(frozen=True)
class RunFigures:
    """One run's figures per SLO id, and where they came from."""

    run_id: str
    evaluated_at: str
    source: str  # the folder or the ledger the figures were read from
    slos: Mapping[str, Figures]


@dataclass(frozen=True)
class Margins:
    max_worse_points: float | None  # percentage points the SLI may drop
    max_worse_ratio: float | None  # relative growth the error ratio may have (0.1: 10 % more errors)
    max_slower_ratio: float = DEFAULT_MAX_SLOWER_RATIO  # relative growth p99 may have
    allow_no_data: bool = False

    def sli_text(self) -> str:
        parts = []
        if self.max_worse_points is not None:
            parts.append(f"-{self.max_worse_points:g} pp")
        if self.max_worse_ratio is not None:
            parts.append(f"errors +{self.max_worse_ratio * 100:g}%")
        return ", ".join(parts)

    def p99_text(self) -> str:
        return f"+{self.max_slower_ratio * 100:g}%"


def margins(
    max_worse_points: float | None,
    max_worse_ratio: float | None,
    max_slower_ratio: float | None,
    allow_no_data: bool,
) -> Margins:
    """The margins asked for; with none on the SLI, a drop of DEFAULT_MAX_WORSE_POINTS points."""
    for name, value in (
        ("--max-worse", max_worse_points),
        ("--max-worse-ratio", max_worse_ratio),
        ("--max-slower-ratio", max_slower_ratio),
    ):
        if value is not None and not value >= 0:
            raise ReliabilityError(f"{name}: a margin is a number >= 0, not {value}", EXIT_INVALID_CONFIG)
    if max_worse_points is None and max_worse_ratio is None:
        max_worse_points = DEFAULT_MAX_WORSE_POINTS
    slower = DEFAULT_MAX_SLOWER_RATIO if max_slower_ratio is None else max_slower_ratio
    return Margins(max_worse_points, max_worse_ratio, slower, allow_no_data)


@dataclass(frozen=True)
class Change:
    """One compared figure of one SLO: before, after and the verdict on the difference."""

    slo: str
    measure: str  # SLI_MEASURE or P99_MEASURE
    before: float | None
    after: float | None
    margin: str
    verdict: Verdict
    reason: str

    @property
    def change(self) -> float | None:
        """after - before: SLI in ratio 0..1, p99 in seconds."""
        return None if self.before is None or self.after is None else self.after - self.before


@dataclass(frozen=True)
class Comparison:
    verdict: Verdict
    baseline: RunFigures
    current: RunFigures
    margins: Margins
    changes: tuple[Change, ...]

    @property
    def exit_code(self) -> int:
        return EXIT_CODES[self.verdict]

    def headline(self) -> str:
        if not self.changes:
            return "nothing to compare: an empty gate never passes"
        counts = {v: sum(c.verdict is v for c in self.changes) for v in Verdict}
        words = {Verdict.STOP: "worse", Verdict.UNDECIDED: "without data", Verdict.PASS: "within margin"}
        parts = [
            f"{counts[v]} {words[v]}" for v in (Verdict.STOP, Verdict.UNDECIDED, Verdict.PASS) if counts[v]
        ]
        return f"{len(self.changes)} figure(s): {', '.join(parts)}"


def _error_growth(before: float, after: float) -> float:
    """How much the error ratio grew, relative: 0.5 = half as many errors again; inf from zero errors."""
    before_errors, after_errors = 1 - before, 1 - after
    if before_errors <= 0:
        return float("inf") if after_errors > 0 else 0.0
    return (after_errors - before_errors) / before_errors


def _no_data(slo: str, measure: str, before: float | None, after: float | None, given: Margins) -> Change:
    missing = " and ".join(
        name for name, value in (("the baseline", before), ("this run", after)) if value is None
    )
    margin = given.sli_text() if measure == SLI_MEASURE else given.p99_text()
    if given.allow_no_data:
        return Change(slo, measure, before, after, margin, Verdict.PASS, f"no data in {missing} (allowed)")
    return Change(slo, measure, before, after, margin, Verdict.UNDECIDED, f"no data in {missing}")


def _sli_change(slo: str, before: float | None, after: float | None, given: Margins) -> Change:
    margin = given.sli_text()
    if before is None or after is None:
        return _no_data(slo, SLI_MEASURE, before, after, given)
    worse_points = (before - after) * 100
    growth = _error_growth(before, after)
    reasons = []
    if given.max_worse_points is not None and worse_points > given.max_worse_points + 1e-9:
        reasons.append(f"SLI down {worse_points:.3f} pp, more than {given.max_worse_points:g} pp")
    if given.max_worse_ratio is not None and growth > given.max_worse_ratio + 1e-9:
        grown = "from none" if growth == float("inf") else f"+{growth * 100:.1f}%"
        reasons.append(f"error ratio {grown}, more than +{given.max_worse_ratio * 100:g}%")
    if reasons:
        return Change(slo, SLI_MEASURE, before, after, margin, Verdict.STOP, "; ".join(reasons))
    return Change(slo, SLI_MEASURE, before, after, margin, Verdict.PASS, "within margin")


def _p99_change(slo: str, before: float | None, after: float | None, given: Margins) -> Change:
    margin = given.p99_text()
    if before is None or after is None:
        return _no_data(slo, P99_MEASURE, before, after, given)
    if after > before * (1 + given.max_slower_ratio) + 1e-12:
        grown = "from zero" if before == 0 else f"+{(after / before - 1) * 100:.1f}%"
        reason = f"p99 {grown}, more than {margin}"
        return Change(slo, P99_MEASURE, before, after, margin, Verdict.STOP, reason)
    return Change(slo, P99_MEASURE, before, after, margin, Verdict.PASS, "within margin")


def selected(slo_ids: Sequence[str], patterns: Sequence[str], where: str) -> list[str]:
    """The SLO ids matching any pattern (an id or a glob); none given: all. A pattern matching
    nothing is an error: a misspelt --compare must not pass silently."""
    if not patterns:
        return list(slo_ids)
    for pattern in patterns:
        if not fnmatch.filter(slo_ids, pattern):
            raise ReliabilityError(
                f"--compare {pattern!r} matches no SLO of {where}; known: {', '.join(slo_ids)}",
                EXIT_INVALID_CONFIG,
            )
    return [s for s in slo_ids if any(fnmatch.fnmatchcase(s, p) for p in patterns)]


def compare(baseline: RunFigures, current: RunFigures, patterns: Sequence[str], given: Margins) -> Comparison:
    """Every selected SLO of either run: its SLI, and its p99 when either run measured one."""
    ids = list(current.slos) + [s for s in baseline.slos if s not in current.slos]
    where = f"{current.source} or {baseline.source}"
    absent = Figures(None)
    changes: list[Change] = []
    for slo in selected(ids, patterns, where):
        before, after = baseline.slos.get(slo, absent), current.slos.get(slo, absent)
        changes.append(_sli_change(slo, before.sli_ratio, after.sli_ratio, given))
        if before.p99_seconds is not None or after.p99_seconds is not None:
            changes.append(_p99_change(slo, before.p99_seconds, after.p99_seconds, given))
    found = {c.verdict for c in changes}
    verdict = next((v for v in (Verdict.STOP, Verdict.UNDECIDED) if v in found), Verdict.PASS)
    if not changes:
        verdict = Verdict.UNDECIDED
    return Comparison(verdict, baseline, current, given, tuple(changes))
