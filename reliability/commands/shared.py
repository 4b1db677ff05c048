"""What the commands share: a failure as one line and an exit code, and the evaluation time."""

from __future__ import annotations

import traceback
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from reliability.config.limits import instant_problem
from reliability.errors import EXIT_FAILURE, EXIT_INVALID_CONFIG, ReliabilityError, printable
from reliability.redact import without_credentials
from reliability.timefmt import parse_rfc3339

if TYPE_CHECKING:
    from reliability.config.model import Config


def _err(text: str) -> None:
    typer.echo(without_credentials(text), err=True)


@contextmanager
def reporting_errors(verbose: bool) -> Iterator[None]:
    """Expected failures become one line (all problems with --verbose) and an exit code."""
    try:
        yield
    except ReliabilityError as exc:
        _err(f"error: {printable(str(exc))}")
        if verbose:
            for problem in exc.problems:
                _err(f"  {problem}")
        elif len(exc.problems) > 1:
            _err("  (run with --verbose to see every problem)")
        raise typer.Exit(exc.exit_code) from None
    except (typer.Exit, typer.Abort):
        raise
    except BrokenPipeError:  # the reader left (`| head`): click ends quietly, nothing of ours broke
        raise
    except Exception as exc:  # an unexpected bug: still one line unless asked for more
        _err(f"internal error: {type(exc).__name__}: {printable(str(exc))}")
        if verbose:
            _err(traceback.format_exc().rstrip())
        else:
            _err("  (run with --verbose for the traceback)")
        raise typer.Exit(EXIT_FAILURE) from None


def output_folder(out: Path) -> Path:
    """--out, refused (exit 2) when it names something that is not a folder."""
    for folder in (out, *out.parents):  # the first one that exists must be a folder
        if folder.exists():
            if not folder.is_dir():
                raise ReliabilityError(f"--out: {folder} exists and is not a folder", EXIT_INVALID_CONFIG)
            break
    return out


def evaluation_time(now: str | None, config: Config) -> float:
    """--now if given, else the configuration's settings.evaluate_at, else the clock: Unix seconds."""
    if now is not None:
        try:
            moment = parse_rfc3339(now)
        except ValueError as exc:
            raise ReliabilityError(f"--now: {exc}", EXIT_INVALID_CONFIG) from None
        if wrong := instant_problem(moment):
            raise ReliabilityError(f"--now: {wrong}", EXIT_INVALID_CONFIG)
        return moment.timestamp()
    if config.settings.evaluate_at is not None:
        return config.settings.evaluate_at.timestamp()
    return datetime.now(UTC).timestamp()
