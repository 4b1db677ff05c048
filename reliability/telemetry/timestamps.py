"""Timestamps in every form the mapping names, as epoch seconds (event times) or integer
nanoseconds (the two ends of a span, subtracted exactly: a 77 ms span is 0.077 s, not 0.0769999).

rfc3339, unix_s and unix_ms event times keep convert.to_epoch_seconds' arithmetic, so outputs of
existing configurations do not move. Local times (iso8601, strptime without %z, timestamps
without a zone) are read in the mapping's time zone; an ambiguous one (the repeated hour when
clocks go back) is taken as the earlier, a nonexistent one (skipped when clocks go forward) is
read as the first instant after the gap.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc

from reliability.config.model import ColumnMapping, TimestampFormat
from reliability.telemetry import convert, typed_times

Bool = npt.NDArray[np.bool_]
NANOS_PER_UNIT = {
    TimestampFormat.UNIX_S: 1_000_000_000,
    TimestampFormat.UNIX_MS: 1_000_000,
    TimestampFormat.UNIX_US: 1_000,
    TimestampFormat.UNIX_NS: 1,
}
_NANOS = pa.timestamp("ns", tz="UTC")
_LOCAL_NANOS = pa.timestamp("ns")
_ISO8601 = r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}(\.\d{1,9})?$"
# Decimal text: at most 19 whole digits below 9e18, so the whole part always fits in int64.
_DECIMAL = r"^(?P<sign>[-+]?)(?P<whole>\d{1,18}|[1-8]\d{18})(?:\.(?P<fraction>\d{0,9}))?$"
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
# What each strptime directive can match, to find the digits of %f (Arrow's strptime has no %f).
_DIRECTIVE_TEXT = {
    "Y": r"\d{4}",
    "m": r"\d{1,2}",
    "d": r"\d{1,2}",
    "e": r" ?\d{1,2}",
    "H": r"\d{1,2}",
    "I": r"\d{1,2}",
    "M": r"\d{1,2}",
    "S": r"\d{1,2}",
    "y": r"\d{2}",
    "j": r"\d{1,3}",
    "b": r"[A-Za-z]+",
    "h": r"[A-Za-z]+",
    "B": r"[A-Za-z]+",
    "a": r"[A-Za-z]+",
    "A": r"[A-Za-z]+",
    "p": r"[AaPp][Mm]",
    "z": r"(?:Z|[+-]\d{2}:?\d{2})",
    "%": "%",
}


@dataclass(frozen=True)
class Nanos:
    values: npt.NDArray[np.int64]  # epoch nanoseconds; 0 where missing or invalid
    missing: Bool
    invalid: Bool


def epoch_seconds(array: pa.Array, mapping: ColumnMapping) -> convert.Converted:
    """Event times as epoch seconds, with missing and invalid marked."""
    fmt = mapping.timestamp_format
    if fmt in (TimestampFormat.RFC3339, TimestampFormat.UNIX_S, TimestampFormat.UNIX_MS):
        return convert.to_epoch_seconds(array, fmt.value)
    if fmt in NANOS_PER_UNIT:  # as floats: a value in the wrong unit must reach the plausibility check
        converted = convert.to_float(array)
        per_second = 1_000_000_000 // NANOS_PER_UNIT[fmt]
        return convert.Converted(converted.values / per_second, converted.missing, converted.invalid)
    nanos = epoch_nanos(array, mapping)
    bad = nanos.missing | nanos.invalid
    return convert.Converted(np.where(bad, np.nan, nanos.values / 1e9), nanos.missing, nanos.invalid)


def epoch_nanos(array: pa.Array, mapping: ColumnMapping) -> Nanos:
    """Times as integer epoch nanoseconds: whole numbers of a unix unit are scaled exactly."""
    fmt = mapping.timestamp_format
    missing = convert.missing(array)
    if fmt in NANOS_PER_UNIT:
        return _unix_nanos(array, NANOS_PER_UNIT[fmt], missing)
    if pa.types.is_timestamp(array.type):
        nanos, invalid = typed_times.whole_units(array, "ns")
        if array.type.tz:
            return Nanos(nanos, missing, invalid)
        local = pa.array(nanos, _LOCAL_NANOS, mask=missing | invalid)
        return _from_stamps(_in_zone(local, mapping.time_zone), missing)
    if not pa.types.is_string(array.type):
        return Nanos(np.zeros(len(array), np.int64), missing, ~missing)
    text = pc.utf8_trim_whitespace(array)
    if fmt is TimestampFormat.RFC3339:
        return _from_stamps(_cast_shaped(text, convert.RFC3339, _NANOS), missing)
    if fmt is TimestampFormat.ISO8601:
        local = _cast_shaped(text, _ISO8601, _LOCAL_NANOS)
        return _from_stamps(_in_zone(local, mapping.time_zone), missing)
    assert mapping.timestamp_pattern is not None
    return _from_stamps(_strptime(text, mapping.timestamp_pattern, mapping.time_zone), missing)


def _unix_nanos(array: pa.Array, per_unit: int, missing: Bool) -> Nanos:
    """Whole numbers and decimal text are scaled exactly; other numbers (exponents, JSON floats) round."""
    exact = np.zeros(len(array), dtype=bool)
    values = np.zeros(len(array), dtype=np.int64)
    if pa.types.is_integer(array.type):
        whole = _int64(array.cast(pa.int64(), safe=False))
        exact = ~missing & (np.abs(whole) <= np.iinfo(np.int64).max // per_unit)
        values = np.where(exact, whole, 0) * per_unit
    elif pa.types.is_string(array.type):
        parts = pc.extract_regex(pc.utf8_trim_whitespace(array), _DECIMAL)
        exact = convert.mask(pc.fill_null(parts.is_valid(), False))
        whole = _int64(pc.cast(pc.if_else(exact, pc.struct_field(parts, ["whole"]), "0"), pa.int64()))
        digits = pc.utf8_rpad(pc.fill_null(pc.struct_field(parts, ["fraction"]), ""), width=9, padding="0")
        fraction = _int64(pc.cast(pc.if_else(exact, digits, "0"), pa.int64())) * per_unit // 1_000_000_000
        negative = convert.mask(pc.fill_null(pc.equal(pc.struct_field(parts, ["sign"]), "-"), False))
        magnitude = np.abs(whole)
        exact &= magnitude <= (np.iinfo(np.int64).max // per_unit) - 1
        values = np.where(exact, magnitude * per_unit + fraction, 0) * np.where(negative, -1, 1)
    if pa.types.is_integer(array.type):
        return Nanos(values, missing, ~missing & ~exact)
    floats = convert.to_float(array).values
    rounded = ~exact & np.isfinite(floats) & (np.abs(floats) * per_unit < 2.0**62)
    # Whole units and the fraction apart: the fraction of a float is exact, its product with
    # per_unit is not rounded at the magnitude of the whole timestamp.
    whole_units = np.floor(np.where(rounded, floats, 0.0))
    parts = whole_units.astype(np.int64) * per_unit
    scaled = parts + np.round((np.where(rounded, floats, 0.0) - whole_units) * per_unit).astype(np.int64)
    return Nanos(np.where(exact, values, scaled), missing, ~missing & ~exact & ~rounded)


def _int64(array: pa.Array) -> npt.NDArray[np.int64]:
    return np.asarray(pc.fill_null(array, 0).to_numpy(zero_copy_only=False), dtype=np.int64)


def _cast_shaped(text: pa.Array, shape: str, kind: pa.DataType) -> pa.Array:
    shaped = pc.fill_null(pc.match_substring_regex(text, shape), False)
    return convert.cast_or_null(pc.if_else(shaped, text, pa.scalar(None, pa.string())), kind)


def _in_zone(local: pa.Array, zone: str | None) -> pa.Array:
    return pc.assume_timezone(local, zone or "UTC", ambiguous="earliest", nonexistent="latest")


def _strptime(text: pa.Array, pattern: str, zone: str | None) -> pa.Array:
    fraction = None
    if "%f" in pattern:
        text, fraction, pattern = _split_fraction(text, pattern)
    parsed = _strptime_fast(text, pattern)
    if fraction is not None:
        parsed = pc.add(parsed, pc.cast(fraction, pa.duration("ns")))
    if parsed.type.tz is None:
        parsed = _in_zone(parsed, zone)
    return parsed


def _strptime_fast(text: pa.Array, pattern: str) -> pa.Array:
    """Arrow's strptime is some 20 times slower with %b: month abbreviations as written by C
    locales (Jan ... Dec) become numbers first, and values that then fail are parsed as written."""
    plain = pattern.replace("%h", "%b")
    if "%b" not in plain or any(d in plain for d in ("%B", "%a", "%A", "%p")):
        return pc.strptime(text, format=pattern, unit="ns", error_is_null=True)
    numbered = text
    for number, name in enumerate(_MONTHS, 1):
        numbered = pc.replace_substring(numbered, name, f"{number:02d}")
    parsed = pc.strptime(numbered, format=plain.replace("%b", "%m"), unit="ns", error_is_null=True)
    failed = pc.and_(pc.is_null(parsed), pc.is_valid(text))
    if not pc.any(failed).as_py():
        return parsed
    again = pc.strptime(
        pc.if_else(failed, text, pa.scalar(None, pa.string())), format=pattern, unit="ns", error_is_null=True
    )
    return pc.if_else(failed, again, parsed)


def _split_fraction(text: pa.Array, pattern: str) -> tuple[pa.Array, pa.Array, str]:
    """Arrow's strptime has no %f: its digits are cut from the text and returned as nanoseconds."""
    before, after = pattern.split("%f", 1)
    regex = f"^({_directives_regex(before)})(\\d{{1,9}})({_directives_regex(after)})$"
    shaped = pc.fill_null(pc.match_substring_regex(text, regex), False)
    text = pc.if_else(shaped, text, pa.scalar(None, pa.string()))
    digits = pc.extract_regex(text, f"^(?:{_directives_regex(before)})(?P<f>\\d{{1,9}})")
    nines = pc.utf8_rpad(pc.struct_field(digits, [0]), width=9, padding="0")
    nanos = pc.cast(pc.if_else(shaped, nines, "0"), pa.int64())
    return pc.replace_substring_regex(text, regex, r"\1\3"), nanos, before + after


def _directives_regex(pattern: str) -> str:
    pieces = re.split(r"(%.)", pattern)
    return "".join(
        _DIRECTIVE_TEXT.get(piece[1], ".+?")
        if piece.startswith("%") and len(piece) == 2
        else re.escape(piece)
        for piece in pieces
    )


def _from_stamps(stamps: pa.Array, missing: Bool) -> Nanos:
    utc = stamps.cast(_NANOS) if stamps.type != _NANOS else stamps
    numbers = utc.cast(pa.int64())
    valid = ~convert.mask(pc.is_null(numbers))
    values = np.asarray(pc.fill_null(numbers, 0).to_numpy(zero_copy_only=False), dtype=np.int64)
    return Nanos(values, missing, ~missing & ~valid)
