"""Log-linear latency buckets: one definition shared by the in-process fold and every SQL engine.

A latency is first rounded to whole microseconds. Below EXACT_LIMIT_MICROS every microsecond is a
bucket of its own; above it, each power of two is cut into SUB_BUCKETS equal slices (as in
HdrHistogram), so a bucket is at most 1/SUB_BUCKETS of its lower edge wide. Reporting a bucket's
midpoint is therefore within MAX_RELATIVE_ERROR of any value in it, or within half a microsecond
for the exact buckets.

Latencies of CEILING_MICROS (2**40 us, about 12.7 days) and more are clamped into one last bucket
with no upper edge, so the bounds of every other bucket stay true. A percentile in it is reported
as that ceiling with no upper bound (a lower bound, as Prometheus answers for its +Inf bucket):
such latencies are hung requests or unit mistakes, and no figure of how long they took is known.
Threshold SLIs count raw latencies, so they still count these events as slow.

The index needs only integer arithmetic and the bit length of the microseconds, so a SQL engine can
compute the same bucket for the same value: floor(log2(v)) + 1 is the bit length of every integer
up to 2**40 (log2 of 2**k - 1 lies further below k than a faithfully rounded log2 errs, and log2 of
a power of two is exact), so each
engine's dialect module writes this index in its own SQL and pushed-down results equal the fold's
to the event.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from reliability.core.cache_slices import sliced

SUB_BUCKET_BITS = 6
SUB_BUCKETS = 1 << SUB_BUCKET_BITS  # slices per power of two above the exact range
EXACT_LIMIT_MICROS = 2 * SUB_BUCKETS  # below this, one bucket per microsecond
CEILING_MICROS = 1 << 40  # about 12.7 days; this and longer latencies share the last, open bucket
MAX_MICROS = CEILING_MICROS  # latencies are clamped to it
# The bucket of 2**40 is the first of the power of two above 2**39's, and the last.
CEILING_BUCKET = SUB_BUCKETS * (CEILING_MICROS.bit_length() - SUB_BUCKET_BITS)
BUCKET_COUNT = CEILING_BUCKET + 1
# A value and its bucket's midpoint differ by at most half a bucket width, and a bucket above the
# exact range is at most lower_edge / SUB_BUCKETS wide.
MAX_RELATIVE_ERROR = 1 / (2 * SUB_BUCKETS)
MAX_ABSOLUTE_ERROR_SECONDS = 0.5e-6  # the rounding to whole microseconds

Int64 = npt.NDArray[np.int64]


def micros_of(seconds: npt.NDArray[np.float64]) -> Int64:
    """Whole microseconds, half up, clamped to [0, MAX_MICROS]; SQL: floor(seconds * 1e6 + 0.5)."""
    micros = np.floor(np.asarray(seconds, dtype=np.float64) * 1e6 + 0.5)
    return np.clip(micros, 0, MAX_MICROS).astype(np.int64)


def bucket_index(micros: Int64) -> Int64:
    """The bucket of each microsecond value (0 <= micros <= MAX_MICROS)."""
    micros = np.asarray(micros, dtype=np.int64)
    # frexp's exponent of an integer below 2**53 is exactly its bit length.
    shift = np.maximum(np.frexp(micros.astype(np.float64))[1].astype(np.int64) - SUB_BUCKET_BITS - 1, 0)
    return (shift << SUB_BUCKET_BITS) + (micros >> shift)


def bucket_of_seconds(seconds: npt.NDArray[np.float64]) -> Int64:
    """bucket_index(micros_of(seconds)), in fewer passes: the bit length is read from the exponent
    bits of the whole microseconds as a float (exact below 2**53, as frexp's)."""
    buckets: Int64 = sliced(bucket_of_slice, np.int64, seconds)
    return buckets


def bucket_of_slice(seconds: npt.NDArray[np.float64]) -> Int64:
    """bucket_of_seconds in one go, for a slice already small enough to stay in cache (or a chain's step)."""
    micros = np.multiply(seconds, 1e6)
    micros += 0.5
    np.floor(micros, out=micros)
    np.clip(micros, 0, MAX_MICROS, out=micros)
    shift = micros.view(np.int64) >> 52  # the biased exponent: bit length + 1022, and 0 for 0
    shift -= 1022 + SUB_BUCKET_BITS + 1
    np.maximum(shift, 0, out=shift)
    index: Int64 = micros.astype(np.int64)
    index >>= shift
    shift <<= SUB_BUCKET_BITS
    index += shift
    return index


def bucket_lower_micros(index: Int64) -> Int64:
    """Smallest microsecond value in each bucket."""
    index = np.asarray(index, dtype=np.int64)
    shift = np.maximum((index >> SUB_BUCKET_BITS) - 1, 0)
    mantissa: Int64 = np.where(index < EXACT_LIMIT_MICROS, index, (index & (SUB_BUCKETS - 1)) + SUB_BUCKETS)
    lower: Int64 = np.left_shift(mantissa, shift)
    return lower


def bucket_upper_micros(index: Int64) -> Int64:
    """One past the largest microsecond value in each bucket."""
    index = np.asarray(index, dtype=np.int64)
    shift = np.maximum((index >> SUB_BUCKET_BITS) - 1, 0)
    width: Int64 = np.left_shift(np.ones_like(shift), shift)
    return bucket_lower_micros(index) + width


def bucket_midpoint_seconds(index: Int64) -> npt.NDArray[np.float64]:
    """The value reported for a bucket: the exact value in the exact range, the ceiling for the
    ceiling bucket (a lower bound), else the midpoint."""
    lower = bucket_lower_micros(index).astype(np.float64)
    upper = bucket_upper_micros(index).astype(np.float64)
    exact = (np.asarray(index) < EXACT_LIMIT_MICROS) | (np.asarray(index) == CEILING_BUCKET)
    return np.where(exact, lower, (lower + upper - 1) / 2) / 1e6


def bucket_bounds_seconds(index: Int64) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    """Each bucket's smallest and largest whole microsecond, in seconds; inf above the ceiling."""
    index = np.asarray(index, dtype=np.int64)
    lower = bucket_lower_micros(index) / 1e6
    upper = np.where(index == CEILING_BUCKET, np.inf, (bucket_upper_micros(index) - 1) / 1e6)
    return lower, upper
