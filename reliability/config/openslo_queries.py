"""OpenSLO metric queries <-> our counter selectors (a metric name and whole-match label regexes).

reliability reads cumulative counters and histogram buckets by selector and does the rating itself,
so a query must name series, not compute over them: `metric{label="v",other=~"re"}`, optionally
wrapped as Sloth and Pyrra write it, `sum(rate(SELECTOR[{{.window}}]))` (or increase, any range).
"""

from __future__ import annotations

import re
from typing import Any

_NAME = r"[a-zA-Z_:][a-zA-Z0-9_:]*"
_MATCHER = re.compile(r'\s*([a-zA-Z_][a-zA-Z0-9_]*)\s*(=~|!~|!=|=)\s*"((?:[^"\\]|\\.)*)"\s*(?:,|$)')
_SELECTOR = re.compile(rf"\s*({_NAME})\s*(?:\{{(.*)\}})?\s*", re.DOTALL)
_WRAPPED = re.compile(r"\s*(?:sum\s*\(\s*)?(?:rate|increase)\s*\((.*)\[[^\]]*\]\s*\)\s*(?:\)\s*)?", re.DOTALL)
_UNQUOTE = re.compile(r"\\(.)")
_REGEX_SPECIAL = re.compile(r"([.^$*+?()\[\]{}|\\])")
BUCKET_SUFFIX = "_bucket"


class QueryError(ValueError):
    """The query is not a series selector reliability can read."""


def selector_of(query: str) -> dict[str, Any]:
    """`{metric, match}` as our config writes a selector; QueryError when the query computes."""
    inner = query
    wrapped = _WRAPPED.fullmatch(query)
    if wrapped:
        inner = wrapped.group(1)
    found = _SELECTOR.fullmatch(inner)
    if found is None:
        raise QueryError(
            f'{query.strip()!r} is not a series selector (metric{{label="value"}}, optionally in '
            "sum(rate(...[{{.window}}]))): reliability reads the counters and rates them itself"
        )
    match: dict[str, str] = {}
    body = found.group(2) or ""
    position = 0
    while position < len(body.rstrip()):
        matcher = _MATCHER.match(body, position)
        if matcher is None:
            raise QueryError(f"cannot read the label matchers {{{body}}}")
        label, op, quoted = matcher.groups()
        value = _UNQUOTE.sub(r"\1", quoted)
        if op in ("!=", "!~"):
            raise QueryError(f"label matcher {label}{op}: reliability's selectors only include (= and =~)")
        match[label] = value if op == "=~" else _REGEX_SPECIAL.sub(r"\\\1", value)
        position = matcher.end()
    selector: dict[str, Any] = {"metric": found.group(1)}
    if match:
        selector["match"] = match
    return selector


def histogram_of(query: str) -> dict[str, Any]:
    """A histogram selector: the query may name the `_bucket` series or the histogram's base name."""
    selector = selector_of(query)
    if selector["metric"].endswith(BUCKET_SUFFIX):
        selector["metric"] = selector["metric"][: -len(BUCKET_SUFFIX)]
    return selector


def query_of(selector: dict[str, Any], suffix: str = "") -> str:
    """The query OpenSLO carries for one of our selectors (label values are whole-match regexes)."""

    def quoted(value: str) -> str:
        return str(value).replace("\\", "\\\\").replace('"', '\\"')

    labels = ",".join(f'{k}=~"{quoted(v)}"' for k, v in (selector.get("match") or {}).items())
    return f"{selector['metric']}{suffix}{{{labels}}}"
