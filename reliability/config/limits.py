"""Bounds on configured values that the schema cannot state: spans, instants, sizes and webhook URLs."""

from __future__ import annotations

import ipaddress
import re
import urllib.parse
from datetime import UTC, datetime

MAX_SPAN_SECONDS = 5 * 366 * 86400  # 5 years: a minute grid that long still fits in memory
EARLIEST = datetime(1970, 1, 1, tzinfo=UTC)
LATEST = datetime(9000, 1, 1, tzinfo=UTC)  # calendar months and history must stay below year 9999
_LABEL_NAME = re.compile(r"^[a-zA-Z_][a-zA-Z0-9_]*$")  # Prometheus' grammar: nothing else reaches PromQL
SELECTOR_KEYS = ("total", "good_counter", "bad_counter", "histogram")  # an SLI's metric selectors
MAX_PROMETHEUS_ANSWER_BYTES = 256 * 2**20  # one range answer: about 10M samples of a typical series
PROMETHEUS_CONCURRENT_QUERIES = 4  # range queries in flight per source: a server's default is 20
_SIZE_UNITS = {"B": 1, "KiB": 2**10, "MiB": 2**20, "GiB": 2**30}
_SIZE = re.compile(r"^([0-9]+)(B|KiB|MiB|GiB)$")
_HOST_NAME = re.compile(r"^(?!-)[A-Za-z0-9-]{1,63}(?<!-)(\.(?!-)[A-Za-z0-9-]{1,63}(?<!-))*\.?$")


def span_problem(seconds: float, what: str) -> str | None:
    """Why a window or history of `seconds` cannot be used, or None."""
    if seconds % 60 or seconds < 3600 or seconds > MAX_SPAN_SECONDS:
        return f"{what} must be whole minutes, at least 1h and at most {MAX_SPAN_SECONDS // 86400}d"
    return None


def size_bytes(text: str) -> int | None:
    """`text` such as 512MiB in bytes, or None when it is not a size."""
    match = _SIZE.match(text)
    return int(match[1]) * _SIZE_UNITS[match[2]] if match else None


def instant_problem(value: datetime) -> str | None:
    """Why an evaluation time cannot be used, or None."""
    if EARLIEST <= value < LATEST:
        return None
    return f"{value.isoformat()} is outside {EARLIEST.year}-{LATEST.year}"


def label_name_problem(name: str) -> str | None:
    """Why `name` cannot be a Prometheus label name, or None."""
    if _LABEL_NAME.match(name):
        return None
    return f"{name!r} is not a label name ([a-zA-Z_][a-zA-Z0-9_]*)"


def url_problem(url: str) -> str | None:
    """Why `url` cannot be posted to (bad host, port or IPv6 address), or None."""
    try:
        parts = urllib.parse.urlsplit(url)
        port = parts.port  # reading it checks it: "port out of range", "invalid literal"
    except ValueError as exc:
        return f"not a valid URL: {exc}"
    if parts.scheme not in ("http", "https"):
        return "only http:// and https:// URLs are posted to"
    host = parts.hostname
    if not host:
        return "the URL has no host"
    if port == 0:
        return "port 0 is not a port to post to"
    if "[" in parts.netloc:
        try:
            ipaddress.IPv6Address(host.split("%", 1)[0])
        except ValueError:
            return f"{host!r} is not an IPv6 address"
    elif not _HOST_NAME.match(host):
        return f"{host!r} is not a host name"
    return None
