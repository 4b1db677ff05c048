"""Errors the CLI turns into one clear line and an exit code."""

from __future__ import annotations

from dataclasses import dataclass, field

EXIT_OK = 0
EXIT_FAILURE = 1
EXIT_INVALID_CONFIG = 2
EXIT_BAD_INPUT = 3
# A published artifact set that is mixed or changed: the readers cannot decide on it, like on a bad
# configuration (and a CI gate reads 1 as "stop").
EXIT_UNTRUSTED_ARTIFACTS = 2


def file_line(file: str, line: int | None) -> str:
    """Where something is: file:line, or the file alone when the line is unknown."""
    return file if line is None else f"{file}:{line}"


def printable(text: str) -> str:
    """`text` with control characters escaped (\\x1b, \\n, ...): telemetry must not steer the terminal."""
    if text.isprintable():
        return text
    return "".join(
        c if c.isprintable() or c == " " else c.encode("unicode_escape").decode("ascii") for c in text
    )


@dataclass(frozen=True)
class Problem:
    """One located problem: where it is and what is wrong."""

    file: str
    message: str
    line: int | None = None
    field: str | None = None

    def __str__(self) -> str:
        where = file_line(self.file, self.line)
        what = f"{self.field}: {self.message}" if self.field else self.message
        return printable(f"{where}: {what}")


@dataclass
class ReliabilityError(Exception):
    """An expected failure: bad config, bad input, unreachable source."""

    message: str
    exit_code: int = EXIT_FAILURE
    problems: list[Problem] = field(default_factory=list)

    def __str__(self) -> str:
        return self.message


class ConfigError(ReliabilityError):
    def __init__(self, message: str, problems: list[Problem] | None = None) -> None:
        super().__init__(message, EXIT_INVALID_CONFIG, problems or [])


class InputError(ReliabilityError):
    def __init__(self, message: str, problems: list[Problem] | None = None) -> None:
        super().__init__(message, EXIT_BAD_INPUT, problems or [])


class ArtifactSetError(ReliabilityError):
    """A published set whose files are not the ones its manifest publishes: mixed, changed or gone."""

    def __init__(self, message: str) -> None:
        super().__init__(message, EXIT_UNTRUSTED_ARTIFACTS)
