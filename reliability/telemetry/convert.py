"""Vectorised conversion of Arrow columns of any type into numpy values plus a validity mask.

Each converter returns (values, missing, invalid): `missing` marks nulls, `invalid`
marks values present but unusable. Nothing loops over rows in Python.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc

from reliability.telemetry import typed_times

Bool = npt.NDArray[np.bool_]

_NUMBER = r"^[-+]?(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?$|^[-+]?(?i:nan|inf|infinity)$"
# RFC 3339 text as the reader keeps it; written without backslashes, so that the SQL engines'
# regular expressions (RE2, as Arrow's) read the same pattern from a plain string literal.
RFC3339 = (
    "^[0-9]{4}-[0-9]{2}-[0-9]{2}[T ][0-9]{2}:[0-9]{2}:[0-9]{2}([.][0-9]{1,9})?(Z|[+-][0-9]{2}:[0-9]{2})$"
)
_TRUE = ["true", "1", "yes", "y", "t"]
_FALSE = ["false", "0", "no", "n", "f"]
_MICROS = pa.timestamp("us", tz="UTC")


@dataclass(frozen=True)
class Converted:
    values: npt.NDArray[np.float64]  # NaN where missing or invalid (and where the value is NaN)
    missing: Bool
    invalid: Bool


def mask(array: pa.Array) -> Bool:
    return np.asarray(array.to_numpy(zero_copy_only=False), dtype=bool)


def missing(array: pa.Array) -> Bool:
    if not array.null_count:  # the common case, known from the array's metadata without a pass
        return np.zeros(len(array), dtype=bool)
    return mask(pc.is_null(array))


_mask, _missing = mask, missing


def _nulls_where_not(array: pa.Array, keep: pa.Array) -> pa.Array:
    return pc.if_else(keep, array, pa.scalar(None, array.type))


def _floats(array: pa.Array) -> npt.NDArray[np.float64]:
    # An integer past 2**53 becomes the nearest double, as numpy and the SQL engines round it; Arrow's
    # safe cast would raise instead, failing the whole block over one bad value.
    safe = not pa.types.is_integer(array.type)
    floats = pc.cast(array, pa.float64(), safe=safe)
    return np.asarray(floats.to_numpy(zero_copy_only=False), dtype=np.float64)


def divided(values: npt.NDArray[np.float64], divisor: float) -> npt.NDArray[np.float64]:
    """values / divisor, the same doubles, written into Arrow's pool: it reuses its memory, where
    numpy pages a block-sized array in anew each time."""
    result: npt.NDArray[np.float64] = pc.divide(pa.array(values), divisor).to_numpy()
    return result


def multiplied(values: npt.NDArray[np.float64], factor: float) -> npt.NDArray[np.float64]:
    """values * factor, the same doubles, written into Arrow's pool (as divided)."""
    result: npt.NDArray[np.float64] = pc.multiply(pa.array(values), factor).to_numpy()
    return result


def to_float(array: pa.Array) -> Converted:
    missing = _missing(array)
    if pa.types.is_integer(array.type) or pa.types.is_floating(array.type):
        return Converted(_floats(array), missing, np.zeros(len(array), dtype=bool))
    if not pa.types.is_string(array.type) and not pa.types.is_large_string(array.type):
        return Converted(np.full(len(array), np.nan), missing, ~missing)
    try:  # the common case, a clean column, costs one cast
        return Converted(_floats(array), missing, np.zeros(len(array), dtype=bool))
    except pa.ArrowInvalid:
        pass
    text = pc.utf8_trim_whitespace(array)
    numeric = pc.fill_null(pc.match_substring_regex(text, _NUMBER), False)
    values = _floats(_nulls_where_not(text, numeric))
    return Converted(values, missing, ~missing & ~_mask(numeric))


