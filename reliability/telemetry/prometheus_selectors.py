"""Which of a group's selectors a series answers to, as PromQL matches `=~` (anchored).

A group's selectors are asked as one and its answer's series told apart here, once per series:
selectors whose patterns are plain text are looked up by the series' values of their labels,
not tried one by one, which would grow as series times selectors.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from reliability.config.model import Selector

Labels = tuple[tuple[str, str], ...]
_PATTERN_SYNTAX = frozenset("\\.^$*+?{}[]|()")


def matches(selector: Selector, labels: Labels) -> bool:
    """As PromQL matches `=~` (anchored), on a series' labels without its name."""
    found = dict(labels)
    return all(re.fullmatch(value, found.get(label, "")) for label, value in selector.labels)


def _plain(pattern: str) -> bool:
    return not _PATTERN_SYNTAX.intersection(pattern)


class AnyOf:
    """Whether a series matches any of the selectors."""

    def __init__(self, selectors: Iterable[Selector]) -> None:
        self._plain: dict[tuple[str, ...], set[tuple[str, ...]]] = {}
        self._patterns: list[Selector] = []
        for selector in selectors:
            if all(_plain(value) for _, value in selector.labels):
                keys = tuple(label for label, _ in selector.labels)
                self._plain.setdefault(keys, set()).add(tuple(value for _, value in selector.labels))
            else:
                self._patterns.append(selector)

    def __call__(self, labels: Labels) -> bool:
        found = dict(labels)
        return any(
            tuple(found.get(key, "") for key in keys) in values for keys, values in self._plain.items()
        ) or any(matches(selector, labels) for selector in self._patterns)
