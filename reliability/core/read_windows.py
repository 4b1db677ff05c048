"""The windows a component's figures are read over: alert windows, rolling SLO windows, all history."""

from __future__ import annotations

from collections.abc import Iterable

from reliability.config.model import Component, Config
from reliability.conventions import HISTORY_WINDOW, RECENT_WINDOWS
from reliability.core.grid import MINUTE, MinuteGrid


def windows_for(config: Config, component: Component, grid: MinuteGrid) -> list[tuple[str, int]]:
    """(name, seconds): the alert windows, each rolling SLO window on this component, and all history."""
    windows = set(RECENT_WINDOWS)
    for slo in config.index.slos_on.get(component.id, ()):
        for pair in config.alert_window_sets[slo.alert_windows]:
            windows |= {pair.long, pair.short}
        if slo.window.rolling is not None:
            windows.add(slo.window.rolling)
    rolling = [(w.name, w.seconds) for w in sorted(windows, key=lambda w: w.seconds)]
    return [*rolling, (HISTORY_WINDOW, grid.minutes * MINUTE)]


def first_minutes(config: Config, components: Iterable[Component], grid: MinuteGrid) -> tuple[int, ...]:
    """The first grid minute of every window of these components, ascending."""
    return tuple(
        sorted(
            {grid.first_minute(seconds) for c in components for _, seconds in windows_for(config, c, grid)}
        )
    )
