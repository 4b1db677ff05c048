"""RFC 3339 timestamps at the edges (CLI, config, artifacts); the core works in epoch seconds."""

from __future__ import annotations

from datetime import UTC, datetime


def parse_rfc3339(text: str) -> datetime:
    """A timezone-aware datetime; ValueError when the text has no offset or is malformed."""
    value = datetime.fromisoformat(text.strip().replace("z", "Z"))
    if value.tzinfo is None:
        raise ValueError(f"timestamp without a time zone offset: {text!r}")
    return value.astimezone(UTC)


def to_rfc3339(epoch_seconds: float) -> str:
    """UTC text for epoch seconds, without fractions when whole: 2026-11-05T12:00:00Z."""
    moment = datetime.fromtimestamp(epoch_seconds, UTC)
    spec = "seconds" if moment.microsecond == 0 else "milliseconds"
    return moment.isoformat(timespec=spec).replace("+00:00", "Z")
