"""Reading one OpenSLO document strictly: every key is known, or a problem naming it and its line."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, NoReturn

from reliability.config.yaml_source import KeyPath, YamlDocument
from reliability.errors import ConfigError, Problem

ANNOTATION_PREFIX = "reliability.dev/"


class OpenSloProblem(ConfigError):
    """One document cannot be read; the caller collects these and reports them together."""


def dotted(key_path: KeyPath) -> str:
    text = ""
    for part in key_path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


@dataclass(frozen=True)
class OpenSloDoc:
    """One OpenSLO document of a file, read through typed accessors that fail with its file and line."""

    source: YamlDocument

    @property
    def data(self) -> dict[str, Any]:
        data: dict[str, Any] = self.source.data
        return data

    @property
    def kind(self) -> str:
        return str(self.data.get("kind"))

    @property
    def name(self) -> str:
        return self.text(("metadata", "name"))

    def where(self) -> str:
        line = self.source.line_of(())
        return f"{self.kind} {self.data.get('metadata', {}).get('name', '?')!r} at line {line}"

    def line(self, at: KeyPath) -> int | None:
        return self.source.line_of(at)

    def fail(self, at: KeyPath, message: str) -> NoReturn:
        problem = Problem(str(self.source.path), message, self.line(at), dotted(at) or None)
        raise OpenSloProblem(str(problem), [problem])

    def get(self, at: KeyPath) -> Any:
        value: Any = self.data
        for part in at:
            if isinstance(part, int):
                value = value[part] if isinstance(value, list) and part < len(value) else None
            else:
                value = value.get(part) if isinstance(value, dict) else None
            if value is None:
                return None
        return value

    def has(self, at: KeyPath) -> bool:
        return self.get(at) is not None

    def mapping(self, at: KeyPath, required: bool = False) -> dict[str, Any]:
        value = self.get(at)
        if value is None:
            if required:
                self.fail(at, "missing")
            return {}
        if not isinstance(value, dict):
            self.fail(at, f"expected a mapping, got {type(value).__name__}")
        return value

    def items(self, at: KeyPath) -> list[Any]:
        value = self.get(at)
        if value is None:
            return []
        if not isinstance(value, list):
            self.fail(at, f"expected a list, got {type(value).__name__}")
        return value

    def text(self, at: KeyPath) -> str:
        value = self.get(at)
        if not isinstance(value, str) or not value.strip():
            self.fail(at, "missing" if value is None else f"expected non-empty text, got {value!r}")
        return value

    def optional_text(self, at: KeyPath) -> str | None:
        return None if self.get(at) is None else self.text(at)

    def number(self, at: KeyPath, low: float, high: float) -> float:
        value = self.get(at)
        if isinstance(value, bool) or not isinstance(value, int | float) or not low < value <= high:
            self.fail(at, f"expected a number in ({low:g}, {high:g}], got {value!r}")
        return float(value)

    def known_keys(self, at: KeyPath, known: Iterable[str], refused: dict[str, str] | None = None) -> None:
        """Every key at `at` is read or refused with its reason; an unknown one is refused too."""
        allowed = set(known)
        for key in self.mapping(at):
            if refused and key in refused:
                self.fail((*at, key), f"not supported: {refused[key]}")
            if key not in allowed:
                self.fail((*at, key), f"unknown field (known here: {', '.join(sorted(allowed))})")

    def annotation(self, at: KeyPath, key: str) -> str | None:
        """A `reliability.dev/` annotation of the metadata at `at` (text), if present."""
        value = self.get((*at, "annotations", ANNOTATION_PREFIX + key))
        if value is not None and not isinstance(value, str):
            self.fail((*at, "annotations", ANNOTATION_PREFIX + key), "an annotation's value is text")
        return value

    def annotation_json(self, at: KeyPath, key: str) -> Any:
        """A `reliability.dev/` annotation holding JSON, parsed; None when absent."""
        text = self.annotation(at, key)
        if text is None:
            return None
        try:
            return json.loads(text)
        except json.JSONDecodeError as exc:
            self.fail((*at, "annotations", ANNOTATION_PREFIX + key), f"not JSON: {exc.msg}")
