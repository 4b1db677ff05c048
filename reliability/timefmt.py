"""RFC 3339 timestamps at the edges (CLI, config, artifacts); the core works in epoch seconds."""

from __future__ import annotations

from datetime import UTC, datetime
from functools import lru_cache


def parse_rfc3339(text: str) -> datetime:
    """A timezone-aware datetime; ValueError when the text has no offset or is malformed."""
    value = datetime.fromisoformat(text.strip().replace("z", "Z"))
    if value.tzinfo is None:
        raise ValueError(f"timestamp without a time zone offset: {text!r}")
    return value.astimezone(UTC)


# An artifact names the same few moments (the grid's end, the starts of its days and hours) thousands
# of times, and each conversion costs microseconds; datetimes are immutable, so one is shared.
@lru_cache(maxsize=1 << 12)
def moment(epoch_seconds: float) -> datetime:
    """The UTC datetime of epoch seconds, to the millisecond (as precise as the text says)."""
    value = datetime.fromtimestamp(epoch_seconds, UTC)
    return value.replace(microsecond=value.microsecond // 1000 * 1000)


def format_rfc3339(value: datetime) -> str:
    """UTC text, without fractions when whole: 2026-11-05T12:00:00Z."""
    value = value.astimezone(UTC)
    spec = "seconds" if value.microsecond == 0 else "milliseconds"
    return value.isoformat(timespec=spec).replace("+00:00", "Z")


def to_rfc3339(epoch_seconds: float) -> str:
    """UTC text for epoch seconds, without fractions when whole: 2026-11-05T12:00:00Z."""
    return format_rfc3339(datetime.fromtimestamp(epoch_seconds, UTC))
