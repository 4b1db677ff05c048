"""What a schema error says to a person: what is wrong with the value, the forms accepted, the nearest
known key or name.

jsonschema's own texts describe the schema ("Additional properties are not allowed", "is not of type
'object'"); for a latency threshold written `fast` that points at the wrong thing. Here an error's
failing branch is chosen by what the value says it is (its `kind`, its shape), and values of a known
form (durations, windows, objectives) are described in words.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # jsonschema is imported only when a document has problems (config.build)
    from jsonschema.exceptions import ValidationError

DURATION_FORMS = "a whole number and a unit (ms, s, m, h, d or w), such as 300ms, 30s, 5m or 1h30m"
WINDOW_FORMS = (
    "a rolling duration such as 30d or 4w, or {calendar: week|month|quarter} with an optional time_zone"
)
OBJECTIVE_FORMS = "a percent above 0 and at most 100, such as 99.9, or auto"
TIMESTAMP_FORMS = (
    "rfc3339, iso8601, unix_s, unix_ms, unix_us, unix_ns, or a strptime format such as '%d/%b/%Y:%H:%M:%S %z'"
)
STATUS_FORMS = "a status code such as 503 or a class such as 5xx"

Best = Callable[[Iterable["ValidationError"]], "ValidationError | None"]


@dataclass(frozen=True)
class SchemaMessage:
    key_path: tuple[str | int, ...]
    text: str
    suggested_key: str | None = None  # a misspelt key's nearest known one: its "required" error is moot
    missing_key: str | None = None  # for "is a required property"


def did_you_mean(name: str, known: Iterable[str]) -> str:
    """'; did you mean 'x'?' for the nearest known name, or nothing when none is close."""
    close = difflib.get_close_matches(name, sorted(set(known)), n=1, cutoff=0.6)
    return f"; did you mean {close[0]!r}?" if close else ""


def _is_duration(schema: Any, defs: dict[str, Any]) -> bool:
    return isinstance(schema, dict) and schema.get("pattern") == defs["duration"]["pattern"]


def _is_objective(schema: Any) -> bool:
    branches = schema.get("oneOf", []) if isinstance(schema, dict) else []
    return any(branch == {"const": "auto"} for branch in branches)


def _chosen_branch(error: ValidationError) -> list[ValidationError]:
    """The errors of the oneOf/anyOf branch the value meant, by what it says it is.

    A branch whose `const` fails on a key below the value (kind: latency against the availability
    branch) or whose type does not fit the value's shape at all is not the one meant.
    """
    by_branch: dict[Any, list[ValidationError]] = {}
    for sub in error.context or ():
        by_branch.setdefault(sub.relative_schema_path[0], []).append(sub)

    def meant(errors: list[ValidationError]) -> bool:
        for sub in errors:
            below = len(sub.absolute_path) > len(error.absolute_path)
            if (sub.validator == "const" and below) or (sub.validator == "type" and not below):
                return False
        return True

    chosen = [errors for errors in by_branch.values() if meant(errors)]
    return chosen[0] if len(chosen) == 1 else []


def _value_text(value: Any, what: str, forms: str) -> str:
    if isinstance(value, (int, float)) and not isinstance(value, bool) and what == "a duration":
        return f"{value!r} is not a duration: a number needs a unit, such as {value}ms or {value}s"
    return f"{value!r} is not {what}: expected {forms}"


def _unknown_keys(detail: ValidationError) -> list[SchemaMessage]:
    schema = detail.schema if isinstance(detail.schema, dict) else {}
    known = [key for key in schema.get("properties", {}) if isinstance(key, str)]
    instance = detail.instance if isinstance(detail.instance, dict) else {}
    extras = [key for key in instance if key not in known]
    messages = []
    for key in extras:
        close = difflib.get_close_matches(str(key), known, n=1, cutoff=0.6)
        hint = f"did you mean {close[0]!r}?" if close else f"known keys: {', '.join(sorted(known))}"
        messages.append(
            SchemaMessage(
                (*detail.absolute_path, key), f"unknown key {key!r}; {hint}", close[0] if close else None
            )
        )
    return messages


def describe(error: ValidationError, defs: dict[str, Any], best: Best) -> list[SchemaMessage]:
    """The messages for one top-level schema error; `best` picks among sub-errors (best_match)."""
    at = tuple(error.absolute_path)
    if _is_objective(error.schema):
        return [SchemaMessage(at, _value_text(error.instance, "an objective", OBJECTIVE_FORMS))]
    if error.schema == defs["slo_window"]:
        return [SchemaMessage(at, _value_text(error.instance, "a window", WINDOW_FORMS))]
    if error.schema == defs["timestamp_column"]["properties"]["format"]:
        return [SchemaMessage(at, _value_text(error.instance, "a timestamp format", TIMESTAMP_FORMS))]
    if error.schema == defs["status_item"]:
        return [SchemaMessage(at, _value_text(error.instance, "a status", STATUS_FORMS))]
    if error.context:
        chosen: list[ValidationError | None] = [*_chosen_branch(error)] or [best(error.context)]
        branch = [detail for detail in chosen if detail is not None]
        return [message for detail in branch for message in describe(detail, defs, best)]
    if error.validator == "additionalProperties" and isinstance(error.instance, dict):
        return _unknown_keys(error)
    if _is_duration(error.schema, defs):
        return [SchemaMessage(at, _value_text(error.instance, "a duration", DURATION_FORMS))]
    if error.validator == "required" and isinstance(error.instance, dict):
        required = error.validator_value if isinstance(error.validator_value, list) else []
        missing = [key for key in required if key not in error.instance]
        return [SchemaMessage(at, error.message, missing_key=missing[0] if missing else None)]
    return [SchemaMessage(at, error.message)]


def without_moot(messages: list[SchemaMessage]) -> list[SchemaMessage]:
    """Drop a missing key's message where a misspelling of it is reported: `objectiv` says it all."""
    suggested = {(m.key_path[:-1], m.suggested_key) for m in messages if m.suggested_key}
    return [m for m in messages if m.missing_key is None or (m.key_path, m.missing_key) not in suggested]
