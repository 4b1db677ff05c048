"""A document with schema problems, less the items that hold them: so references can be checked too.

Reference problems ("unknown source 'x'") are found on the model, which needs schema-valid input. To
report them in the same pass as the schema problems, each invalid list item (a source, an SLI, an
SLO, a hook...) is cut out, the line of every remaining key path kept, and the names of the cut items
remembered: a reference to one of those is not reported, since the item exists, only broken.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from reliability.config.yaml_source import KeyPath, YamlDocument

# The lists whose items are things of their own; a problem inside one costs only that item.
ITEM_LISTS = frozenset(
    {"sources", "services", "components", "slis", "slos", "slas", "hooks", "alert_windows"}
)


@dataclass(frozen=True)
class Salvaged:
    doc: YamlDocument
    cut_names: frozenset[str]


def item_of(key_path: KeyPath) -> KeyPath | None:
    """The innermost list item (of ITEM_LISTS) that holds the key path, if any."""
    for end in range(len(key_path), 1, -1):
        if isinstance(key_path[end - 1], int) and key_path[end - 2] in ITEM_LISTS:
            return tuple(key_path[:end])
    return None


def _shifted(key_path: KeyPath, item: KeyPath) -> KeyPath | None:
    """The key path once `item` is removed from its list: None inside it, one less after it."""
    depth = len(item) - 1
    if len(key_path) <= depth or tuple(key_path[:depth]) != item[:depth]:
        return key_path
    index, cut = key_path[depth], item[depth]
    assert isinstance(index, int) and isinstance(cut, int)  # both paths name the same list here
    if index == cut:
        return None
    if index < cut:
        return key_path
    return (*key_path[:depth], index - 1, *key_path[depth + 1 :])


def without_items(doc: YamlDocument, problem_paths: Iterable[KeyPath]) -> Salvaged | None:
    """The document less every item holding a problem; None when a problem is outside any item."""
    items = set()
    for key_path in problem_paths:
        item = item_of(key_path)
        if item is None:
            return None
        items.add(item)
    data: Any = copy.deepcopy(doc.data)
    lines = dict(doc.lines)
    names = set()
    # Deepest and last first, so an item's path still points at it when it is cut.
    for item in sorted(items, key=lambda path: (len(path), path[-1]), reverse=True):
        if any(other != item and item[: len(other)] == other for other in items):
            continue  # inside an item that goes anyway
        holder = data
        for part in item[:-1]:
            holder = holder[part]
        removed = holder.pop(item[-1])
        if isinstance(removed, dict) and isinstance(removed.get("name"), str):
            names.add(removed["name"])
        moved = {_shifted(path, item): line for path, line in lines.items()}
        lines = {path: line for path, line in moved.items() if path is not None}
    return Salvaged(YamlDocument(doc.path, data, lines), frozenset(names))


def mentions(message: str, names: Iterable[str]) -> bool:
    """Whether a message quotes one of the names (alone or as the last part of an id)."""
    return any(f"'{name}'" in message or f"/{name}'" in message for name in names)
