"""Fields derived from another field's text: the component as a regex's first group over a column
(the first segment of a URL path, a host name), for every row of a chunk at once."""

from __future__ import annotations

import pyarrow as pa
import pyarrow.compute as pc

from reliability.telemetry import convert


def component_text(values: pa.Array, pattern: str) -> pa.Array:
    """The first group of `pattern`'s leftmost match in each value; null where it does not match."""
    text = convert.to_text(values)
    matched = pc.fill_null(pc.match_substring_regex(text, pattern), False)
    # The whole value is replaced by group 1: `(?s)` lets the surrounding text span any character.
    group = pc.replace_substring_regex(text, f"(?s)^.*?(?:{pattern}).*$", r"\1", max_replacements=1)
    return pc.if_else(matched, group, pa.scalar(None, pa.string()))
