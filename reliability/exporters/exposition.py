"""The /metrics answer as bytes: rendered once per run, gzip-encoded once per distinct body.

Rendering the exposition text walks every sample in Python (milliseconds for the example); a scrape
that copies ready bytes costs microseconds, so the server answers thousands of scrapes a second.
"""

from __future__ import annotations

import gzip

from prometheus_client.exposition import CONTENT_TYPE_PLAIN_0_0_4, generate_latest, gzip_accepted
from prometheus_client.registry import Collector

CONTENT_TYPE = CONTENT_TYPE_PLAIN_0_0_4  # the text format generate_latest writes
GZIP_LEVEL = 6  # zlib's default: the 41 KB example shrinks about tenfold in about a millisecond

__all__ = ["CONTENT_TYPE", "GzipCache", "gzip_accepted", "render"]


def render(collector: Collector) -> bytes:
    """The exposition text of everything `collector` (a registry, say) yields now."""
    return generate_latest(collector)


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
