"""A table of text cells, each optionally marked with a state, and its plain and markdown forms.

The plain form is what a pipe, a CI log or a test sees: aligned ASCII columns, no escape codes.
States only matter to the terminal renderer (reliability.terminal.styled); the words in the cells
carry the meaning on their own.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import StrEnum

COLUMN_GAP = "  "


class State(StrEnum):
    """What a cell says about health; values match the artifacts' state names where there is one."""

    OK = "ok"
    TICKET = "ticket"
    PAGE = "page"
    NO_DATA = "no_data"
    WARN = "warn"
    FREEZE = "freeze"
    EXHAUSTED = "exhausted"
    BREACHED = "breached"
    MET = "met"
    PASS = "pass"
    STOP = "stop"
    UNDECIDED = "undecided"


@dataclass(frozen=True)
class Cell:
    text: str
    state: State | None = None


@dataclass(frozen=True)
class Table:
    headers: tuple[str, ...]
    rows: Sequence[Sequence[str | Cell]] = field(default_factory=list)

    def cells(self) -> list[list[Cell]]:
        """Every row, each value as a Cell."""
        return [[c if isinstance(c, Cell) else Cell(c) for c in row] for row in self.rows]

    def text_rows(self) -> list[tuple[str, ...]]:
        return [tuple(c.text for c in row) for row in self.cells()]


def render_plain(table: Table) -> str:
    """Columns padded to their widest cell, two spaces apart, no trailing blanks."""
    lines = [table.headers, *table.text_rows()]
    widths = [max(len(row[i]) for row in lines) for i in range(len(table.headers))]
    return "\n".join(
        COLUMN_GAP.join(text.ljust(width) for text, width in zip(row, widths, strict=True)).rstrip()
        for row in lines
    )


def markdown_cell(text: str) -> str:
    """A cell's text safe inside a markdown table row."""
    return text.replace("|", "\\|").replace("\n", " ")


def render_markdown(table: Table) -> str:
    """A GitHub-flavoured markdown table (CI job summaries, pull request comments)."""

    def line(values: Sequence[str]) -> str:
        return "| " + " | ".join(markdown_cell(v) for v in values) + " |"

    rows = [line(table.headers), line(["---"] * len(table.headers))]
    rows += [line(row) for row in table.text_rows()]
    return "\n".join(rows)


def markdown_bullets(lines: Sequence[str]) -> str:
    """Lines as a markdown list, one bullet each; a line indented two spaces is a sub-bullet."""
    bullets = []
    for line in lines:
        nested = line.startswith("  ")
        text = line.strip().replace("\n", " ")
        text = "\\" + text if text[:1] in "*-+#>" else text  # a leading marker would start other markup
        bullets.append(("  - " if nested else "- ") + text)
    return "\n".join(bullets)
