"""An objective as a percent, with its ratio and error budget from one exact conversion.

Decimal arithmetic on the number as written: 99.9 % is the ratio 0.999 and the budget 0.001,
where binary floats give 0.9990000000000001 and 0.0010000000000000009. A rule, a metric and an
artifact that state the same objective therefore state the same number.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal


def _decimal(value: float) -> Decimal:
    """The number as it is written: the shortest text that reads back as the same float."""
    return Decimal(repr(float(value)))


def _ratio(percent: float) -> Decimal:
    return _decimal(percent).scaleb(-2)


def ratio_of_percent(percent: float) -> float:
    """Any percent as a 0..1 ratio, as an objective's: 99.9 -> 0.999."""
    return float(_ratio(percent))


def budget_fraction(ratio: float) -> float:
    """The share of events allowed to be bad, 1 - ratio, without float noise: 1 - 0.999 is 0.001."""
    return float(1 - _decimal(ratio))


@dataclass(frozen=True)
class Objective:
    """The share of good events an SLO (or a time slice, or an SLA) must reach."""

    percent: float

    @classmethod
    def from_ratio(cls, ratio: float) -> Objective:
        """0.999 -> 99.9 %, not 99.89999999999999."""
        return cls(float(_decimal(ratio).scaleb(2)))

    @property
    def exact_ratio(self) -> Decimal:
        return _ratio(self.percent)

    @property
    def ratio(self) -> float:
        return float(self.exact_ratio)

    @property
    def exact_budget(self) -> Decimal:
        """1 - objective: the share of events allowed to be bad."""
        return 1 - self.exact_ratio

    @property
    def budget_fraction(self) -> float:
        return float(self.exact_budget)
