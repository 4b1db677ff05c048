"""A rolling window: whole seconds under one canonical name."""

from __future__ import annotations

from dataclasses import dataclass

from reliability.durations import format_duration, parse_duration


@dataclass(frozen=True)
class Window:
    """A span of whole seconds named as Prometheus and the artifacts write it: '1h', never '60m'.

    Parsed once where the configuration is read; artifacts, rules and dashboards use `name`, the
    math uses `seconds`, and two spellings of one span are one window.
    """

    name: str
    seconds: int

    def __post_init__(self) -> None:
        if self.name != format_duration(self.seconds):
            raise ValueError(f"window {self.name!r} is not the canonical name of {self.seconds} s")

    def __str__(self) -> str:
        return self.name

    @classmethod
    def of(cls, seconds: int) -> Window:
        """The window of `seconds` (a positive whole number)."""
        return cls(format_duration(seconds), seconds)

    @classmethod
    def parse(cls, text: str) -> Window:
        """'60m' -> Window('1h', 3600); ValueError for a malformed duration or one not whole seconds."""
        seconds = parse_duration(text)
        if seconds != int(seconds) or seconds <= 0:
            raise ValueError(f"window {text!r} is not a positive whole number of seconds")
        return cls.of(int(seconds))
