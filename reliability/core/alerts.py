"""Multiwindow, multi-burn-rate alerts (SRE Workbook, chapter 5).

A pair fires when the burn rate exceeds its factor over both its long and its
short window. Factors keep each pair's share of the budget whatever the SLO
window: factor = budget share x SLO window / long window (14.4 for 2 % in 1 h of 30 d).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from reliability.core.budget import BurnRate


class Severity(StrEnum):
    PAGE = "page"
    TICKET = "ticket"


class AlertState(StrEnum):
    PAGE = "page"
    TICKET = "ticket"
    OK = "ok"
    NO_DATA = "no_data"


@dataclass(frozen=True)
class WindowPair:
    severity: Severity
    long: str
    long_seconds: int
    short: str
    short_seconds: int
    budget_share: float  # of the whole SLO window's budget, spent in `long` at the factor

    def factor(self, slo_window_seconds: int) -> float:
        return self.budget_share * slo_window_seconds / self.long_seconds


WORKBOOK_PAIRS = (
    WindowPair(Severity.PAGE, "1h", 3600, "5m", 300, 0.02),
    WindowPair(Severity.PAGE, "6h", 21600, "30m", 1800, 0.05),
    WindowPair(Severity.TICKET, "1d", 86400, "2h", 7200, 0.10),
    WindowPair(Severity.TICKET, "3d", 259200, "6h", 21600, 0.10),
)


class PairStatus(StrEnum):
    FIRING = "firing"
    OK = "ok"
    NO_DATA = "no_data"
    NOT_APPLICABLE = "not_applicable"  # long window longer than the SLO window


@dataclass(frozen=True)
class PairResult:
    pair: WindowPair
    factor: float
    long_burn: BurnRate
    short_burn: BurnRate
    status: PairStatus


@dataclass(frozen=True)
class AlertResult:
    state: AlertState
    pairs: tuple[PairResult, ...]

    @property
    def fired(self) -> tuple[PairResult, ...]:
        return tuple(p for p in self.pairs if p.status is PairStatus.FIRING)


def evaluate_alerts(
    burn_by_window: dict[str, BurnRate],
    slo_window_seconds: int,
    pairs: tuple[WindowPair, ...] = WORKBOOK_PAIRS,
) -> AlertResult:
    """The alert state: page or ticket if a pair fires, no_data if a needed window is empty, else ok."""
    results = []
    for pair in pairs:
        factor = pair.factor(slo_window_seconds)
        long_burn, short_burn = burn_by_window[pair.long], burn_by_window[pair.short]
        if pair.long_seconds > slo_window_seconds:
            status = PairStatus.NOT_APPLICABLE
        elif long_burn.exceeds(factor) and short_burn.exceeds(factor):
            status = PairStatus.FIRING
        elif (long_burn.value is None and not long_burn.unbounded) or (
            short_burn.value is None and not short_burn.unbounded
        ):
            status = PairStatus.NO_DATA
        else:
            status = PairStatus.OK
        results.append(PairResult(pair, factor, long_burn, short_burn, status))
    firing = {r.pair.severity for r in results if r.status is PairStatus.FIRING}
    if Severity.PAGE in firing:
        state = AlertState.PAGE
    elif Severity.TICKET in firing:
        state = AlertState.TICKET
    elif any(r.status is PairStatus.NO_DATA for r in results):
        state = AlertState.NO_DATA
    else:
        state = AlertState.OK
    return AlertResult(state, tuple(results))
