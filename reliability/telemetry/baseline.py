"""Counters need two samples in time: one snapshot or scrape is only a baseline, which a run must say."""

from __future__ import annotations

from collections.abc import Collection

from reliability.config.model import Origin
from reliability.errors import InputError, Problem


def require_two_times(source: str, origin: Origin, times: Collection[float], what: str) -> None:
    """InputError unless the counters were read at two times or more (`what`: snapshot, scrape)."""
    if len(times) >= 2:
        return
    found = f"only one {what}" if times else f"no {what} with a counter"
    message = (
        f"source {source!r}: {found}; one {what} is only the baseline of its counters, "
        f"an increase needs at least two {what}s"
    )
    problem = Problem(origin.file, message, origin.line)
    raise InputError(str(problem), [problem])
