"""The command line: the commands there are, each imported only when it runs or shows its own help.

`reliability --help` lists every command from the table below without importing any of them, so it
starts without numpy, pyarrow or jsonschema. A command's module registers its command on a typer app
of its own when first needed (reliability.commands.*.register).
"""

from __future__ import annotations

import importlib
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING, Any, NamedTuple

import typer
from typer.core import TyperCommand, TyperGroup

from reliability.arrow_probe import without_pandas_probe

if TYPE_CHECKING:  # typer carries its own copy of click; only its types are needed here
    from typer._click import Command, Context


# Help and usage errors as click writes them, plain text: drawing them with rich would import rich's
# markdown and traceback modules first, doubling the start-up of `reliability --help` (0.29 s -> 0.12 s).
PLAIN_HELP = None


class CommandEntry(NamedTuple):
    module: str
    summary: str  # the first paragraph of the command's docstring: what `--help` lists


# In the order `reliability --help` lists them. tests/cli/test_cli.py checks each summary against the
# command's own docstring.
COMMANDS = {
    "run": CommandEntry(
        "reliability.commands.run",
        "Run the pipeline: SLIs, SLO targets, error budgets, SLA compliance, hooks.",
    ),
    "validate": CommandEntry(
        "reliability.commands.validate",
        "Check a configuration against the schema and its cross-references; list every problem.",
    ),
    "gate": CommandEntry(
        "reliability.commands.gate", "Pass or stop a release on the error budget policy of the last run."
    ),
    "report": CommandEntry(
        "reliability.commands.report",
        "Write one self-contained HTML report of the last run (default ARTIFACTS/report.html).",
    ),
    "backtest": CommandEntry(
        "reliability.commands.backtest",
        "Replay the telemetry history: how each candidate objective would have fared.",
    ),
    "explain": CommandEntry(
        "reliability.commands.explain",
        "Trace a reported number to its sources: config lines, input files, stage and formula.",
    ),
    "history": CommandEntry(
        "reliability.commands.history", "Show the trend across recorded runs, oldest evaluation first."
    ),
    "rules": CommandEntry(
        "reliability.commands.rules",
        "Write Prometheus recording and alerting rules for every SLO measured in Prometheus.",
    ),
    "dashboards": CommandEntry(
        "reliability.commands.dashboards",
        "Write Grafana dashboards: overview.json (every SLO) and one <service>.json per service.",
    ),
    "serve": CommandEntry(
        "reliability.commands.serve", "Run the pipeline every --interval; serve /metrics and /healthz."
    ),
    "export": CommandEntry(
        "reliability.commands.export",
        "Write the configuration in another format: openslo (OpenSLO v1 documents).",
    ),
    "hooks": CommandEntry(
        "reliability.commands.hooks", "Hook actions in the ledger: list them, approve or reject pending ones."
    ),
}


class CommandSummary(TyperCommand):
    """A command named and described, not yet imported: what `reliability --help` lists."""


def load_command(name: str) -> Command:
    """Import the command's module and build the command its register() adds to a typer app."""
    own_app = typer.Typer(rich_markup_mode=PLAIN_HELP)
    with without_pandas_probe():  # the commands never hand pyarrow a pandas object
        module = importlib.import_module(COMMANDS[name].module)
    module.register(own_app)
    command = typer.main.get_group(own_app).commands[name]
    _name_values(command)
    return command


# What --help writes after an option that takes a value and has no metavar of its own, by value type;
# typer's default spells the Python type (<str>, <list[str]>, <bool>), which reads as code, not help.
VALUE_WORDS = {"path": "PATH", "int": "N", "float": "NUMBER", "bool": "BOOLEAN"}


def parameters(command: Command, ctx: Context | None = None) -> Iterator[Any]:
    """The command's parameters, then its subcommands', depth first; given the context, with the --help
    option of each (typer makes it on first use, from the context's help option names)."""
    yield from command.params if ctx is None else command.get_params(ctx)
    for sub in getattr(command, "commands", {}).values():
        yield from parameters(sub, ctx)


def convert_without_pydantic(params: Iterable[Any]) -> None:
    """Plain conversion for plain values, where this typer has the hooks for it (see option_values)."""
    try:
        from reliability.terminal.option_values import convert_without_pydantic as convert
    except ImportError:  # another typer: it converts every value itself, through pydantic
        return
    convert(params)


def _name_values(command: Command) -> None:
    for param in parameters(command):
        described = getattr(param, "type_descriptor", None)
        flag = getattr(param, "is_flag", False) or getattr(param, "count", False)
        if param.metavar is not None or flag or not param.name or described is None or described.is_choice:
            continue
        type_name = "path" if described.is_path else getattr(described.annotation, "__name__", "")
        param.metavar = VALUE_WORDS.get(type_name, param.name.upper())


class LazyCommands(TyperGroup):
    """Lists the commands from COMMANDS; imports one only when it is resolved (to run, for its --help,
    or for shell completion of its options)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name, entry in COMMANDS.items():
            summary = CommandSummary(name, help=entry.summary, short_help=entry.summary)
            self.commands.setdefault(name, summary)

    def resolve_command(self, ctx: Context, args: list[str]) -> tuple[str | None, Command | None, list[str]]:
        name, command, rest = super().resolve_command(ctx, args)
        if name is not None and isinstance(command, CommandSummary):
            command = self.commands[name] = load_command(name)
            convert_without_pydantic(parameters(command, ctx))  # a subcommand inherits ctx's --help names
        return name, command, rest

    def parse_args(self, ctx: Context, args: list[str]) -> list[str]:
        # typer adds its completion options to the group after building it, so here, not in __init__
        convert_without_pydantic(self.get_params(ctx))
        return super().parse_args(ctx, args)


app = typer.Typer(
    cls=LazyCommands,
    rich_markup_mode=PLAIN_HELP,
    help="Turn telemetry into SLIs, SLO targets, error budgets and SLA reports.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=True,  # --install-completion / --show-completion for bash, zsh, fish
)


@app.callback()
def _every_command() -> None:
    """Typer builds a group only for an app with a callback or registered commands: this one has none."""


def main() -> None:
    app()


if __name__ == "__main__":
    main()
