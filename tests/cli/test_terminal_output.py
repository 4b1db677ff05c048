"""Tables on a terminal: states coloured and marked; piped or NO_COLOR output stays readable text."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from conftest import EXAMPLE_CONFIG
from rich.console import Console
from typer.testing import CliRunner

from reliability.cli import app
from reliability.terminal.output import echo_table, stdout_may_be_terminal
from reliability.terminal.styled import render_styled
from reliability.terminal.table import Cell, State, Table, render_markdown, render_plain

ESCAPE = "\x1b["
# An SGR sequence setting a foreground colour: 30-37, 38;..., 90-97.
COLOUR = re.compile(r"\x1b\[(?:[0-9;]*;)?(?:3[0-8]|9[0-7])(?:;[0-9;]*)?m")
EXAMPLE = EXAMPLE_CONFIG
# rich then sees CliRunner's pipe as a pipe, whatever the shell running the tests has set.
PLAIN_ENV: dict[str, str | None] = {"FORCE_COLOR": None, "NO_COLOR": None, "TTY_COMPATIBLE": None}

TABLE = Table(
    ("SLO", "ALERT", "SLA"),
    [
        ("checkout", Cell("PAGE", State.PAGE), Cell("BREACHED (10% credit)", State.BREACHED)),
        ("catalog", Cell("ok", State.OK), Cell("met", State.MET)),
        ("recommendations", Cell("NO DATA", State.NO_DATA), "-"),
    ],
)


def terminal(width: int = 120, file: io.StringIO | None = None) -> Console:
    return Console(file=file or io.StringIO(), force_terminal=True, color_system="standard", width=width)


def printed(console: Console) -> str:
    assert isinstance(console.file, io.StringIO)
    return console.file.getvalue()


def test_plain_text_is_aligned_ascii() -> None:
    assert render_plain(TABLE).splitlines() == [
        "SLO              ALERT    SLA",
        "checkout         PAGE     BREACHED (10% credit)",
        "catalog          ok       met",
        "recommendations  NO DATA  -",
    ]


def test_a_terminal_gets_symbols_and_colours_per_state(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("NO_COLOR", raising=False)
    console = terminal()
    echo_table(TABLE, console)
    out = printed(console)
    assert "\x1b[1;31m✖ PAGE\x1b[0m" in out  # bold red
    assert "\x1b[31m✖ BREACHED (10% credit)\x1b[0m" in out  # red
    assert "\x1b[32m✔ ok\x1b[0m" in out and "\x1b[32m✔ met\x1b[0m" in out  # green
    assert "\x1b[35m∅ NO DATA\x1b[0m" in out  # magenta
    # Columns still line up on the text a reader sees.
    visible = [re.sub(r"\x1b\[[0-9;]*m", "", line) for line in out.splitlines()]
    assert visible[0].index("ALERT") == visible[1].index("✖ PAGE") == visible[3].index("∅ NO DATA")


def test_a_narrow_terminal_does_not_wrap_or_cut_rows(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("NO_COLOR", raising=False)
    console = terminal(width=20)
    echo_table(TABLE, console)
    assert len(printed(console).splitlines()) == 4
    assert "BREACHED (10% credit)" in printed(console)


def test_no_color_keeps_the_symbols_and_drops_the_colours(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NO_COLOR", "1")
    console = terminal()
    echo_table(TABLE, console)
    out = printed(console)
    assert "✖ PAGE" in out and "∅ NO DATA" in out
    assert not COLOUR.search(out), repr(out)


def test_a_terminal_that_cannot_encode_symbols_gets_words_only() -> None:
    text = render_styled(TABLE, symbols=False).plain
    assert text == render_plain(TABLE)


def test_piped_output_is_the_plain_text(capsys: pytest.CaptureFixture[str]) -> None:
    echo_table(TABLE, Console(file=io.StringIO(), force_terminal=False))
    out = capsys.readouterr().out
    assert out == render_plain(TABLE) + "\n"
    assert ESCAPE not in out


def test_markdown_escapes_pipes() -> None:
    lines = render_markdown(Table(("A", "B"), [("x|y", Cell("ok", State.OK))])).splitlines()
    assert lines == ["| A | B |", "| --- | --- |", "| x\\|y | ok |"]


@pytest.fixture(scope="module")
def artifacts(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("generated")
    done = CliRunner().invoke(app, ["run", str(EXAMPLE), "--out", str(out)], env=PLAIN_ENV)
    assert done.exit_code == 0, done.output
    return out


def test_run_summary_is_coloured_when_forced_and_plain_when_piped(tmp_path: Path) -> None:
    args = ["run", str(EXAMPLE), "--out", str(tmp_path), "--no-ledger"]
    piped = CliRunner().invoke(app, args, env=PLAIN_ENV)
    assert piped.exit_code == 0, piped.output
    assert ESCAPE not in piped.stdout and "✖" not in piped.stdout
    assert any(line.startswith("orders      checkout-availability") for line in piped.stdout.splitlines())
    forced = CliRunner().invoke(app, args, env=PLAIN_ENV | {"FORCE_COLOR": "1"})
    assert forced.exit_code == 0, forced.output
    assert "\x1b[1;31m✖ page" in forced.stdout and "\x1b[1;31m✖ EXHAUSTED (-134.0%)" in forced.stdout
    assert "∅ no_data" in forced.stdout and "■ freeze" in forced.stdout
    assert forced.stderr == ""  # FORCE_COLOR asks for colour, not for progress bars in a log
    # Everything but the table is the same text.
    assert forced.stdout.splitlines()[0] == piped.stdout.splitlines()[0]
    assert forced.stdout.splitlines()[-1] == piped.stdout.splitlines()[-1]


def test_gate_and_history_colour_their_states_on_a_terminal(artifacts: Path) -> None:
    forced = PLAIN_ENV | {"FORCE_COLOR": "1"}
    gate = CliRunner().invoke(app, ["gate", "--artifacts", str(artifacts)], env=forced)
    assert gate.exit_code == 1
    assert gate.stdout.startswith("gate: STOP (exit 1)")
    assert "\x1b[1;31m✖ STOP" in gate.stdout and "\x1b[1;32m✔ PASS" in gate.stdout
    history = CliRunner().invoke(app, ["history", "--ledger", str(artifacts / "ledger.sqlite")], env=forced)
    assert history.exit_code == 0, history.output
    assert "\x1b[1;31m✖ page" in history.stdout and "\x1b[31m■ freeze" in history.stdout
    plain = CliRunner().invoke(app, ["history", "--ledger", str(artifacts / "ledger.sqlite")], env=PLAIN_ENV)
    assert ESCAPE not in plain.stdout and "page     freeze" in plain.stdout


class FakeStdout(io.StringIO):
    def __init__(self, tty: bool) -> None:
        super().__init__()
        self.tty = tty

    def isatty(self) -> bool:
        return self.tty


@pytest.mark.parametrize("tty", [True, False])
@pytest.mark.parametrize("tty_compatible", [None, "0", "1", "yes"])
@pytest.mark.parametrize("force_color", [None, "", "1"])
def test_a_table_skips_rich_only_where_rich_sees_no_terminal(
    monkeypatch: pytest.MonkeyPatch, tty: bool, tty_compatible: str | None, force_color: str | None
) -> None:
    for name, value in {"TTY_COMPATIBLE": tty_compatible, "FORCE_COLOR": force_color}.items():
        if value is None:
            monkeypatch.delenv(name, raising=False)
        else:
            monkeypatch.setenv(name, value)
    monkeypatch.setattr("sys.stdout", FakeStdout(tty))
    if not stdout_may_be_terminal():
        assert not Console().is_terminal
    # The control: a terminal is not taken for a pipe (so the skip is not simply always taken).
    assert stdout_may_be_terminal() or not tty or tty_compatible == "0"
