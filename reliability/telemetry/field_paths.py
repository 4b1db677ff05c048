"""Fields nested in JSON records, named by a path: `responses.5xx`, `attributes["http.status_code"]`.

A name that is a top-level key as written is that key (a CSV-style name with a dot keeps working);
otherwise its path is followed through objects, and a record without it reads as missing.
"""

from __future__ import annotations

import re
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

_SEGMENT = re.compile(r'\["((?:[^"\\]|\\.)*)"\]|\[\'((?:[^\'\\]|\\.)*)\'\]|([^.\[\]]+)')


def path_of(name: str) -> tuple[str, ...]:
    """The keys a name walks: `a.b["c.d"]` -> ("a", "b", "c.d"); a name that is no path -> (name,)."""
    segments: list[str] = []
    position = 0
    while position < len(name):
        if segments and name[position] == ".":
            position += 1
        found = _SEGMENT.match(name, position)
        if found is None:
            return (name,)
        segments.append(next(g for g in found.groups() if g is not None))
        position = found.end()
    return tuple(segments) or (name,)


def nested_column(table: pa.Table, name: str) -> pa.Array | None:
    """The values at `name`'s path in a table of JSON records, or None when no record has its first key."""
    path = path_of(name)
    if len(path) < 2 or path[0] not in table.column_names:
        return None
    column: pa.Array = table.column(path[0]).combine_chunks()
    for key in path[1:]:
        kind = column.type
        if not pa.types.is_struct(kind) or kind.get_field_index(key) < 0:
            return pa.nulls(len(column), pa.string())
        # A null parent makes its children null, as the record has no value there.
        column = pc.struct_field(column, [kind.get_field_index(key)])
    return column


def value_at(record: dict[str, Any], name: str) -> Any:
    """The value at `name` in a parsed JSON record (None when absent): the slow path's nested_column."""
    if name in record:
        return record[name]
    value: Any = record
    for key in path_of(name):
        if not isinstance(value, dict):
            return None
        value = value.get(key)
    return value


def text_schema(names: tuple[str, ...]) -> pa.Schema:
    """An explicit schema reading these (possibly nested) fields as text, every other field inferred.

    A dotted name is declared both as written and as a path: which one the records hold is seen later.
    """
    tree: dict[str, Any] = {name: None for name in names}
    for name in names:
        if len(path_of(name)) < 2:
            continue
        node: dict[str, Any] | None = tree
        *parents, leaf = path_of(name)
        for key in parents:
            node = node.setdefault(key, {}) if node is not None else None
        if node is not None:  # None: a parent is itself read as text, so the path cannot be an object
            node[leaf] = None

    def typed(node: dict[str, Any]) -> list[tuple[str, pa.DataType]]:
        return [(k, pa.string() if v is None else pa.struct(typed(v))) for k, v in node.items()]

    return pa.schema(typed(tree))
