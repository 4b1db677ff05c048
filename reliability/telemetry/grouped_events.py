"""An event source with grouped components read once: a block's new groups are found before its
reading keys are looked up, and a group's per-minute state is added to the accumulator before the
first chunk holding its events is counted.

State grows with the groups (at most max_groups per component) times the grid's minutes, never with
the events. Values a component's events have only outside the grid make no group: their events are
read (and counted out of range) under a key of no state, up to max_groups such values.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass, field, replace

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from reliability.config.group_checks import too_many_groups
from reliability.config.groups import GroupValues, split_group
from reliability.config.model import Component, EventSource
from reliability.core.accumulate import Accumulator, ComponentSeries
from reliability.core.events import EventColumns
from reliability.core.grid import MinuteGrid
from reliability.telemetry.event_files import read_events
from reliability.telemetry.formats import ParsedBlock
from reliability.telemetry.group_discovery import block_groups
from reliability.telemetry.group_routing import SEPARATOR, GroupBy, reading_key
from reliability.telemetry.ingest import SourceRead, fold_events
from reliability.telemetry.progress import NO_TASK, TaskHandle
from reliability.telemetry.report import ReadReport

NOT_COUNTED = -1  # the accumulator code of a reading key that is no group (yet)


@dataclass
class _GroupRouter:
    """Reading keys as groups turn up, and the accumulator code each key's events are counted under.

    Keys are added where blocks are checked (`admit`), which may run ahead of the counting; the
    accumulator takes each new group where chunks are counted (`counted`), before the chunk.
    """

    source: EventSource
    accumulator: Accumulator
    keys: list[str]  # reading keys; index = the component code read_events gives
    owners: dict[tuple[GroupBy, str], Component]  # (grouping, component value) -> grouped component
    groups: dict[str, dict[GroupValues, int]] = field(default_factory=dict)  # id -> values -> key index
    codes: list[int] = field(default_factory=list)  # accumulator code of each reading key
    _index: dict[str, int] = field(default_factory=dict)
    _owner_of: dict[int, Component] = field(default_factory=dict)  # key index of a group -> component
    _outside: dict[str, int] = field(default_factory=dict)  # id -> values kept seen outside only
    _new: deque[int] = field(default_factory=deque)  # key indexes made groups, for the accumulator

    def __post_init__(self) -> None:
        self._index = {key: index for index, key in enumerate(self.keys)}
        self.codes = list(range(len(self.keys)))

    def admit(self, block: ParsedBlock, group_by: GroupBy, keys: pa.Array) -> None:
        """Add the block's new groups, and values seen outside the grid, before its keys are looked up."""
        asked = {
            key
            for key in pc.unique(keys).drop_null().to_pylist()
            if self._index.get(key) not in self._owner_of and self._owner(group_by, key) is not None
        }
        if not asked:  # the common case: every key of the block is known
            return
        found = block_groups(block, self.source, keys, asked, self.accumulator.grid)
        for key in sorted(found.inside):
            self._make_group(self._owner(group_by, key), key)
        for key in sorted(found.outside - found.inside - self._index.keys()):
            comp = self._owner(group_by, key)
            if comp is not None and self._outside.get(comp.id, 0) < comp.max_groups:  # else unknown
                self._outside[comp.id] = self._outside.get(comp.id, 0) + 1
                self._add_key(key)

    def _owner(self, group_by: GroupBy, key: str) -> Component | None:
        return self.owners.get((group_by, key.partition(SEPARATOR)[0]))

    def _make_group(self, comp: Component | None, key: str) -> None:
        assert comp is not None  # only the keys of grouped components are asked
        groups = self.groups.setdefault(comp.id, {})
        if len(groups) >= comp.max_groups:
            raise too_many_groups(comp)
        index = self._index[key] if key in self._index else self._add_key(key)
        groups[tuple(key.split(SEPARATOR)[1:])] = index
        self._owner_of[index] = comp
        self._new.append(index)

    def _add_key(self, key: str) -> int:
        self._index[key] = len(self.keys)
        self.keys.append(key)
        return self._index[key]

    def counted(self, chunks: Iterator[EventColumns]) -> Iterator[EventColumns]:
        """The chunks with accumulator codes for reading-key indexes."""
        for events in chunks:
            while self._new:
                index = self._new.popleft()
                self.codes += [NOT_COUNTED] * (index + 1 - len(self.codes))
                self.codes[index] = self.accumulator.include(self._owner_of[index])
            self.codes += [NOT_COUNTED] * (len(self.keys) - len(self.codes))
            codes = np.asarray(self.codes, dtype=np.int32)
            yield replace(events, component=codes[events.component])

    def code_of(self, comp_id: str, values: GroupValues) -> int:
        """A group's accumulator code after the read; NOT_COUNTED if no chunk held its events."""
        index = self.groups.get(comp_id, {}).get(values)
        return NOT_COUNTED if index is None or index >= len(self.codes) else self.codes[index]


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
        Accumulator(grid, plain, window_starts),
        keys=[reading_key(c, has_column) for c in plain],
        owners={(c.group_by, c.match if has_column else ""): c for c in grouped},
    )
    report = ReadReport(source.name)
    group_bys = tuple(dict.fromkeys(c.group_by for c in grouped))
    chunks = read_events(
        source, router.keys, report, strict=strict, task=task, group_bys=group_bys, admit=router.admit
    )
    unit = source.columns.timestamp_described
    counted = fold_events(router.counted(chunks), router.accumulator, report, source, unit)
    plain_codes = {c.id: code for code, c in enumerate(plain)}

    def series_of(comp: Component) -> ComponentSeries:
        """A concrete component's series; a group only another component of its SLO has is none."""
        if comp.group:
            code = router.code_of(split_group(comp.id)[0], tuple(value for _, value in comp.group))
        else:
            code = plain_codes[comp.id]
        if code == NOT_COUNTED:
            return Accumulator(grid, [comp], window_starts).finish()[0]
        return replace(counted[code], component=comp)

    def series_for(concrete: list[Component]) -> list[ComponentSeries]:
        return [series_of(c) for c in concrete]

    found = {comp_id: frozenset(groups) for comp_id, groups in router.groups.items()}
    return found, SourceRead(report, series_for)
