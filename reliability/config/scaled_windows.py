"""Alert window pairs scaled to the SLO period, as the Workbook's table is derived for 30 days.

The Workbook's pairs spend 2 %, 5 %, 10 % and 10 % of a 30-day budget in their long window at
14.4x, 6x, 3x and 1x. For another period P the budget shares stay, and both windows of every pair
are multiplied by P / 30 d and rounded to whole minutes (half a minute up), so the factor
share x P / long stays 14.4, 6, 3 and 1 (to the rounding of the long window). A short window is
never under 1 minute, the finest step the minute grid and a 30 s scrape can measure.

Below 1 day the fastest pairs reach that floor: a long window is never under twice its short one,
so such a pair stops shrinking and keeps its burn-rate factor instead, spending a larger share of
the budget before it fires (a 1h SLO pages at 14.4x over 2m/1m, 48 % of its budget). The factor is
what the alert means; a share a minute grid cannot measure is what gives way.
"""

from __future__ import annotations

from collections.abc import Iterator

from reliability.config.model import AlertWindowPair, CalendarUnit, SloWindow
from reliability.vocabulary import Window

DAY = 86400
REFERENCE_PERIOD_SECONDS = 30 * DAY  # the period the Workbook's table is written for
MIN_WINDOW_SECONDS = 60
# The period a calendar window's pairs are scaled for: its periods vary (28 to 31 days, DST hours),
# rules and dashboards need one fixed set.
NOMINAL_CALENDAR_DAYS = {CalendarUnit.WEEK: 7, CalendarUnit.MONTH: 30, CalendarUnit.QUARTER: 90}


def nominal_period_seconds(window: SloWindow) -> int:
    """The period the alert windows are scaled for: the rolling length, or a calendar unit's usual days."""
    if window.calendar is not None:
        return NOMINAL_CALENDAR_DAYS[window.calendar] * DAY
    assert window.rolling is not None
    return window.rolling.seconds


def scaled_window(window: Window, period_seconds: int) -> Window:
    """`window` x period / 30 d in whole minutes, half a minute rounded up, at least 1 minute."""
    minutes = (2 * window.seconds * period_seconds + REFERENCE_PERIOD_SECONDS * 60) // (
        2 * REFERENCE_PERIOD_SECONDS * 60
    )
    return Window.of(max(MIN_WINDOW_SECONDS, minutes * 60))


def scaled_pair(pair: AlertWindowPair, period_seconds: int) -> AlertWindowPair:
    """One pair of the 30-day table for a period of `period_seconds` (see the module's floor rule)."""
    short = scaled_window(pair.short, period_seconds)
    long = scaled_window(pair.long, period_seconds)
    if long.seconds >= 2 * short.seconds:
        return AlertWindowPair(pair.severity, long, short, pair.budget_share)
    long = Window.of(2 * short.seconds)
    factor = pair.factor(REFERENCE_PERIOD_SECONDS)
    return AlertWindowPair(pair.severity, long, short, factor * long.seconds / period_seconds)


def scaled_pairs(pairs: tuple[AlertWindowPair, ...], period_seconds: int) -> tuple[AlertWindowPair, ...]:
    """The pairs of a 30-day table for a period of `period_seconds`."""
    return tuple(scaled_pair(pair, period_seconds) for pair in pairs)


def scaled_set_name(name: str, period_seconds: int) -> str:
    """'sre-workbook' for 30 days, 'sre-workbook-7d' for 7: one name per scaled table in the artifacts."""
    if period_seconds == REFERENCE_PERIOD_SECONDS:
        return name
    return f"{name}-{Window.of(period_seconds).name}"


def misfits(pairs: tuple[AlertWindowPair, ...], period_seconds: int) -> Iterator[str]:
    """Why each pair does not fit the period: it can never apply, or it alerts while the budget lasts."""
    for pair in pairs:
        factor = pair.factor(period_seconds)
        if pair.long.seconds > period_seconds:
            yield f"pair {pair.label} has a long window longer than the period: it never fires"
        elif factor < 1:
            yield (
                f"pair {pair.label} fires at {factor:.3g}x the budget burn: below 1x, it alerts while "
                "the budget would last the period"
            )
