"""Each row's values and the first check it fails, in the event-file reader's order and words.

The event-file reader (event_files._BlockNormaliser) checks a row's component, timestamp, status,
success flag and latency in that order and counts it under the first reason it fails; the CASE
below does the same, so the engine's counts per reason equal the reader's for the same rows.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from reliability.config.model import Component
from reliability.core.grid import MINUTE, MinuteGrid
from reliability.telemetry.sql.dialect import Dialect, quoted_name, quoted_text
from reliability.telemetry.sql.expressions import latency_seconds
from reliability.telemetry.sql.table import SqlTable

USABLE = 0  # the reason code of a row no check rejects


@dataclass(frozen=True)
class Check:
    reason: str  # as the event-file reader words it
    field: str  # the mapped column it reads
    # SQL over the inner query's r_ columns, given that every earlier check passed; true or false,
    # never NULL, so that the CASE of the checks and their conjunction keep the same rows.
    failed: str


@dataclass(frozen=True)
class UsableRows:
    """The same checks as plain conditions, for the per-minute queries: the engine filters by them
    as it scans, where the CASE of every check would cost as much again."""

    scanned: str  # a query of the r_ columns of every row
    passed: str  # true where no check fails
    minute: str  # the grid minute (DOUBLE) over r_seconds
    succeeded: str  # the success flag as good/bad over r_flag


@dataclass(frozen=True)
class ClassifiedRows:
    """A query of every row: `minute` (DOUBLE, the grid minute), `component`, `status`, `succeeded`,
    `latency`, `seconds` and `reason` (USABLE, or 1 + the index in `checks` of the first failed);
    located, also `record_file`, `record_line` (NULL where the engine cannot tell) and `shown`
    (the failed field's value as text)."""

    sql: str
    checks: tuple[Check, ...]
    usable: UsableRows
    lines_known: bool = True  # false: record_line is NULL and the rows come in file order


def classified_rows(
    dialect: Dialect,
    table: SqlTable,
    components: Sequence[Component],
    grid: MinuteGrid,
    *,
    located: bool = False,
) -> ClassifiedRows:
    columns = table.columns
    raw: dict[str, str] = {}  # r_ name -> expression over the scanned columns
    checks: list[Check] = []
    fields: list[str] = []  # the scanned column each check shows
    if columns.component:
        name = quoted_name(columns.component)
        raw["r_component"] = dialect.text(name)
        matches = ", ".join(quoted_text(c.match) for c in components)
        failed = f"r_component IS NULL OR r_component NOT IN ({matches})"
        checks.append(Check("unknown component", columns.component, failed))
        fields.append(name)
    else:
        raw["r_component"] = quoted_text(components[0].match)
    stamp = quoted_name(columns.timestamp)
    raw["r_stamp_absent"] = f"{stamp} IS NULL"
    raw["r_seconds"] = _timestamp_seconds(dialect, table)
    checks.append(Check("missing timestamp", columns.timestamp, "r_stamp_absent"))
    unusable = f"r_seconds IS NULL OR NOT {dialect.is_finite('r_seconds')}"
    checks.append(Check("invalid timestamp", columns.timestamp, unusable))
    fields += [stamp, stamp]
    if columns.status:
        name = quoted_name(columns.status)
        raw["r_status_absent"] = f"{name} IS NULL"
        raw["r_status"] = dialect.to_double(name)
        checks.append(Check("missing status", columns.status, "r_status_absent"))
        outside = (
            f"r_status IS NULL OR NOT {dialect.is_finite('r_status')} OR r_status <> floor(r_status) "
            "OR r_status < 100 OR r_status > 999"
        )
        checks.append(Check("invalid status", columns.status, outside))
        fields += [name, name]
    else:
        raw["r_status"] = dialect.to_double("NULL")
    flag_column = columns.success or columns.error
    if flag_column:
        name = quoted_name(flag_column)
        raw["r_flag_absent"] = f"{name} IS NULL"
        raw["r_flag"] = dialect.to_boolean(name)
        checks.append(Check("missing success flag", flag_column, "r_flag_absent"))
        checks.append(Check("invalid success flag", flag_column, "r_flag IS NULL"))
        fields += [name, name]
        succeeded = f"(r_flag {'= true' if columns.success else '= false'})"
    else:
        succeeded = dialect.to_boolean("NULL")
    if columns.latency and columns.latency.column:
        column = columns.latency.column
        name = quoted_name(column)
        raw["r_latency_absent"] = f"{name} IS NULL"
        raw["r_latency"] = latency_seconds(dialect, name, columns.latency.unit)
        checks += [
            Check("invalid latency", column, "r_latency IS NULL AND NOT r_latency_absent"),
            Check("NaN latency", column, f"r_latency IS NOT NULL AND {dialect.is_nan('r_latency')}"),
            Check("negative latency", column, "r_latency IS NOT NULL AND r_latency < 0"),
            Check(
                "invalid latency", column, f"r_latency IS NOT NULL AND NOT {dialect.is_finite('r_latency')}"
            ),
        ]
        fields += [name] * 4
    else:
        raw["r_latency"] = dialect.to_double("NULL")
    lines_known = True
    if located:
        raw["record_file"], line = table.location(dialect)
        lines_known = line is not None
        raw["record_line"] = dialect.to_bigint("NULL") if line is None else line
        shown_columns = list(dict.fromkeys(fields))
        raw |= {f"r_text_{n}": dialect.text(f) for n, f in enumerate(shown_columns)}
    selected = ", ".join(f"{sql} AS {alias}" for alias, sql in raw.items())
    inner = f"SELECT {selected} FROM {table.scan(dialect, located=located)}"
    branches = " ".join(f"WHEN {c.failed} THEN {code}" for code, c in enumerate(checks, 1))
    reason = f"CASE {branches} ELSE {USABLE} END"
    middle = f"SELECT *, {reason} AS reason FROM ({inner}) AS scanned"
    minute = f"floor((r_seconds - {dialect.double(grid.origin)}) / {dialect.double(MINUTE)})"
    values = [
        f"CASE WHEN reason = {USABLE} THEN {minute} END AS minute",
        "r_component AS component",
        "r_status AS status",
        f"{succeeded} AS succeeded",
        "r_latency AS latency",
        "r_seconds AS seconds",
        "reason",
    ]
    if located:
        texts = " ".join(
            f"WHEN reason = {code} THEN r_text_{shown_columns.index(f)}" for code, f in enumerate(fields, 1)
        )
        values += ["record_file", "record_line", f"coalesce(CASE {texts} END, '(empty)') AS shown"]
    usable = " AND ".join(f"NOT ({c.failed})" for c in checks)
    return ClassifiedRows(
        f"SELECT {', '.join(values)} FROM ({middle}) AS checked",
        tuple(checks),
        UsableRows(inner, usable, minute, succeeded),
        lines_known,
    )


def _timestamp_seconds(dialect: Dialect, table: SqlTable) -> str:
    column = quoted_name(table.columns.timestamp)
    fmt = table.columns.timestamp_format.value
    if fmt == "unix_s":
        return dialect.to_double(column)
    if fmt == "unix_ms":
        return f"({dialect.to_double(column)} / {dialect.double(1000.0)})"
    return dialect.rfc3339_seconds(column)
