"""Text log blocks into Arrow tables: one regular expression of named groups over every line at once.

The block's lines become an Arrow string array over the block's own bytes (no copy, no Python
object per line); Arrow's RE2 extracts every group in one pass. A line the pattern does not match
stays a row with null fields and is marked in LINE_COLUMN, so the reader skips and counts it with
its line number and text. A group that did not take part, or holds `-` (what access logs write for
"no value"), reads as missing.
"""

from __future__ import annotations

import os
import re
from concurrent.futures import ThreadPoolExecutor
from itertools import pairwise

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from reliability.errors import InputError, Problem
from reliability.telemetry.blocks import LineBlock, line_bounds
from reliability.telemetry.formats import ParsedBlock

LINE_COLUMN = "\x00line"  # the text of each line the pattern does not match; null where it matched
_ABSENT = ("", "-")  # made an array when used: pa.array imports pandas, seconds at every start
_LINES_PER_SLICE = 20_000  # below this a thread costs more than it saves


def check_pattern(pattern: str, file: str, line: int | None) -> None:
    """InputError when RE2 (Arrow's engine) refuses what Python's re accepted when the config was read."""
    try:
        pc.extract_regex(pa.array([], pa.string()), pattern)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError) as exc:
        problem = Problem(file, f"the log pattern cannot be used: {exc}", line, "pattern")
        raise InputError(str(problem), [problem]) from None


def parse_log_block(block: LineBlock, pattern: str, wanted: list[str]) -> ParsedBlock:
    """The wanted groups of every non-blank line, plus LINE_COLUMN for the lines that do not match."""
    lines = _line_array(block)
    blank = pc.equal(pc.utf8_length(lines), 0)
    kept = np.flatnonzero(~np.asarray(blank.to_numpy(zero_copy_only=False), dtype=bool))
    dropped = {line for line, _ in block.dropped}
    numbers = kept.astype(np.int64) + block.first_line
    if dropped:  # blanked as unreadable: already told in `dropped`, not a record of their own
        readable = ~np.isin(numbers, list(dropped))
        kept, numbers = kept[readable], numbers[readable]
    lines = lines.take(pa.array(kept))
    fields = _extracted(lines, only_groups(pattern, wanted))
    matched = fields.is_valid()
    columns = {name: _present(pc.struct_field(fields, [name])) for name in wanted}
    columns[LINE_COLUMN] = pc.if_else(matched, pa.scalar(None, pa.string()), lines)
    return ParsedBlock(pa.table(columns), numbers, list(block.dropped))


def _extracted(lines: pa.Array, pattern: str) -> pa.StructArray:
    """extract_regex over slices of the lines on every core: one call runs on one thread only."""
    slices = min(os.cpu_count() or 1, len(lines) // _LINES_PER_SLICE)
    if slices < 2:
        return pc.extract_regex(lines, pattern)
    bounds = np.linspace(0, len(lines), slices + 1).astype(int).tolist()
    parts = [lines[start:end] for start, end in pairwise(bounds)]
    with ThreadPoolExecutor(slices) as pool:  # Arrow releases the GIL while it matches
        done = list(pool.map(lambda part: pc.extract_regex(part, pattern), parts))
    return pa.concat_arrays(done)


def only_groups(pattern: str, wanted: list[str]) -> str:
    """The pattern with every named group it need not capture made non-capturing: RE2 extracts
    submatches at a cost that grows with their number (the combined preset has 13)."""
    kept = [name for name in wanted if f"(?P<{name}>" in pattern] or wanted[:1]

    def group(found: re.Match[str]) -> str:
        return found.group(0) if found.group(1) in kept else "(?:"

    return re.sub(r"(?<!\\)\(\?P<(\w+)>", group, pattern)


def _line_array(block: LineBlock) -> pa.Array:
    """Every line of the block without its line ending: offsets over the block's bytes, then one trim."""
    ends, starts = line_bounds(block.data)
    offsets = np.append(starts, np.int64(len(block.data))).astype(np.int32)
    with_endings = pa.StringArray.from_buffers(
        len(ends), pa.py_buffer(offsets.tobytes()), pa.py_buffer(block.data)
    )
    return pc.utf8_rtrim(with_endings, characters="\r\n")


def _present(values: pa.Array) -> pa.Array:
    return pc.if_else(pc.is_in(values, pa.array(_ABSENT)), pa.scalar(None, pa.string()), values)
