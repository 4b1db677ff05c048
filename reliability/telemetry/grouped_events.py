"""An event source with grouped components read once: each block's new groups are found before the
block is counted, so a group's per-minute state is added when its first event inside the grid is read.

State grows with the groups (at most max_groups per component) times the grid's minutes, never with
the events. Values a component's events have only outside the grid are read as a group of no state
(their events are counted out of range), up to max_groups more of them.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field, replace

import numpy as np

from reliability.config.group_checks import too_many_groups
from reliability.config.groups import GroupValues, split_group
from reliability.config.model import Component, EventSource
from reliability.core.accumulate import Accumulator, ComponentSeries
from reliability.core.events import EventColumns
from reliability.core.grid import MinuteGrid
from reliability.telemetry.event_files import read_events
from reliability.telemetry.formats import ParsedBlock
from reliability.telemetry.group_discovery import block_groups
from reliability.telemetry.group_routing import SEPARATOR, reading_key
from reliability.telemetry.ingest import SourceRead, fold_events
from reliability.telemetry.progress import NO_TASK, TaskHandle
from reliability.telemetry.report import ReadReport

NOT_COUNTED = -1  # the accumulator code of a group with no event inside the grid (yet)


@dataclass
class _GroupRouter:
    """Reading keys as groups turn up, and the accumulator code each key's events are counted under."""

    source: EventSource
    grouped: list[Component]
    accumulator: Accumulator
    keys: list[str]  # reading keys; index = the component code read_events gives
    codes: list[int]  # accumulator code of each reading key
    groups: dict[str, dict[GroupValues, int]] = field(default_factory=dict)  # id -> group -> code
    outside: dict[str, set[GroupValues]] = field(default_factory=dict)  # id -> values outside only

    def see(self, block: ParsedBlock) -> None:
        """Add the groups of the block's events before the block is counted."""
        for comp in self.grouped:
            found = block_groups(block, self.source, comp, self.accumulator.grid)
            groups = self.groups.setdefault(comp.id, {})
            outside = self.outside.setdefault(comp.id, set())
            for values in sorted(found.inside - groups.keys()):
                if len(groups) >= comp.max_groups:
                    raise too_many_groups(comp)
                groups[values] = self._route(comp, values, self.accumulator.include(comp))
                outside.discard(values)
            for values in sorted(found.outside - groups.keys() - outside):
                if len(outside) < comp.max_groups:  # bounded: further ones are unknown components
                    outside.add(values)
                    self._route(comp, values, NOT_COUNTED)

    def _route(self, comp: Component, values: GroupValues, code: int) -> int:
        key = SEPARATOR.join((comp.match if self.source.columns.component else "", *values))
        if key in self.keys:
            self.codes[self.keys.index(key)] = code
        else:
            self.keys.append(key)
            self.codes.append(code)
        return code

    def counted(self, chunks: Iterator[EventColumns]) -> Iterator[EventColumns]:
        """The chunks with accumulator codes for reading-key indexes."""
        for events in chunks:
            codes = np.asarray(self.codes, dtype=np.int32)
            yield replace(events, component=codes[events.component])


def read_grouped_events(
    source: EventSource,
    components: list[Component],
    grid: MinuteGrid,
    window_starts: tuple[int, ...],
    *,
    strict: bool = False,
    task: TaskHandle = NO_TASK,
) -> tuple[dict[str, frozenset[GroupValues]], SourceRead]:
    """The source read once: its grouped components' groups, and every component's counts."""
    has_column = source.columns.component is not None
    plain = [c for c in components if not c.group_by]
    grouped = [c for c in components if c.group_by]
    router = _GroupRouter(
        source,
        grouped,
        Accumulator(grid, plain, window_starts),
        keys=[reading_key(c, has_column) for c in plain],
        codes=list(range(len(plain))),
    )
    report = ReadReport(source.name)
    group_bys = tuple(dict.fromkeys(c.group_by for c in grouped))
    chunks = read_events(
        source, router.keys, report, strict=strict, task=task, group_bys=group_bys, on_block=router.see
    )
    counted = fold_events(
        router.counted(chunks), router.accumulator, report, source, source.columns.timestamp_described
    )
    codes = {c.id: code for code, c in enumerate(plain)}
    for comp_id, groups in router.groups.items():
        codes.update({_grouped_id(comp_id, values): code for values, code in groups.items()})

    def series_for(concrete: list[Component]) -> list[ComponentSeries]:
        return [_series_of(c, codes, counted, grid, window_starts) for c in concrete]

    found = {comp_id: frozenset(groups) for comp_id, groups in router.groups.items()}
    return found, SourceRead(report, series_for)


def _grouped_id(comp_id: str, values: GroupValues) -> str:
    return SEPARATOR.join((comp_id, *values))


def _series_of(
    comp: Component,
    codes: dict[str, int],
    counted: list[ComponentSeries],
    grid: MinuteGrid,
    window_starts: tuple[int, ...],
) -> ComponentSeries:
    """A concrete component's series; a group another component of its SLO has is counted as none."""
    key = _grouped_id(split_group(comp.id)[0], tuple(v for _, v in comp.group)) if comp.group else comp.id
    code = codes.get(key)
    if code is None:
        return Accumulator(grid, [comp], window_starts).finish()[0]
    return replace(counted[code], component=comp)
