"""Every artifact is checked against its shipped JSON Schema before it is written.

The check runs in jsonschema-rs (compiled; about 200x faster on a 1 MB artifact, which made the
pure-Python validator most of a run's time); only an artifact that fails is walked again by
jsonschema, whose error paths and messages are what users see everywhere else. jsonschema is
imported only then: a run whose artifacts are valid never loads it.
"""

from __future__ import annotations

import json
from functools import cache
from importlib import resources
from typing import Any

import jsonschema_rs

from reliability.errors import ReliabilityError


@cache
def schema(name: str) -> dict[str, Any]:
    """A schema shipped in reliability/schemas, e.g. 'sli-metrics'."""
    text = resources.files("reliability.schemas").joinpath(f"{name}.schema.json").read_text()
    loaded: dict[str, Any] = json.loads(text)
    return loaded


@cache
def _fast_validator(kind: str) -> Any:
    return jsonschema_rs.Draft202012Validator(schema(kind))


def problems(kind: str, data: Any) -> list[str]:
    if _fast_validator(kind).is_valid(data):
        return []
    import jsonschema  # only for an artifact that fails: its messages

    validator = jsonschema.Draft202012Validator(schema(kind))
    return [
        f"{'/'.join(map(str, e.absolute_path)) or '(top level)'}: {e.message}"
        for e in sorted(validator.iter_errors(data), key=lambda e: list(map(str, e.absolute_path)))
    ]


def check(kind: str, data: Any) -> None:
    found = problems(kind, data)
    if found:
        raise ReliabilityError(
            f"internal error: the {kind} artifact does not match its schema: {found[0]}"
            + (f" (and {len(found) - 1} more)" if len(found) > 1 else "")
        )
