"""The pushed-down queries: events grouped by component and minute of the grid, in a dialect.

Each row the event-file reader would skip (rows.py: an unknown component, no or a non-finite
timestamp, a status that is not a whole number in 100..999, a missing success flag, a negative, NaN
or infinite latency) is left out here too, and every number goes through the same float steps as
in numpy, so the counts equal the fold's to the event.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from reliability.config.model import Component, Sli, SliKind, StatusItem, status_codes_and_classes
from reliability.core.grid import MinuteGrid
from reliability.telemetry.sql.dialect import Dialect
from reliability.telemetry.sql.expressions import whole_micros, within_threshold
from reliability.telemetry.sql.rows import classified_rows
from reliability.telemetry.sql.table import SqlTable


@dataclass(frozen=True)
class MinuteQueries:
    counts: str  # component, minute, events, then total_<i> and good_<i> for each of `slis`
    buckets: str  # component, minute, bucket, events
    bad_statuses: str  # component, minute, status, then bad_<i> for each of `slis`
    slis: tuple[Sli, ...]  # distinct SLI definitions, in column order


def minute_queries(
    dialect: Dialect, table: SqlTable, components: Sequence[Component], grid: MinuteGrid
) -> MinuteQueries:
    slis = tuple(dict.fromkeys(sli for component in components for sli in component.slis))
    rows = _kept_rows(dialect, table, components, grid)
    sums = []
    bads = []
    for number, sli in enumerate(slis):
        counted, good = _rule(dialect, sli)
        sums.append(f"{_count_if(dialect, counted)} AS total_{number}")
        sums.append(f"{_count_if(dialect, f'{counted} AND {good}')} AS good_{number}")
        bads.append(f"{_count_if(dialect, f'{counted} AND NOT ({good})')} AS bad_{number}")
    kept = f"WITH kept AS ({rows}) SELECT component, minute"
    counts = f"{kept}, {', '.join(sums) or '0 AS none'} FROM kept GROUP BY component, minute"
    bad_statuses = (
        f"{kept}, {dialect.to_bigint('status')} AS status, {', '.join(bads) or '0 AS none'} "
        "FROM kept WHERE status IS NOT NULL GROUP BY component, minute, status"
    )
    bucket = dialect.bucket_index(whole_micros(dialect, "latency"))
    buckets = (
        f"{kept}, {bucket} AS bucket, "
        f"{dialect.to_bigint('count(*)')} AS events FROM kept WHERE latency IS NOT NULL "
        "GROUP BY component, minute, bucket"
    )
    return MinuteQueries(counts, buckets, bad_statuses, slis)


def _count_if(dialect: Dialect, condition: str) -> str:
    return dialect.to_bigint(f"sum(CASE WHEN {condition} THEN 1 ELSE 0 END)")


def _kept_rows(dialect: Dialect, table: SqlTable, components: Sequence[Component], grid: MinuteGrid) -> str:
    """The rows no check rejects, on the grid, with their minute as a BIGINT."""
    rows = classified_rows(dialect, table, components, grid).usable
    values = [
        f"{dialect.to_bigint(rows.minute)} AS minute",
        "r_component AS component",
        "r_status AS status",
        f"{rows.succeeded} AS succeeded",
        "r_latency AS latency",
    ]
    on_grid = f"{rows.minute} >= 0 AND {rows.minute} < {grid.minutes}"
    return f"SELECT {', '.join(values)} FROM ({rows.scanned}) AS e WHERE {rows.passed} AND {on_grid}"


def _rule(dialect: Dialect, sli: Sli) -> tuple[str, str]:
    """(counted, good) as SQL conditions: reliability.core.classify's rule for the SLI."""
    if sli.kind is SliKind.LATENCY:
        assert sli.threshold_seconds is not None
        return "latency IS NOT NULL", within_threshold(dialect, "latency", sli.threshold_seconds)
    rule = sli.good
    assert rule is not None
    if rule.success_flag:
        return "succeeded IS NOT NULL", "succeeded"
    if rule.status_below is not None:
        return "status IS NOT NULL", f"status < {rule.status_below}"
    if rule.status_in is not None:
        return "status IS NOT NULL", _status_among(rule.status_in)
    excluded = _status_among(rule.status_not_in or ())
    return "status IS NOT NULL", f"NOT ({excluded})"


def _status_among(items: tuple[StatusItem, ...]) -> str:
    """Codes by IN, classes (5xx) by range, so no dialect's integer division is needed."""
    codes, classes = status_codes_and_classes(items)
    terms = [f"status IN ({', '.join(str(c) for c in codes)})"] if codes else []
    terms += [f"(status >= {h * 100} AND status < {h * 100 + 100})" for h in classes]
    return " OR ".join(terms) or "false"
