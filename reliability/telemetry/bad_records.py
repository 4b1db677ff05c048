"""Bad records of the JSON readers, by reason with the first few located: skipped, or with
--strict the first of them stops the run."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from reliability.errors import InputError, Problem
from reliability.telemetry.report import MAX_EXAMPLES, ReadReport, SkippedExample

Found = list[tuple[str, int, list[SkippedExample]]]  # (reason, how many, the first few)


@dataclass
class BadRecords:
    """The bad records of one file."""

    path: str
    by_reason: dict[str, tuple[int, list[SkippedExample]]] = field(default_factory=dict)

    def reject(self, line: int, reason: str, where: str, value: Any) -> None:
        """One bad record: `where` is the field's path in the record, `value` what it held."""
        count, examples = self.by_reason.get(reason, (0, []))
        if len(examples) < MAX_EXAMPLES:
            examples.append(SkippedExample(self.path, line, reason, where, str(value)[:200]))
        self.by_reason[reason] = (count + 1, examples)

    @property
    def count(self) -> int:
        return sum(n for n, _ in self.by_reason.values())

    def found(self) -> Found:
        return [(reason, count, examples) for reason, (count, examples) in self.by_reason.items()]


def skip_or_stop(report: ReadReport, found: Found, strict: bool) -> None:
    """Count the bad records by reason; with strict, stop at the first one of them in the file."""
    if strict and found:
        first = min((e for _, _, examples in found for e in examples), key=lambda e: e.line or 0)
        problem = Problem(first.file, f"{first.reason}: {first.value}", first.line, first.field or None)
        raise InputError(f"bad record: {problem} (--strict stops at the first bad record)", [problem])
    for reason, count, examples in found:
        report.skip(reason, count, examples)
