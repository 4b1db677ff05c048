"""Checks of the user's SLO labels and severity names, and how an SLO inherits its labels."""

from __future__ import annotations

from collections.abc import Iterator, Mapping

from reliability.config.limits import label_name_problem
from reliability.conventions import RESERVED_LABELS


def label_problems(labels: Mapping[str, str]) -> Iterator[tuple[str, str]]:
    """(label name, why it cannot be used) for each unusable label of a `labels:` map."""
    for name, value in labels.items():
        if wrong := label_name_problem(name):
            yield name, wrong
        elif name.startswith("__"):
            yield name, f"{name!r}: names starting with __ are reserved by Prometheus"
        elif name in RESERVED_LABELS:
            yield name, f"{name!r} is set by reliability itself; choose another name (such as team or tier)"
        elif not value:
            yield name, f"{name!r} has an empty value, which Prometheus reads as no label: leave it out"


def severity_names_problem(page: str, ticket: str) -> str | None:
    """Why the two severity names cannot tell page from ticket, or None."""
    return f"page and ticket are both named {page!r}" if page == ticket else None


def inherited(*levels: Mapping[str, str]) -> tuple[tuple[str, str], ...]:
    """The labels of the levels merged, a later level winning (service, component, SLO), sorted."""
    merged: dict[str, str] = {}
    for level in levels:
        merged |= level
    return tuple(sorted(merged.items()))
