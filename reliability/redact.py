"""Credentials out of anything shown or stored: error lines, the ledger, /healthz, artifacts."""

from __future__ import annotations

import re

# scheme://userinfo@ : the userinfo runs to the last "@" before the host ends (as urlsplit reads it).
_USERINFO = re.compile(r"(?P<scheme>\b[a-zA-Z][a-zA-Z0-9+.-]*://)[^\s/?#\"<>]*@")
REDACTED = "***"


def without_credentials(text: str) -> str:
    """`text` with the user and password of every URL in it replaced by ***.

    Takes a URL or any message that may quote one, so one function serves every place that prints
    or stores text: `http://user:pass@host:9090/x` becomes `http://***@host:9090/x`.
    """
    return _USERINFO.sub(rf"\g<scheme>{REDACTED}@", text)


def redacted_bytes(data: bytes) -> bytes:
    """`data` (any bytes, read as UTF-8 losslessly) with URL credentials redacted: what hashes see."""
    text = data.decode("utf-8", errors="surrogateescape")
    return without_credentials(text).encode("utf-8", errors="surrogateescape")
