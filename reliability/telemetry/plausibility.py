"""A source that gave no usable record must say why, loudly: every record bad, or timestamps in the
wrong unit (milliseconds read as seconds put every event some 50,000 years ahead)."""

from __future__ import annotations

from reliability.config.model import Origin
from reliability.core.grid import MinuteGrid
from reliability.errors import InputError, Problem, file_line, printable
from reliability.telemetry.report import ReadReport, first_example

_YEAR = 365.2425 * 86400
_PER_SECOND = {"unix_s": 1.0, "unix_ms": 1e3, "unix_us": 1e6, "unix_ns": 1e9}
FAR = 10 * _YEAR  # no record in the history and all this far from the evaluation time: a wrong unit


def check_usable(
    report: ReadReport,
    origin: Origin,
    grid: MinuteGrid,
    seen: tuple[float, float] | None,
    unit_hint: str,
) -> None:
    """InputError when every record of the source was skipped, or all of its timestamps are far off.

    `seen` is the (earliest, latest) timestamp of the records kept when none of them falls in the
    history (else None); `unit_hint` says what the source takes its timestamps as, for the message.
    """
    readable = report.records - report.filtered_out
    if readable > 0 and report.skipped_total >= readable:
        reasons = ", ".join(f"{reason}: {n:,}" for reason, n in report.skipped.most_common())
        first = first_example(report.examples)
        example = (
            f"; e.g. {file_line(first.file, first.line)}: {first.reason}: {printable(first.value)}"
            if first
            else ""
        )
        problem = Problem(
            origin.file,
            f"source {report.source!r}: all {readable:,} records were skipped ({reasons}){example}",
            origin.line,
        )
        raise InputError(str(problem), [problem])
    if seen is None:
        return
    earliest, latest = seen
    if earliest > grid.end + FAR:
        guess = "milliseconds or finer read as seconds?"
    elif latest < grid.end - FAR:
        guess = "seconds read as milliseconds?"
    else:
        return
    message = (
        f"source {report.source!r}: no record falls in the history; its timestamps run from about year "
        f"{_year(earliest)} to {_year(latest)} ({guess} they are read as {unit_hint})"
        f"{_unit_that_fits(unit_hint, earliest, grid)}"
    )
    problem = Problem(origin.file, message, origin.line)
    raise InputError(str(problem), [problem])


def _unit_that_fits(unit_hint: str, earliest: float, grid: MinuteGrid) -> str:
    """'; as unix_ms they start in 2026' when another unix unit puts the values near the evaluation time."""
    declared = _PER_SECOND.get(unit_hint)
    if declared is None:
        return ""
    written = earliest * declared  # the numbers as they stand in the file
    for unit, per_second in _PER_SECOND.items():
        if unit != unit_hint and abs(written / per_second - grid.end) < FAR:
            return f"; as {unit} they start in {_year(written / per_second)}"
    return ""


def _year(epoch_seconds: float) -> int:
    return int(1970 + epoch_seconds // _YEAR)
