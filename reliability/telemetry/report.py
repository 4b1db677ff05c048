"""The ledger of what happened to every record a source read: used, skipped, out of range."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field


@dataclass(frozen=True)
class SkippedExample:
    file: str
    line: int | None  # None where the reader cannot tell (DuckDB's read_csv numbers no rows)
    reason: str
    field: str
    value: str


MAX_EXAMPLES = 5


def first_example(examples: list[SkippedExample]) -> SkippedExample | None:
    """The earliest example by file and line; of those whose line is unknown, the first given
    (readers give them in file order)."""
    return min(examples, key=lambda e: (e.file, e.line or 0), default=None)


@dataclass
class ReadReport:
    """What happened to every record of one source: used, skipped (by reason), or out of range."""

    source: str
    files: dict[str, int] = field(default_factory=dict)  # path -> records read
    skipped: Counter[str] = field(default_factory=Counter)
    examples: list[SkippedExample] = field(default_factory=list)
    filtered_out: int = 0
    before_history: int = 0
    after_now: int = 0
    out_of_order: int | None = 0  # None where the source does not count it (a sql source)
    used: int = 0
    unavailable: str | None = None  # why the source was not read (a run with --allow-partial)

    def skip(self, reason: str, count: int, examples: list[SkippedExample]) -> None:
        self.skipped[reason] += count
        room = MAX_EXAMPLES - len(self.examples)
        if room > 0:
            self.examples.extend(examples[:room])

    @property
    def records(self) -> int:
        return sum(self.files.values())

    @property
    def skipped_total(self) -> int:
        return sum(self.skipped.values())
