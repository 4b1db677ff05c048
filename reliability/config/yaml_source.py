"""Safe YAML loading that remembers the line of every key, for error messages."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from reliability.errors import ConfigError, Problem

KeyPath = tuple[str | int, ...]


@dataclass(frozen=True)
class YamlDocument:
    """One parsed file: its data and the line of each key path in it."""

    path: Path
    data: Any
    lines: dict[KeyPath, int]

    def line_of(self, key_path: KeyPath) -> int | None:
        """Line of the path, or of its nearest ancestor that has one."""
        for end in range(len(key_path), -1, -1):
            line = self.lines.get(tuple(key_path[:end]))
            if line is not None:
                return line
        return None


def _record_lines(node: yaml.Node, path: KeyPath, lines: dict[KeyPath, int]) -> None:
    lines.setdefault(path, node.start_mark.line + 1)
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            key_path = (*path, str(key_node.value))
            lines[key_path] = key_node.start_mark.line + 1
            _record_lines(value_node, key_path, lines)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            _record_lines(item, (*path, index), lines)


MAX_DEPTH = 64  # a config nests about 8 deep; Python's recursion would give out near 1,000
MAX_NODES = 100_000  # values once aliases are expanded: a "billion laughs" alias bomb stops here
_NON_FINITE = re.compile(r"^[-+]?\.(inf|nan)$", re.IGNORECASE)
_FLOAT_TAG = "tag:yaml.org,2002:float"
_TIMESTAMP_TAG = "tag:yaml.org,2002:timestamp"
_RESOLVERS_WITHOUT_TIMESTAMPS = {
    first: [(tag, pattern) for tag, pattern in resolvers if tag != _TIMESTAMP_TAG]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


class _BoundedLoader(yaml.SafeLoader):
    """The safe loader, refusing nesting deeper than MAX_DEPTH while it composes (before recursing).

    Times stay text however they are written: the config's times are RFC 3339 strings to the schema,
    and an unquoted `2026-11-01T00:00:00Z` should read the same as a quoted one."""

    def __init__(self, text: str) -> None:
        super().__init__(text)
        self.yaml_implicit_resolvers = _RESOLVERS_WITHOUT_TIMESTAMPS
        self._depth = 0

    def compose_node(self, parent: yaml.Node | None, index: int) -> yaml.Node | None:
        self._depth += 1
        try:
            if self._depth > MAX_DEPTH:
                raise yaml.composer.ComposerError(
                    None,
                    None,
                    f"nested deeper than {MAX_DEPTH} levels",
                    self.peek_event().start_mark,  # type: ignore[no-untyped-call]
                )
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1


def _problem(path: Path, node: yaml.Node, message: str) -> ConfigError:
    problem = Problem(str(path), f"invalid YAML: {message}", node.start_mark.line + 1)
    return ConfigError(str(problem), [problem])


def _check_nodes(path: Path, root: yaml.Node) -> None:
    """Refuse what the safe loader takes but a configuration must not hold: duplicate keys, an alias
    that contains itself, aliases that expand past MAX_NODES values, and .nan / .inf numbers."""
    expanded: dict[int, int] = {}  # node id -> values under it, aliases expanded
    on_path: set[int] = set()

    def size(node: yaml.Node) -> int:  # depth is bounded by MAX_DEPTH, so recursion is safe
        if id(node) in on_path:
            raise _problem(path, node, "an alias refers to a value that contains it (a recursive alias)")
        if id(node) in expanded:
            return expanded[id(node)]
        on_path.add(id(node))
        total = 1
        if isinstance(node, yaml.MappingNode):
            seen: dict[object, yaml.Node] = {}
            for key, value in node.value:
                if isinstance(key, yaml.ScalarNode) and key.value != "<<":
                    first = seen.setdefault(key.value, key)
                    if first is not key:
                        line = first.start_mark.line + 1
                        raise _problem(path, key, f"duplicate key {key.value!r} (first at line {line})")
                total += size(key) + size(value)
        elif isinstance(node, yaml.SequenceNode):
            total += sum(size(item) for item in node.value)
        elif node.tag == _FLOAT_TAG and _NON_FINITE.match(node.value):
            raise _problem(path, node, f"{node.value} is not a finite number")
        on_path.discard(id(node))
        expanded[id(node)] = total
        if total > MAX_NODES:
            raise _problem(path, node, f"aliases expand to more than {MAX_NODES:,} values")
        return total

    size(root)


@contextmanager
def _located_errors(path: Path, text: str) -> Iterator[None]:
    """A YAML error while parsing `text` as a ConfigError naming the file and line."""
    try:
        yield
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        problem = Problem(str(path), f"invalid YAML: {exc.problem or exc}", line)
        raise ConfigError(str(problem), [problem]) from exc
    except yaml.reader.ReaderError as exc:  # a character YAML does not allow, e.g. a NUL byte
        line = text.count("\n", 0, exc.position) + 1
        code = exc.character if isinstance(exc.character, int) else ord(exc.character)
        problem = Problem(str(path), f"invalid YAML: character U+{code:04X} is not allowed", line)
        raise ConfigError(str(problem), [problem]) from exc
    except yaml.YAMLError as exc:
        raise ConfigError(f"{path}: invalid YAML: {exc}") from exc


def load_yaml(path: Path) -> YamlDocument:
    """Parse one YAML file with the safe loader (no arbitrary Python objects)."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read: {exc.strerror}") from exc
    text = _utf8(path, raw)
    with _located_errors(path, text):
        loader = _BoundedLoader(text)
        try:
            node = loader.get_single_node()
            if node is not None:
                _check_nodes(path, node)
            data = loader.construct_document(node) if node is not None else None
        finally:
            loader.dispose()
    lines: dict[KeyPath, int] = {}
    if node is not None:
        _record_lines(node, (), lines)
    return YamlDocument(path, data, lines)


def _utf8(path: Path, data: bytes) -> str:
    """The file's text; a UTF-8 byte order mark is dropped (editors on Windows write one)."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        message = (
            "invalid YAML: the file is UTF-16 (it starts with a UTF-16 byte order mark); save it as UTF-8"
        )
        problem = Problem(str(path), message, 1)
        raise ConfigError(str(problem), [problem])
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        message = f"invalid YAML: not UTF-8: byte 0x{data[exc.start]:02x} at byte offset {exc.start}"
        problem = Problem(str(path), message, line)
        raise ConfigError(str(problem), [problem]) from None


def load_yaml_documents(path: Path) -> list[YamlDocument]:
    """Every document of a multi-document YAML file (`---` between them), each with its lines.

    Lines count from the top of the file, so a problem in the third document names its own line.
    """
    try:
        text = _utf8(path, path.read_bytes())
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read: {exc.strerror}") from exc
    documents = []
    with _located_errors(path, text):
        loader = _BoundedLoader(text)
        try:
            while loader.check_node():
                node = loader.get_node()
                if node is None:
                    continue
                _check_nodes(path, node)
                lines: dict[KeyPath, int] = {}
                _record_lines(node, (), lines)
                documents.append(YamlDocument(path, loader.construct_document(node), lines))
        finally:
            loader.dispose()
    return [d for d in documents if d.data is not None]
