"""RFC 3339 text as epoch microseconds in SQL, by the event-file reader's rules (convert.py).

The reader keeps text of convert.RFC3339's shape, then Arrow's cast rejects what is out of range:
month 13, day 31 of a 30-day month, hour 24, minute or second 60, an offset of 24 hours or more.
Engines parse more than that (DuckDB date-only text and hour 24, ClickHouse hour 25 rolled over),
so the shape and the time's ranges are checked here by regular expressions (cheap, in every
engine), and each dialect counts the date (Dialect.checked_text_micros).
"""

from __future__ import annotations

from reliability.telemetry.convert import RFC3339
from reliability.telemetry.sql.dialect import Dialect, quoted_text

# What Arrow's utf8_trim_whitespace trims, in ASCII.
WHITESPACE = quoted_text(" \t\n\v\f\r")
# Hour, minute, second and offset in Arrow's ranges, at their places in text of RFC3339's shape.
_TIME_IN_RANGE = (
    "^.{11}([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9]([.][0-9]+)?(Z|[+-]([01][0-9]|2[0-3]):[0-5][0-9])$"
)
# Days from 0000-03-01 to 1970-01-01, less the 400 years added to keep every year positive.
_EPOCH_DAYS = 719468 + 146097


def column_seconds(dialect: Dialect, texts: tuple[str, str], stamps: tuple[str, str]) -> str:
    """Epoch seconds (DOUBLE) of a column, as convert.to_epoch_seconds reads it: `texts` and `stamps`
    are (the condition that the column has that type, the column as text / as epoch microseconds);
    a column of any other type is invalid. The engine knows the column's type when it plans the
    query, so each column takes one branch."""
    is_text, text = texts
    is_stamp, stamp_micros = stamps
    trimmed = dialect.trimmed(text, WHITESPACE)
    # Text without whitespace around it, the common case, is checked without trimming it.
    checked = (
        f"WHEN {' AND '.join(dialect.matches(t, quoted_text(p)) for p in (RFC3339, _TIME_IN_RANGE))} "
        f"THEN {dialect.checked_text_micros(t)}"
        for t in (text, trimmed)
    )
    text_micros = f"CASE {' '.join(checked)} END"
    micros = f"CASE WHEN {is_text} THEN {text_micros} WHEN {is_stamp} THEN {stamp_micros} END"
    return f"(({micros}) / {dialect.double(1e6)})"


def floored_to_micros(nanos: str) -> str:
    """Epoch nanoseconds less their part below a microsecond, counted from below as the reader cuts
    them (-1 ns is -1 us): a BIGINT that divides by 1000 exactly."""
    return f"({nanos} - (({nanos} % 1000) + 1000) % 1000)"


def counted_micros(dialect: Dialect, text: str) -> str:
    """A BIGINT of epoch microseconds of text of RFC 3339's shape with its time in range, counted in
    plain arithmetic (for an engine whose own times hold fewer years than Arrow's); NULL where the
    date does not exist. The fraction is cut to microseconds, as convert._cast_timestamps cuts it."""

    def number(start: int, length: int) -> str:
        return dialect.number_in_text(f"substring({text}, {start}, {length})")

    year, month, day = number(1, 4), number(6, 2), number(9, 2)
    hour, minute, second = number(12, 2), number(15, 2), number(18, 2)
    zoned = f"substring({text}, length({text}) - 5, 6)"  # +hh:mm, when the text does not end in Z
    utc = f"substring({text}, length({text}), 1) = 'Z'"
    fraction = f"substring({text}, 21, length({text}) - 20 - CASE WHEN {utc} THEN 1 ELSE 6 END)"
    dotted = f"CASE WHEN substring({text}, 20, 1) = '.' THEN {fraction} ELSE '' END"  # the dot at 20
    digits = f"substring(concat({dotted}, '000000'), 1, 6)"
    offset_hours, offset_minutes = (dialect.number_in_text(f"substring({zoned}, {s}, 2)") for s in (2, 5))
    sign = f"CASE WHEN substring({zoned}, 1, 1) = '-' THEN -1 ELSE 1 END"
    offset = f"(CASE WHEN {utc} THEN 0 ELSE {sign} * ({offset_hours} * 60 + {offset_minutes}) END)"
    leap = f"({year} % 4 = 0 AND ({year} % 100 <> 0 OR {year} % 400 = 0))"
    month_days = (
        f"CASE WHEN {month} = 2 THEN CASE WHEN {leap} THEN 29 ELSE 28 END "
        f"WHEN {month} IN (4, 6, 9, 11) THEN 30 ELSE 31 END"
    )
    exists = f"{month} BETWEEN 1 AND 12 AND {day} BETWEEN 1 AND {month_days}"
    seconds = (
        f"(({_days(year, month, day)}) * 86400 + {hour} * 3600 + {minute} * 60 + {second} - {offset} * 60)"
    )
    micros = f"{dialect.to_bigint(seconds)} * 1000000 + {dialect.to_bigint(dialect.number_in_text(digits))}"
    return f"(CASE WHEN {exists} THEN {micros} END)"


def _days(year: str, month: str, day: str) -> str:
    """Days since 1970-01-01 of a valid date (the civil-from-days inverse, as DOUBLEs of whole
    numbers: floor of a quotient this small is exact)."""
    shifted = f"({year} + 400 - CASE WHEN {month} <= 2 THEN 1 ELSE 0 END)"  # the year from March
    era = f"floor({shifted} / 400)"
    year_of_era = f"({shifted} - {era} * 400)"
    day_of_year = f"(floor((153 * (({month} + 9) % 12) + 2) / 5) + {day} - 1)"
    day_of_era = (
        f"({year_of_era} * 365 + floor({year_of_era} / 4) - floor({year_of_era} / 100) + {day_of_year})"
    )
    return f"{era} * 146097 + {day_of_era} - {_EPOCH_DAYS}"
