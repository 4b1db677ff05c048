"""Which component each event is, when components are grouped: the component column's value joined
with the group keys' values is the key a grouped component is read under."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc

from reliability.config.model import Component, GroupKey
from reliability.telemetry import convert
from reliability.telemetry.derived import component_text

SEPARATOR = "\x1f"  # the ASCII unit separator: in no column value a log or CSV file holds
GroupBy = tuple[GroupKey, ...]
Admit = Callable[[GroupBy, pa.Array], None]  # (grouping, each row's reading key under it)


def reading_key(component: Component, has_component_column: bool) -> str:
    """What a component's events read as: its match value, then its group's values if it has one."""
    base = component.match if has_component_column else ""
    return SEPARATOR.join((base, *(value for _, value in component.group)))


def group_columns(group_bys: Sequence[GroupBy]) -> tuple[str, ...]:
    """The columns the group keys read, each once."""
    return tuple(dict.fromkeys(key.column for group_by in group_bys for key in group_by))


def group_value(column: pa.Array, key: GroupKey) -> pa.Array:
    """A key's value in each row as text; null where the column is absent or the pattern does not match."""
    return component_text(column, key.pattern) if key.pattern else convert.to_text(column)


def keyed(names: pa.Array, group_by: GroupBy, column: Callable[[str], pa.Array]) -> pa.Array:
    """Each row's component name joined with its group values (null if any of them is)."""
    if not group_by:
        return names
    values = [group_value(column(key.column), key) for key in group_by]
    return pc.binary_join_element_wise(convert.to_text(names), *values, SEPARATOR)


def component_codes(
    names: pa.Array,
    group_bys: Sequence[GroupBy],
    column: Callable[[str], pa.Array],
    keys: list[str],
    admit: Admit | None = None,
) -> npt.NDArray[np.int32]:
    """Each row's index in `keys` (reading keys), trying each grouping in turn; -1 where none fits.
    `admit` is shown each grouping's keys of the rows first, and may add new ones to `keys`."""
    codes = convert.codes_of(names, keys)
    for group_by in group_bys:
        rows = keyed(names, group_by, column)
        if admit is not None:
            admit(group_by, rows)
        found = convert.codes_of(rows, keys)
        codes = np.where(codes < 0, found, codes)
    return codes
