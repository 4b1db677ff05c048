"""Integer columns (Parquet, JSON numbers) need few of the checks text needs: they hold no text to
parse, no fraction, no NaN and no infinity, so their values are read as they are and only the range
checks remain."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc

from reliability.core.events import STATUS_ABSENT

Bool = npt.NDArray[np.bool_]
Integers = npt.NDArray[np.integer]


def is_integer(array: pa.Array) -> bool:
    return bool(pa.types.is_integer(array.type))


def integers(array: pa.Array) -> Integers | None:
    """An integer column's values, 0 where null (without a copy when none is); None for other types."""
    if not is_integer(array):
        return None
    if array.null_count:
        array = pc.fill_null(array, 0)
    values: Integers = array.to_numpy()
    return values


def status_codes(values: Integers) -> tuple[npt.NDArray[np.int32], Bool]:
    """(each status, STATUS_ABSENT where it is not 100..999; where it is not)."""
    outside: Bool = (values < 100) | (values > 999)
    codes = values.astype(np.int32)
    if outside.any():
        codes[outside] = STATUS_ABSENT
    return codes, outside
