"""Which selectors a series answers to, as PromQL matches `=~` (anchored).

A group's selectors are asked as one and its answer's series told apart here, once per series:
selectors are looked up by the series' values of their labels whose patterns are plain text,
and only their other patterns are tried, not every selector one by one, which would grow as
series times selectors.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from typing import Generic, TypeVar

from reliability.config.model import Selector

Labels = tuple[tuple[str, str], ...]
Item = TypeVar("Item")
_PATTERN_SYNTAX = frozenset("\\.^$*+?{}[]|()")


def matches(selector: Selector, labels: Labels) -> bool:
    """As PromQL matches `=~` (anchored), on a series' labels without its name."""
    return _all_match(selector.labels, dict(labels))


def _all_match(patterns: Labels, found: dict[str, str]) -> bool:
    return all(re.fullmatch(value, found.get(label, "")) for label, value in patterns)


def _plain(pattern: str) -> bool:
    return not _PATTERN_SYNTAX.intersection(pattern)


class Matching(Generic[Item]):
    """The items whose selector a series matches (the metric name aside).

    A plain-text pattern matches only itself, so each selector is filed under the names and
    values of its plain labels; a series then finds its candidates with one lookup per set of
    names, and only their other patterns are tried.
    """

    def __init__(self, selectors: Iterable[tuple[Item, Selector]]) -> None:
        self._filed: dict[tuple[str, ...], dict[tuple[str, ...], list[tuple[Item, Labels]]]] = {}
        for item, selector in selectors:
            plain = [(label, value) for label, value in selector.labels if _plain(value)]
            patterns = tuple((label, value) for label, value in selector.labels if not _plain(value))
            by_values = self._filed.setdefault(tuple(label for label, _ in plain), {})
            by_values.setdefault(tuple(value for _, value in plain), []).append((item, patterns))

    def __call__(self, labels: Labels) -> Iterator[Item]:
        found = dict(labels)
        for names, by_values in self._filed.items():
            for item, patterns in by_values.get(tuple(found.get(name, "") for name in names), ()):
                if not patterns or _all_match(patterns, found):
                    yield item


class AnyOf:
    """Whether a series matches any of the selectors."""

    def __init__(self, selectors: Iterable[Selector]) -> None:
        self._matching = Matching((None, selector) for selector in selectors)

    def __call__(self, labels: Labels) -> bool:
        return any(True for _ in self._matching(labels))
