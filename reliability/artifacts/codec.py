"""Records <-> JSON: a record's fields, in declaration order, are its JSON keys.

Times are typed in the records and text in JSON: a `datetime` is RFC 3339 text and a
`date` is YYYY-MM-DD, parsed once when read and formatted once when written. A field
annotated `Flattened` lends its record's keys to the enclosing object (shared groups of
figures); one annotated `OmittedWhenNone` is absent from the JSON while it is None (keys
that only some entries carry). A field typed as a union of records is read as
the record whose keys the JSON object has.
"""

from __future__ import annotations

import types
from collections.abc import Mapping
from dataclasses import dataclass, fields
from datetime import date, datetime
from enum import Enum
from typing import Annotated, Any, Self, TypeVar, Union, get_args, get_origin, get_type_hints

from reliability.timefmt import format_rfc3339, parse_rfc3339


class _Marker:
    def __init__(self, name: str) -> None:
        self.name = name

    def __repr__(self) -> str:
        return self.name


_FLATTEN = _Marker("flattened")
_OMIT_IF_NONE = _Marker("omitted when None")

T = TypeVar("T")
Flattened = Annotated[T, _FLATTEN]
OmittedWhenNone = Annotated[T | None, _OMIT_IF_NONE]


@dataclass(frozen=True)
class _Key:
    name: str
    kind: Any  # the field's type, without its markers
    flatten: bool
    omit_if_none: bool


_KEYS: dict[type, tuple[_Key, ...]] = {}


def _keys(cls: type) -> tuple[_Key, ...]:
    if cls in _KEYS:
        return _KEYS[cls]
    hints = get_type_hints(cls, include_extras=True)
    keys = []
    for item in fields(cls):
        hint = hints[item.name]
        markers: tuple[Any, ...] = ()
        if get_origin(hint) is Annotated:
            hint, *rest = get_args(hint)
            markers = tuple(rest)
        keys.append(_Key(item.name, hint, _FLATTEN in markers, _OMIT_IF_NONE in markers))
    _KEYS[cls] = tuple(keys)
    return _KEYS[cls]


class Record:
    """Base of every artifact record (each a frozen dataclass)."""

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for key in _keys(type(self)):
            value = getattr(self, key.name)
            if key.flatten:
                out |= value.to_json()
            elif not (value is None and key.omit_if_none):
                out[key.name] = encode(value)
        return out

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Self:
        values: dict[str, Any] = {}
        for key in _keys(cls):
            if key.flatten:
                values[key.name] = key.kind.from_json(data)
            elif key.name in data:
                values[key.name] = decode(key.kind, data[key.name])
            elif not key.omit_if_none:
                raise KeyError(f"{cls.__name__}: the key {key.name!r} is missing")
        return cls(**values)

    @classmethod
    def json_keys(cls) -> frozenset[str]:
        """Every key this record may write (the flattened records' keys included)."""
        keys: set[str] = set()
        for key in _keys(cls):
            keys |= key.kind.json_keys() if key.flatten else {key.name}
        return frozenset(keys)

    @classmethod
    def required_keys(cls) -> frozenset[str]:
        """The keys this record always writes."""
        keys: set[str] = set()
        for key in _keys(cls):
            if key.flatten:
                keys |= key.kind.required_keys()
            elif not key.omit_if_none:
                keys.add(key.name)
        return frozenset(keys)


# Most values are these: returned before the isinstance checks (Mapping's is slow, an ABC's).
_AS_IS = frozenset({str, int, float, bool, type(None)})


def encode(value: Any) -> Any:
    if type(value) in _AS_IS:
        return value
    if isinstance(value, Record):
        return value.to_json()
    if isinstance(value, datetime):
        return format_rfc3339(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, (tuple, list)):
        return [encode(v) for v in value]
    if isinstance(value, Mapping):
        return {key: encode(v) for key, v in value.items()}
    return value


def _is_record(kind: Any) -> bool:
    return isinstance(kind, type) and issubclass(kind, Record)


def _decode_union(options: tuple[Any, ...], value: Any) -> Any:
    if value is None and type(None) in options:
        return None
    options = tuple(o for o in options if o is not type(None))
    if len(options) == 1:
        return decode(options[0], value)
    records = [o for o in options if _is_record(o)]
    if isinstance(value, Mapping) and records:
        keys = set(value)
        for record in records:
            if record.required_keys() <= keys <= record.json_keys():
                return record.from_json(value)
        raise ValueError(f"no record of {[r.__name__ for r in records]} has the keys {sorted(keys)}")
    return value  # a union of plain JSON values (a number or a word)


def decode(kind: Any, value: Any) -> Any:
    origin = get_origin(kind)
    if origin in (Union, types.UnionType):
        return _decode_union(get_args(kind), value)
    if origin is tuple:
        args = get_args(kind)
        if len(args) == 2 and args[1] is Ellipsis:
            return tuple(decode(args[0], v) for v in value)
        return tuple(decode(a, v) for a, v in zip(args, value, strict=True))
    if origin in (dict, Mapping):
        _, item = get_args(kind)
        return {key: decode(item, v) for key, v in value.items()}
    if kind is datetime:
        return parse_rfc3339(value)
    if kind is date:
        return date.fromisoformat(value)
    if _is_record(kind):
        return kind.from_json(value)
    if isinstance(kind, type) and issubclass(kind, Enum):
        return kind(value)
    return value
