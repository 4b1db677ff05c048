"""The built-in alert window sets, scaled to each SLO's period where the configuration is loaded.

An SLO naming a built-in set (`sre-workbook`, the default) gets that set scaled to its period under
a name of its own (`sre-workbook-7d`), so run, backtest, rules and dashboards all read the same pairs
from `Config.alert_window_sets`. A set declared in the configuration is used as written.
"""

from __future__ import annotations

from dataclasses import replace

from reliability.config.defaults import BUILTIN_WINDOW_SETS
from reliability.config.model import AlertWindowPair, Slo, SloWindow
from reliability.config.scaled_windows import (
    misfits,
    nominal_period_seconds,
    scaled_pairs,
    scaled_set_name,
)

WindowSets = dict[str, tuple[AlertWindowPair, ...]]


def is_builtin_or_scaled(name: str) -> bool:
    """A built-in set's name, or one its scaled copies take ('sre-workbook-7d'): not for user sets."""
    return any(
        name == b or (name.startswith(f"{b}-") and name[len(b) + 1 :][:1].isdigit())
        for b in BUILTIN_WINDOW_SETS
    )


def resolved(name: str, window: SloWindow, sets: WindowSets) -> tuple[str, tuple[AlertWindowPair, ...]]:
    """The set an SLO with `window` is alerted with when it names `name`: scaled if built-in.

    ValueError for a built-in set and a period under 1 day; KeyError for an unknown name.
    """
    if name not in BUILTIN_WINDOW_SETS:
        return name, sets[name]
    period = nominal_period_seconds(window)
    return scaled_set_name(name, period), scaled_pairs(BUILTIN_WINDOW_SETS[name], period)


def with_scaled_sets(slos: list[Slo], sets: WindowSets) -> tuple[list[Slo], WindowSets]:
    """Each SLO on a built-in set moved to that set scaled to its period."""
    all_sets = dict(sets)
    scaled = []
    for slo in slos:
        if slo.alert_windows in BUILTIN_WINDOW_SETS:
            name, pairs = resolved(slo.alert_windows, slo.window, sets)
            all_sets[name] = pairs
            slo = replace(slo, alert_windows=name)
        scaled.append(slo)
    return scaled, all_sets


def fit_warnings(slos: tuple[Slo, ...], sets: WindowSets) -> list[str]:
    """'service/slo: why' for each pair of a declared set that does not fit its SLO's period (the
    built-in sets are scaled to fit)."""
    return [
        f"{slo.id}: alert window set {slo.alert_windows!r}: {why}"
        for slo in slos
        if not is_builtin_or_scaled(slo.alert_windows)
        for why in misfits(sets.get(slo.alert_windows, ()), nominal_period_seconds(slo.window))
    ]
