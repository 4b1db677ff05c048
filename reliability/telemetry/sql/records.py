"""What became of the rows the engine read, counted by the engine as the event-file reader counts
records: per file, per skip reason (with the first few located), before the history, after the
evaluation time, used. One grouped query; a second, for the examples, only when rows were skipped.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

from reliability.config.model import Component
from reliability.core.grid import MinuteGrid
from reliability.errors import InputError, Problem
from reliability.telemetry.report import MAX_EXAMPLES, ReadReport, SkippedExample, first_example
from reliability.telemetry.sql.dialect import Dialect
from reliability.telemetry.sql.rows import USABLE, ClassifiedRows, classified_rows
from reliability.telemetry.sql.table import SqlTable

_BEFORE, _AFTER = -1, -2  # outcome codes of usable rows off the grid (skip reasons are 1, 2, ...)


@dataclass
class RecordCounts:
    files: dict[str, int] = field(default_factory=dict)  # path -> rows read
    skipped: Counter[str] = field(default_factory=Counter)
    examples: list[SkippedExample] = field(default_factory=list)  # the first few of each reason
    before_history: int = 0
    after_now: int = 0
    used: int = 0
    seen: tuple[float, float] | None = None  # earliest and latest time of the usable rows
    # Read for --strict where lines are unknown: the examples of different reasons cannot be
    # ordered by line then, so the first skipped row of all is asked for.
    first_skipped: SkippedExample | None = None

    def told(self, report: ReadReport) -> None:
        """Into the run's report, as the event-file reader fills it."""
        for path, rows in self.files.items():
            report.files[path] = report.files.get(path, 0) + rows
        for reason, count in self.skipped.items():
            report.skip(reason, count, [e for e in self.examples if e.reason == reason])
        report.before_history += self.before_history
        report.after_now += self.after_now
        report.used += self.used

    def stop_at_a_skipped_row(self) -> None:
        """--strict: the first skipped row in file order fails the run."""
        if not self.skipped:
            return
        first = self.first_skipped or first_example(self.examples)
        assert first is not None  # rows were skipped: their examples were read
        where = f"{first.reason} ({first.value!r})"
        problem = Problem(first.file, where, first.line, first.field or None)
        counted = ", ".join(f"{reason}: {n:,}" for reason, n in self.skipped.items())
        message = f"bad record: {problem} ({counted}; --strict stops at the first bad record)"
        raise InputError(message, [problem])


def read_record_counts(
    dialect: Dialect,
    table: SqlTable,
    components: Sequence[Component],
    grid: MinuteGrid,
    *,
    strict: bool = False,
) -> RecordCounts:
    rows = classified_rows(dialect, table, components, grid, located=True)
    outcome = (
        f"CASE WHEN reason <> {USABLE} THEN reason WHEN minute < 0 THEN {_BEFORE} "
        f"WHEN minute >= {grid.minutes} THEN {_AFTER} ELSE {USABLE} END"
    )
    counts = dialect.run(
        f"SELECT record_file, {outcome} AS outcome, {dialect.to_bigint('count(*)')} AS records, "
        "min(seconds) AS earliest, max(seconds) AS latest "
        f"FROM ({rows.sql}) AS classified GROUP BY record_file, outcome"
    ).to_pylist()
    found = RecordCounts()
    earliest, latest = float("inf"), float("-inf")
    failed: set[int] = set()  # the codes of the checks some row failed
    for row in counts:
        code, records = int(row["outcome"]), int(row["records"])
        found.files[str(row["record_file"])] = found.files.get(str(row["record_file"]), 0) + records
        if code > USABLE:
            found.skipped[rows.checks[code - 1].reason] += records
            failed.add(code)
            continue
        earliest, latest = min(earliest, row["earliest"]), max(latest, row["latest"])
        if code == _BEFORE:
            found.before_history += records
        elif code == _AFTER:
            found.after_now += records
        else:
            found.used += records
    found.files = dict(sorted(found.files.items()))
    order = list(dict.fromkeys(check.reason for check in rows.checks))  # the reader's order of checks
    found.skipped = Counter(dict(sorted(found.skipped.items(), key=lambda item: order.index(item[0]))))
    if earliest <= latest:
        found.seen = (earliest, latest)
    if failed:
        found.examples = _examples(dialect, rows, [f"reason = {code}" for code in sorted(failed)])
        if strict and not rows.lines_known:
            found.first_skipped = _examples(dialect, rows, [f"reason <> {USABLE}"], 1)[0]
    return found


def _examples(
    dialect: Dialect, rows: ClassifiedRows, conditions: Sequence[str], limit: int = MAX_EXAMPLES
) -> list[SkippedExample]:
    """The first rows in file order meeting each condition: a top-N per check, far cheaper than
    numbering every skipped row (a third of a lake may be other components')."""
    # Without lines, the scan's own order is the files': DuckDB keeps it (preserve_insertion_order)
    # where no ORDER BY asks otherwise.
    ordered = " ORDER BY record_file, record_line" if rows.lines_known else ""
    firsts = [
        f"SELECT * FROM (SELECT record_file, record_line, reason, shown FROM ({rows.sql}) AS classified "
        f"WHERE {condition}{ordered} LIMIT {limit}) AS first_{n}"
        for n, condition in enumerate(conditions)
    ]
    picked = dialect.run(" UNION ALL ".join(firsts)).to_pylist()
    examples = []
    for row in picked:
        check = rows.checks[int(row["reason"]) - 1]
        line = None if row["record_line"] is None else int(row["record_line"])
        examples.append(
            SkippedExample(str(row["record_file"]), line, check.reason, check.field, row["shown"])
        )
    return examples
