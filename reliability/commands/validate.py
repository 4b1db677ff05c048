"""`reliability validate`: check a configuration; every problem as file:line: key.path: message."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer

from reliability.config import load_config
from reliability.config.model import Config
from reliability.config.window_sets import fit_warnings
from reliability.errors import Problem, ReliabilityError
from reliability.terminal.options import ConfigPathArgument, FormatOption, VerboseOption
from reliability.terminal.output import OutputFormat, echo_json


def counts(config: Config) -> dict[str, int]:
    return {
        "files_total": len(config.files),
        "services_total": len(config.services),
        "components_total": len(config.components),
        "slos_total": len(config.slos),
        "slas_total": len(config.slas),
        "hooks_total": len(config.hooks),
    }


def _counted(config: Config) -> str:
    found = counts(config)
    return (
        f"{found['files_total']} file(s), {found['services_total']} service(s), "
        f"{found['components_total']} component(s), {found['slos_total']} SLO(s), "
        f"{found['slas_total']} SLA(s), {found['hooks_total']} hook(s)"
    )


def _problem_json(problem: Problem) -> dict[str, Any]:
    return {"file": problem.file, "line": problem.line, "path": problem.field, "message": problem.message}


def _problem_markdown(problem: Problem) -> str:
    where = problem.file if problem.line is None else f"{problem.file}:{problem.line}"
    key = f" `{problem.field}`:" if problem.field else ""
    return f"- `{where}`:{key} {problem.message}"


def _show_invalid(path: Path, exc: ReliabilityError, output: OutputFormat) -> None:
    if output is OutputFormat.JSON:
        problems = [_problem_json(p) for p in exc.problems]
        echo_json(
            {
                "path": str(path),
                "valid": False,
                "error": str(exc),
                "problems": problems,
                "warnings": [],
                "counts": None,
            }
        )
    elif output is OutputFormat.MARKDOWN:
        lines = [_problem_markdown(p) for p in exc.problems] or [f"- error: {exc}"]
        if exc.problems:
            lines += ["", f"{len(exc.problems)} problem(s) found in `{path}`"]
        typer.echo("\n".join(lines))
    else:  # the problems are the diagnosis: on stderr, like any error
        for problem in exc.problems:
            typer.echo(str(problem), err=True)
        typer.echo(f"{len(exc.problems)} problem(s) found" if exc.problems else f"error: {exc}", err=True)


def validate(
    path: ConfigPathArgument = Path("config"),
    output: FormatOption = OutputFormat.TABLE,
    verbose: VerboseOption = False,
) -> None:
    """Check a configuration against the schema and its cross-references; list every problem.

    Exit code 0 when valid, 2 when not.
    """
    try:
        config = load_config(path)
    except ReliabilityError as exc:
        _show_invalid(path, exc, output)
        raise typer.Exit(exc.exit_code) from None
    # Valid but worth a look: a declared alert window set that does not fit its SLO's period.
    warnings = fit_warnings(config.slos, config.alert_window_sets)
    if output is OutputFormat.JSON:
        echo_json(
            {
                "path": str(path),
                "valid": True,
                "error": None,
                "problems": [],
                "warnings": warnings,
                "counts": counts(config),
            }
        )
    elif output is OutputFormat.MARKDOWN:
        typer.echo(
            "\n".join([f"- `{path}`: valid ({_counted(config)})", *(f"- warning: {w}" for w in warnings)])
        )
    else:
        for warning in warnings:
            typer.echo(f"warning: {warning}", err=True)
        typer.echo(f"{path}: valid ({_counted(config)})")


def register(app: typer.Typer) -> None:
    """Add the `validate` command to the CLI."""
    app.command("validate")(validate)
