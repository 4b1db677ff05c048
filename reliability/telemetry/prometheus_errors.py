"""How reading a Prometheus source fails when the fault is the server's, not the answer's shape."""

from __future__ import annotations

from reliability.errors import EXIT_FAILURE, ReliabilityError


class SourceUnavailable(ReliabilityError):
    """The server could not be reached or kept failing; the run must not report health."""

    def __init__(self, message: str) -> None:
        super().__init__(message, EXIT_FAILURE)


class QueryError(ReliabilityError):
    """The server refused a query (bad PromQL, too many points, a redirect away): retrying will not help."""

    def __init__(self, message: str) -> None:
        super().__init__(message, EXIT_FAILURE)
