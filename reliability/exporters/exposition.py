"""The /metrics answer as bytes: rendered once per run, gzip-encoded once per distinct body.

Rendering the exposition text walks every sample in Python (milliseconds for the example); a scrape
that copies ready bytes costs microseconds, so the server answers thousands of scrapes a second.
"""

from __future__ import annotations

import gzip
from collections.abc import Callable

from prometheus_client.exposition import (
    CONTENT_TYPE_PLAIN_0_0_4,
    choose_encoder,
    generate_latest,
    gzip_accepted,
)
from prometheus_client.registry import Collector

CONTENT_TYPE = CONTENT_TYPE_PLAIN_0_0_4  # the text format generate_latest writes
GZIP_LEVEL = 6  # zlib's default: the 41 KB example shrinks about tenfold in about a millisecond
OPENMETRICS = "application/openmetrics-text"
OPENMETRICS_EOF = b"# EOF\n"  # OpenMetrics ends the whole exposition with it, once
MAX_CACHED_FORMATS = 4  # formats kept per run; the Accept header may name others, rendered per scrape

Encoder = Callable[[Collector], bytes]

__all__ = [
    "CONTENT_TYPE",
    "Encoder",
    "FormatCache",
    "GzipCache",
    "choose_encoder",
    "gzip_accepted",
    "joined",
    "render",
]


def render(collector: Collector) -> bytes:
    """The exposition text of everything `collector` (a registry, say) yields now."""
    return generate_latest(collector)


class FormatCache:
    """A collector's exposition in each format asked for, rendered once per format.

    Scrapers choose the format with their Accept header (Prometheus asks for OpenMetrics first),
    as prometheus_client's own handler lets them.
    """

    def __init__(self, collector: Collector) -> None:
        self._collector = collector
        self._bodies: dict[str, bytes] = {}

    def render(self, encoder: Encoder, content_type: str) -> bytes:
        bodies = self._bodies  # one reference: a concurrent clear() starts a new dict
        body = bodies.get(content_type)
        if body is None:
            body = encoder(self._collector)
            if len(bodies) < MAX_CACHED_FORMATS:
                bodies[content_type] = body
        return body


def joined(content_type: str, first: bytes, second: bytes) -> bytes:
    """Two expositions in one answer: OpenMetrics keeps only the last one's `# EOF`."""
    if content_type.startswith(OPENMETRICS):
        return first.removesuffix(OPENMETRICS_EOF) + second
    return first + second


class GzipCache:
    """The gzip encoding of the last body asked for; compressed again only when the body changes.

    The pair is replaced in one assignment, so threads sharing the cache never see a body with
    another body's encoding; two threads may at worst both compress the same new body.
    """

    def __init__(self) -> None:
        self._last = (b"", gzip.compress(b"", GZIP_LEVEL, mtime=0))

    def encode(self, body: bytes) -> bytes:
        last_body, last_encoded = self._last
        if body == last_body:  # a compare of the bytes: microseconds, against a millisecond to compress
            return last_encoded
        encoded = gzip.compress(body, GZIP_LEVEL, mtime=0)
        self._last = (body, encoded)
        return encoded