def to_flag(array: pa.Array) -> Converted:
    """Booleans as 1.0 / 0.0: true/false, 1/0, yes/no (any case)."""
    missing = _missing(array)
    if pa.types.is_boolean(array.type):
        return Converted(_floats(array), missing, np.zeros(len(array), dtype=bool))
    text = pc.utf8_lower(pc.utf8_trim_whitespace(pc.cast(array, pa.string())))
    true = _mask(pc.fill_null(pc.is_in(text, pa.array(_TRUE)), False))
    false = _mask(pc.fill_null(pc.is_in(text, pa.array(_FALSE)), False))
    values = np.where(true, 1.0, np.where(false, 0.0, np.nan))
    return Converted(values, missing, ~missing & ~true & ~false)


def to_epoch_seconds(array: pa.Array, fmt: str) -> Converted:
    """Timestamps as epoch seconds from RFC 3339 text, unix seconds or unix milliseconds."""
    if fmt == "unix_s":
        return to_float(array)
    if fmt == "unix_ms":
        converted = to_float(array)
        return Converted(divided(converted.values, 1000.0), converted.missing, converted.invalid)
    missing = _missing(array)
    if pa.types.is_timestamp(array.type):
        micros, invalid = typed_times.whole_units(array, "us")
        seconds = micros / 1e6
        unusable = missing | invalid
        if unusable.any():
            seconds[unusable] = np.nan
        return Converted(seconds, missing, invalid)
    if not pa.types.is_string(array.type):
        return Converted(np.full(len(array), np.nan), missing, ~missing)
    text = pc.utf8_trim_whitespace(array)
    shaped = pc.fill_null(pc.match_substring_regex(text, RFC3339), False)
    parsed = _cast_timestamps(_nulls_where_not(text, shaped))
    values = _floats(parsed.cast(pa.int64())) / 1e6
    return Converted(values, missing, ~missing & np.isnan(values))


def _cast_timestamps(text: pa.Array) -> pa.Array:
    """Cast to UTC microseconds; values Arrow rejects (e.g. month 13) become null."""
    try:
        return pc.cast(text, _MICROS)
    except pa.ArrowInvalid:
        # Arrow refuses fractions finer than the unit: cut them to microseconds first.
        return _cast_or_null(pc.replace_substring_regex(text, r"(\.\d{6})\d+", r"\1"))


def _cast_or_null(text: pa.Array) -> pa.Array:
    return cast_or_null(text, _MICROS)


def cast_or_null(text: pa.Array, kind: pa.DataType) -> pa.Array:
    """Text cast to timestamps of `kind`; values Arrow rejects (e.g. month 13) become null.

    Such values are rare after a shape check, so halving the array until the
    bad ones are isolated costs a few extra casts, not a loop over rows.
    """
    try:
        return pc.cast(text, kind)
    except pa.ArrowInvalid:
        if len(text) == 1:
            return pa.nulls(1, kind)
        half = len(text) // 2
        return pa.concat_arrays([cast_or_null(text[:half], kind), cast_or_null(text[half:], kind)])


def to_text(array: pa.Array) -> pa.Array:
    """Values compared as text (component names, filter values), as they read in a CSV."""
    if pa.types.is_boolean(array.type):
        return pc.if_else(array, "true", "false")
    if pa.types.is_floating(array.type):
        whole = pc.equal(array, pc.floor(array))
        as_int = pc.cast(pc.if_else(whole, array, 0), pa.int64(), safe=False)
        return pc.if_else(whole, pc.cast(as_int, pa.string()), pc.cast(array, pa.string()))
    return pc.cast(array, pa.string())


def codes_of(array: pa.Array, values: list[str]) -> npt.NDArray[np.int32]:
    """The index in `values` of each value compared as text; -1 where it is absent or null.

    A dictionary column is matched once per distinct value, then looked up by its indices.
    """
    if pa.types.is_dictionary(array.type):
        per_value = pa.array(np.append(codes_of(array.dictionary, values), np.int32(-1)))
        indices = array.indices
        if indices.null_count:
            indices = pc.fill_null(indices, len(array.dictionary))  # a null takes the last, -1
        # Arrow takes by the int32 indices as they are; numpy would first copy them into intp ones.
        codes: npt.NDArray[np.int32] = pc.take(per_value, indices).to_numpy()
        return codes
    codes = pc.index_in(to_text(array), pa.array(values, pa.string()))
    return np.asarray(pc.fill_null(codes, -1).to_numpy(zero_copy_only=False), dtype=np.int32)
