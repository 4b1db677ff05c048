"""Multiwindow, multi-burn-rate alerts (SRE Workbook, chapter 5).

A pair fires when the burn rate exceeds its factor over both its long and its
short window. Factors keep each pair's share of the budget whatever the SLO
window: factor = budget share x SLO window / long window (14.4 for 2 % in 1 h of 30 d).

A window with fewer events than the SLO's minimum is low-confidence: its burn rate
is reported, and a page pair resting on it fires as a ticket, never as a page.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum

from reliability.config.defaults import WORKBOOK_PAIRS
from reliability.config.model import AlertWindowPair
from reliability.core.budget import BurnRate

WindowPair = AlertWindowPair

__all__ = ["WORKBOOK_PAIRS", "AlertResult", "AlertState", "PairResult", "PairStatus", "evaluate_alerts"]


class AlertState(StrEnum):
    PAGE = "page"
    TICKET = "ticket"
    OK = "ok"
    NO_DATA = "no_data"


class PairStatus(StrEnum):
    FIRING = "firing"
    OK = "ok"
    NO_DATA = "no_data"
    NOT_APPLICABLE = "not_applicable"  # long window longer than the SLO window


@dataclass(frozen=True)
class PairResult:
    pair: AlertWindowPair
    factor: float
    long_burn: BurnRate
    short_burn: BurnRate
    status: PairStatus
    low_confidence: bool = False  # a window had fewer events than the minimum

    @property
    def effective_severity(self) -> str:
        """The severity this pair raises: a low-confidence page is only a ticket."""
        return "ticket" if self.low_confidence else self.pair.severity


@dataclass(frozen=True)
class AlertResult:
    state: AlertState
    pairs: tuple[PairResult, ...]

    @property
    def fired(self) -> tuple[PairResult, ...]:
        return tuple(p for p in self.pairs if p.status is PairStatus.FIRING)


def _has_no_data(rate: BurnRate) -> bool:
    return rate.value is None and not rate.unbounded


def evaluate_alerts(
    burn_by_window: Mapping[str, BurnRate],
    slo_window_seconds: float,
    pairs: tuple[AlertWindowPair, ...] = WORKBOOK_PAIRS,
    low_confidence_windows: frozenset[str] = frozenset(),
) -> AlertResult:
    """The alert state: page or ticket if a pair fires, no_data if a needed window is empty, else ok."""
    results = []
    for pair in pairs:
        factor = pair.factor(slo_window_seconds)
        long_burn, short_burn = burn_by_window[pair.long.name], burn_by_window[pair.short.name]
        if pair.long.seconds > slo_window_seconds:
            status = PairStatus.NOT_APPLICABLE
        elif long_burn.exceeds(factor) and short_burn.exceeds(factor):
            status = PairStatus.FIRING
        elif _has_no_data(long_burn) or _has_no_data(short_burn):
            status = PairStatus.NO_DATA
        else:
            status = PairStatus.OK
        weak = bool({pair.long.name, pair.short.name} & low_confidence_windows)
        results.append(PairResult(pair, factor, long_burn, short_burn, status, weak))
    firing = {r.effective_severity for r in results if r.status is PairStatus.FIRING}
    if "page" in firing:
        state = AlertState.PAGE
    elif "ticket" in firing:
        state = AlertState.TICKET
    elif any(r.status is PairStatus.NO_DATA for r in results):
        state = AlertState.NO_DATA
    else:
        state = AlertState.OK
    return AlertResult(state, tuple(results))
