"""Finding an SLO's entry in a run's artifacts, and saying which names are unknown."""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from pathlib import Path
from typing import Protocol, TypeVar

from reliability.errors import EXIT_INVALID_CONFIG, ReliabilityError

EXIT_UNKNOWN = EXIT_INVALID_CONFIG  # an unknown SLO, field or window is a bad option

Entry = TypeVar("Entry", covariant=True)


class _SloEntry(Protocol):
    @property
    def slo(self) -> str: ...


class IndexedBySlo(Protocol[Entry]):
    """An artifact whose entries are per SLO, with its own lookup of one."""

    @property
    def slos(self) -> tuple[_SloEntry, ...]: ...

    def slo(self, slo_id: str) -> Entry: ...


def unknown(what: str, name: str, known: Iterable[str], where: str) -> ReliabilityError:
    """An unknown name as one line, with the closest known one when there is one."""
    close = difflib.get_close_matches(name, list(known), n=1)
    hint = f"; did you mean {close[0]!r}?" if close else ""
    return ReliabilityError(f"unknown {what} {name!r}: not in {where}{hint}", EXIT_UNKNOWN)


def entry_of(artifact: IndexedBySlo[Entry], slo_id: str, where: Path) -> Entry:
    """The artifact's entry for the SLO; an unknown SLO is an error naming the closest known one."""
    try:
        return artifact.slo(slo_id)
    except StopIteration:
        raise unknown("SLO", slo_id, (e.slo for e in artifact.slos), str(where)) from None
