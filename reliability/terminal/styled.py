"""The terminal form of a table: the plain layout, with each state's cell coloured and marked.

A symbol goes before the word ("✖ PAGE"), never instead of it, so the meaning survives NO_COLOR,
a colour-blind reader and a copy into a plain-text ticket.
"""

from __future__ import annotations

from rich.text import Text

from reliability.terminal.table import COLUMN_GAP, Cell, State, Table

# state -> (symbol, rich style)
LOOKS: dict[State, tuple[str, str]] = {
    State.OK: ("✔", "green"),
    State.MET: ("✔", "green"),
    State.PASS: ("✔", "bold green"),
    State.TICKET: ("▲", "yellow"),
    State.WARN: ("▲", "yellow"),
    State.PAGE: ("✖", "bold red"),
    State.FREEZE: ("■", "red"),
    State.EXHAUSTED: ("✖", "bold red"),
    State.BREACHED: ("✖", "red"),
    State.STOP: ("✖", "bold red"),
    State.NO_DATA: ("∅", "magenta"),
    State.UNDECIDED: ("∅", "bold magenta"),
}
HEADER_STYLE = "bold"


def shown(cell: Cell, symbols: bool) -> str:
    if cell.state is None or not symbols:
        return cell.text
    return f"{LOOKS[cell.state][0]} {cell.text}"


def render_styled(table: Table, *, symbols: bool = True) -> Text:
    """One Text for the whole table: columns aligned on the shown text, states styled.

    `symbols=False` for a terminal whose encoding cannot show them (rich's ascii_only).
    """
    header = [Cell(h) for h in table.headers]
    rows = table.cells()
    widths = [max(len(shown(row[i], symbols)) for row in [header, *rows]) for i in range(len(header))]
    text = Text()
    for index, row in enumerate([header, *rows]):
        line = Text()
        for column, (cell, width) in enumerate(zip(row, widths, strict=True)):
            if column:
                line.append(COLUMN_GAP)
            value = shown(cell, symbols)
            style = HEADER_STYLE if index == 0 else (LOOKS[cell.state][1] if cell.state else "")
            line.append(value, style=style)
            line.append(" " * (width - len(value)))
        line.rstrip()
        if index:
            text.append("\n")
        text.append_text(line)
    return text
