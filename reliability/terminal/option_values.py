"""Command-line values converted without pydantic, for the kinds of value our commands take.

typer (0.29) converts every value but a flag's through a pydantic TypeAdapter it builds per parameter,
so any command run imports pydantic (about 75 ms of CPU) for strings, paths and choices. Those take a
few lines here, with typer's own path and choice helpers. Any other kind of value, and any value these
lines are unsure of or refuse (so every bad value), goes to typer's conversion: same results, same
error messages.

These are typer's own hooks, not its documented interface: `reliability.cli` imports this module only
where they exist, and typer converts every value itself where they do not.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING, Any

from typer._coercion import RuntimeParam, TypeDescriptor, build_runtime_param
from typer._param_types import coerce_cli_choice, coerce_cli_path
from typer.core import _TyperParameter

if TYPE_CHECKING:
    from typer._click import Context

Convert = Callable[[Any, _TyperParameter, "Context"], Any]

# Numbers typer reads exactly as int() and float() do; anything else ("1_000", "1e3", " 4") is typer's.
WHOLE_NUMBER = re.compile(r"[+-]?[0-9]{1,18}", re.ASCII)
DECIMAL_NUMBER = re.compile(r"[+-]?[0-9]{1,15}(\.[0-9]{1,15})?", re.ASCII)


class Unsure(Exception):
    """The value is not one of the plain cases; typer's own conversion decides."""


@dataclass(frozen=True)
class PlainValue(RuntimeParam):
    """Converts with `convert`, and hands what it cannot convert to typer's pydantic conversion."""

    convert: Convert

    def _coerce_value(self, value: Any, param: _TyperParameter, ctx: Context) -> Any:
        try:
            return self.convert(value, param, ctx)
        except Exception:  # typer's conversion converts it, or raises its own error for it
            return build_runtime_param(param.type_descriptor)._coerce_value(value, param=param, ctx=ctx)


def convert_without_pydantic(params: Iterable[Any]) -> None:
    """Give the parameters that take plain values the plain conversion."""
    for param in params:
        # getattr: a typer that keeps no such slot converts the value itself
        if not isinstance(param, _TyperParameter) or getattr(param, "_runtime_param", False) is not None:
            continue
        convert = plain_conversion(param.type_descriptor)
        if convert is not None:
            param._runtime_param = PlainValue(
                annotation=param.type_descriptor.annotation,
                parameter_info=param.type_descriptor.parameter_info,
                convert=convert,
            )


def plain_conversion(described: TypeDescriptor) -> Convert | None:
    """The conversion for a bool, str, Path, Enum, int, float or list[str] value with no parser or bounds."""
    info = described.parameter_info
    if info.parser is not None or described.is_file or described.is_ranged:
        return None
    annotation = described.annotation
    if annotation is bool:  # a flag typer has not set yet: typer's --install-completion, --show-completion
        return flag
    if annotation is str:
        return text
    if described.is_list and annotation == list[str]:
        return texts
    if annotation is int:
        return whole_number
    if annotation is float:
        return decimal_number
    if annotation is Path and info.path_type is None:

        def path(value: Any, param: _TyperParameter, ctx: Context) -> Any:
            if type(value) is str and value:
                value = Path(value)
            if not isinstance(value, Path):
                raise Unsure
            return coerce_cli_path(value, info, path_type=Path, param=param, ctx=ctx)

        return path
    if isinstance(annotation, type) and issubclass(annotation, Enum):
        choices = list(annotation)

        def choice(value: Any, param: _TyperParameter, ctx: Context) -> Any:
            return coerce_cli_choice(value, choices=choices, case_sensitive=info.case_sensitive, ctx=ctx)

        return choice
    return None


def flag(value: Any, param: _TyperParameter, ctx: Context) -> bool:
    if type(value) is not bool:
        raise Unsure
    return value


def text(value: Any, param: _TyperParameter, ctx: Context) -> str:
    if type(value) is not str:
        raise Unsure
    return value


def texts(value: Any, param: _TyperParameter, ctx: Context) -> list[str]:
    if not isinstance(value, (list, tuple)) or any(type(item) is not str for item in value):
        raise Unsure
    return list(value)


def whole_number(value: Any, param: _TyperParameter, ctx: Context) -> int:
    if type(value) is int:
        return value
    if type(value) is str and WHOLE_NUMBER.fullmatch(value):
        return int(value)
    raise Unsure


def decimal_number(value: Any, param: _TyperParameter, ctx: Context) -> float:
    if type(value) is float:
        return value
    if type(value) is int or (type(value) is str and DECIMAL_NUMBER.fullmatch(value)):
        return float(value)
    raise Unsure
