"""The pushed-down query: events grouped by component and minute of the grid, in a dialect.

Each row the event-file reader would skip (rows.py: an unknown component, no or a non-finite
timestamp, a status that is not a whole number in 100..999, a missing success flag, a negative, NaN
or infinite latency) is left out here too, and every number goes through the same float steps as
in numpy, so the counts equal the fold's to the event.

The engine scans and checks the rows once: GROUPING SETS give the counts and the latency buckets
from the same pass, where a query per grouping would scan and check every row again.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from reliability.config.model import Component, Sli, SliKind, StatusItem, status_codes_and_classes
from reliability.core.grid import MinuteGrid
from reliability.telemetry.sql.cells import SketchCells
from reliability.telemetry.sql.dialect import Dialect
from reliability.telemetry.sql.expressions import whole_micros, within_threshold
from reliability.telemetry.sql.rows import classified_rows
from reliability.telemetry.sql.table import SqlTable


@dataclass(frozen=True)
class MinuteQuery:
    """Rows of two groupings, told apart by `per_cell`.

    per_cell 0: per (component, minute, bad_status), total_<i> and good_<i> for each of `slis`, and
    bad_<i> for each status-rule SLI; bad_status is the status of rows bad for some status-rule SLI,
    NULL for the others, so a minute's counts are the sum of its rows.
    per_cell 1: per (component, cell, bucket), `events`; cell is the first minute of the latency
    sketch's cell (the minute itself without `cells`); bucket NULL for the rows without a latency.
    """

    sql: str
    slis: tuple[Sli, ...]  # distinct SLI definitions, in column order


def minute_query(
    dialect: Dialect,
    table: SqlTable,
    components: Sequence[Component],
    grid: MinuteGrid,
    cells: SketchCells | None = None,
) -> MinuteQuery:
    slis = tuple(dict.fromkeys(sli for component in components for sli in component.slis))
    counted_if: dict[str, str] = {}  # output column -> the condition of the rows it counts
    bad_rules = []
    for number, sli in enumerate(slis):
        counted, good = _rule(dialect, sli)
        counted_if[f"total_{number}"] = counted
        counted_if[f"good_{number}"] = f"{counted} AND {good}"
        if is_status_rule(sli):
            counted_if[f"bad_{number}"] = bad = f"{counted} AND NOT ({good})"
            bad_rules.append(f"({bad})")
    bad_status = dialect.to_bigint(f"CASE WHEN {' OR '.join(bad_rules) or 'false'} THEN status END")
    bucket = dialect.bucket_index(whole_micros(dialect, "latency"))
    cell = "minute" if cells is None else cells.first_minute("minute")
    # Each condition is worked out once per row, as a 0 or 1 that both groupings sum.
    flags = [
        f", CASE WHEN {condition} THEN 1 ELSE 0 END AS is_{name}" for name, condition in counted_if.items()
    ]
    keyed = (
        f"SELECT component, minute, {bad_status} AS bad_status, {cell} AS cell, "
        f"CASE WHEN latency IS NOT NULL THEN {bucket} END AS bucket{''.join(flags)} "
        f"FROM ({_kept_rows(dialect, table, components, grid)}) AS kept"
    )
    sums = [f"{dialect.to_bigint(f'sum(is_{name})')} AS {name}" for name in counted_if]
    values = ", ".join([f"{dialect.to_bigint('count(*)')} AS events", *sums])
    sql = (
        "SELECT GROUPING(minute) AS per_cell, component, minute, bad_status, cell, bucket, "
        f"{values} FROM ({keyed}) AS keyed "
        "GROUP BY GROUPING SETS ((component, minute, bad_status), (component, cell, bucket))"
    )
    return MinuteQuery(sql, slis)


def is_status_rule(sli: Sli) -> bool:
    """An availability SLI judged by the status: the fold keeps its bad events per status."""
    return sli.good is not None and not sli.good.success_flag


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
