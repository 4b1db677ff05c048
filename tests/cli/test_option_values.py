"""Command-line values converted without pydantic: the same values, and the same errors, as typer's own
conversion gives, for every parameter of every command and for good and bad values alike."""

from __future__ import annotations

import subprocess
import sys
from enum import Enum
from pathlib import Path
from typing import Any

import pytest
import typer
from typer._click import Context
from typer._click.exceptions import BadParameter
from typer._coercion import build_runtime_param
from typer.core import _TyperParameter

from reliability.cli import COMMANDS, app, load_command, parameters
from reliability.terminal.option_values import PlainValue, convert_without_pydantic

SAMPLES: dict[Any, list[Any]] = {
    bool: [True, False, None],
    str: ["x", "", "ünï code", None],
    int: ["5", "+5", "007", "-3", "1_000", " 4", "1.0", "abc", "", "9" * 30, 5, None],
    float: ["1", "+1.5", "-0", "1.50", "1e3", ".5", "nan", "1,5", "abc", "", 2, 2.5, None],
    Path: ["a", "", ".", "out/", "./x/../y", Path("p"), None],
    list[str]: [("a", "b"), ["c"], (), None],
}


def enum_samples(choices: type[Enum]) -> list[Any]:
    first = next(iter(choices))
    return [*choices, *(str(c.value) for c in choices), str(first.value).upper(), "bogus", "", None]


def every_parameter() -> list[tuple[str, _TyperParameter, Context]]:
    """Each command's parameters (with --help, and the group's own) as the CLI gives them plain conversion."""
    group = typer.main.get_command(app)
    root = Context(group)
    found = [("reliability " + p.name, p, root) for p in group.get_params(root)]
    for name in COMMANDS:
        command = load_command(name)
        found += [(f"{name} {p.name}", p, Context(command, parent=root)) for p in parameters(command, root)]
    return found


def outcome(convert: Any, value: Any, param: _TyperParameter, ctx: Context) -> tuple[Any, ...]:
    try:
        result = convert.coerce(value, param=param, ctx=ctx)
    except BadParameter as error:
        return ("error", error.format_message())
    return ("value", type(result), repr(result))  # repr: nan equals itself


PARAMETERS = every_parameter()


@pytest.mark.parametrize(("name", "param", "ctx"), PARAMETERS, ids=[name for name, _, _ in PARAMETERS])
def test_a_value_converts_as_typer_converts_it(name: str, param: _TyperParameter, ctx: Context) -> None:
    convert_without_pydantic([param])
    plain = param._runtime_param
    assert isinstance(plain, PlainValue), f"{name} still goes through pydantic"
    annotation = param.type_descriptor.annotation
    is_choice = isinstance(annotation, type) and issubclass(annotation, Enum)
    for value in enum_samples(annotation) if is_choice else SAMPLES[annotation]:
        typers_own = build_runtime_param(param.type_descriptor)
        assert outcome(plain, value, param, ctx) == outcome(typers_own, value, param, ctx), (name, value)


def test_a_typer_without_the_hooks_converts_values_itself(tmp_path: Path) -> None:
    """The hooks are typer's internals: where a typer lacks them, every command still runs as before."""
    hide_hooks = (  # as a typer release that renamed them would: the import of the hooks fails
        "import sys, typer._coercion\n"
        "del typer._coercion.build_runtime_param\n"
        "sys.argv = ['reliability', 'validate', sys.argv[1]]\n"
        "from reliability.cli import main\n"
        "main()\n"
    )
    config = Path(__file__).resolve().parents[2] / "config"
    finished = subprocess.run(
        [sys.executable, "-c", hide_hooks, str(config)], capture_output=True, text=True, check=False
    )
    assert finished.returncode == 0, finished.stderr
    assert "option_values" not in finished.stderr
