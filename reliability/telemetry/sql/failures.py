"""An engine's failure as the project's errors: one line naming the source, its paths and the
engine's own message (which names the file where the engine knows it), as event files report."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from reliability.config.model import SqlSource
from reliability.errors import EXIT_FAILURE, InputError, Problem, ReliabilityError, printable
from reliability.telemetry.sql.dialect import EngineError


@contextmanager
def engine_failures(source: SqlSource) -> Iterator[None]:
    """InputError (exit 3) where the input is at fault, ReliabilityError (exit 1) otherwise."""
    try:
        yield
    except EngineError as exc:
        # The engine's message may span lines (DuckDB's hints): one line, as every error here.
        said = " ".join(printable(line) for line in str(exc).splitlines() if line.strip())
        message = (
            f"source {source.name!r}: {source.engine} could not read {', '.join(source.patterns)}: {said}"
        )
        problem = Problem(source.origin.file, message, source.origin.line)
        if exc.bad_input:
            raise InputError(str(problem), [problem]) from None
        raise ReliabilityError(str(problem), EXIT_FAILURE, [problem]) from None
