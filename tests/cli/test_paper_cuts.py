"""Small output defects, each pinned: markdown notes as a list, one state vocabulary in `run` and `gate`,
`history --since` counted from the runs' own evaluation time, readable --help values, and a 1h
SLO window listed once among the burn rates."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from conftest import EXAMPLE_CONFIG
from support.configs import availability, component, events_source, service, slo, write_config
from typer.testing import CliRunner, Result

from reliability import pipeline
from reliability.cli import COMMANDS, app
from reliability.config import load_config
from reliability.conventions import Stage
from reliability.timefmt import parse_rfc3339, to_rfc3339

PLAIN_ENV: dict[str, str | None] = {"FORCE_COLOR": None, "NO_COLOR": None, "TTY_COMPATIBLE": None}
NOW = parse_rfc3339("2026-11-05T12:00:00Z").timestamp()


def invoke(*args: str) -> Result:
    return CliRunner().invoke(app, list(args), env=PLAIN_ENV)


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Result]:
    """The example run in markdown, into a fresh folder (it never touches the tracked generated/)."""
    out = tmp_path_factory.mktemp("generated")
    done = invoke("run", str(EXAMPLE_CONFIG), "--out", str(out), "--format", "markdown")
    assert done.exit_code == 0, done.output
    return out, done


def test_run_markdown_writes_one_bullet_per_note(generated: tuple[Path, Result]) -> None:
    lines = generated[1].stdout.splitlines()
    table_end = max(i for i, line in enumerate(lines) if line.startswith("| "))
    assert lines[table_end + 1] == ""  # the list is a block of its own, not the table's last row
    notes = lines[table_end + 2 :]
    assert len(notes) > 5 and all(line.startswith(("- ", "  - ")) for line in notes), notes
    assert any(line.startswith("- \\* ") for line in notes)  # the footnote's '*' is text, not a bullet
    assert any(line.startswith("  - ") for line in notes)  # a skipped record under its source
    assert notes[-1].startswith("- wrote ")


def _column(markdown: str, header: str, key: str) -> dict[str, str]:
    rows = [[c.strip() for c in line.strip("|").split("|")] for line in markdown.splitlines()]
    rows = [r for r in rows if len(r) > 2]
    heading = next(r for r in rows if header in r and key in r)
    at, named = heading.index(header), heading.index(key)
    return {r[named]: r[at] for r in rows[rows.index(heading) + 2 :]}


def test_gate_and_run_print_the_same_state_words(generated: tuple[Path, Result]) -> None:
    out, run = generated
    gate = invoke("gate", "--artifacts", str(out), "--format", "markdown")
    run_rows = [[c.strip() for c in line.strip("|").split("|")] for line in run.stdout.splitlines()]
    header = next(r for r in run_rows if r[0] == "SERVICE")  # columns found by name, not position
    rows = [r for r in run_rows if len(r) == len(header) and r[0] != "SERVICE"]
    run_alerts = {f"{r[0]}/{r[1]}": r[header.index("ALERT")] for r in rows}
    run_policies = {f"{r[0]}/{r[1]}": r[header.index("POLICY")] for r in rows}
    gate_alerts = _column(gate.stdout, "ALERT", "SLO")
    gate_policies = _column(gate.stdout, "POLICY", "SLO")
    assert gate_alerts and {k: v for k, v in run_alerts.items() if k in gate_alerts} == gate_alerts
    assert {k: v for k, v in run_policies.items() if k in gate_policies} == gate_policies
    assert {"ticket", "no_data", "page"} <= set(gate_alerts.values())
    assert not {"TICKET", "NO DATA", "PAGE", "FREEZE"} & {*gate_alerts.values(), *gate_policies.values()}


def test_history_since_counts_from_the_latest_run_not_the_clock(generated: tuple[Path, Result]) -> None:
    ledger = str(generated[0] / "ledger.sqlite")
    # The example is pinned to 2026-11-05; the wall clock may be any later day.
    recent = invoke("history", "--ledger", ledger, "--since", "7d")
    assert recent.exit_code == 0 and "2026-11-05T12:00:00Z" in recent.stdout, recent.output
    later = invoke("history", "--ledger", ledger, "--since", "7d", "--now", "2026-11-20T00:00:00Z")
    assert later.exit_code == 0 and "no succeeded runs" in later.stdout, later.output
    assert "latest recorded run" in " ".join(invoke("history", "--help").stdout.split())


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_help_names_values_in_words_not_python_types(name: str) -> None:
    shown = invoke(name, "--help")
    assert shown.exit_code == 0, shown.output
    subcommands = (
        re.findall(r"^  (\w+) ", shown.stdout.split("Commands:")[1], re.M) if name == "hooks" else []
    )
    for text in [shown.stdout, *(invoke(name, sub, "--help").stdout for sub in subcommands)]:
        options = [line for line in text.splitlines() if line.lstrip().startswith("-")]
        assert options and not re.search(r"<(bool|str|int|float|path|list\[[a-z]+\])>", "\n".join(options))


def test_a_one_hour_window_is_listed_once_among_the_burn_rates(tmp_path: Path) -> None:
    stamps = [to_rfc3339(NOW - 60 * i) for i in range(1, 50)]
    (tmp_path / "events.csv").write_text("ts,comp,status\n" + "".join(f"{t},comp,200\n" for t in stamps))
    # A period under a day needs a declared window set: the built-in one does not scale below 1d.
    short = {
        "name": "short",
        "pairs": [{"severity": "page", "long": "1h", "short": "5m", "budget_share": 0.5}],
    }
    hourly_slo = slo("hourly", 99, window="1h", alerting={"windows": "short"})
    hourly = service("web", component("comp", hourly_slo, slis=(availability(),)))
    config = load_config(write_config(tmp_path, hourly, sources=[events_source()], alert_windows=[short]))
    result = pipeline.run(config, pipeline.RunOptions(now=NOW, out_dir=tmp_path / "out"))
    [entry] = result.as_json()[Stage.BUDGETS]["slos"]
    windows = [rate["window"] for rate in entry["burn_rates"]]
    assert windows.count("1h") == 1 and len(windows) == len(set(windows)), windows


def test_running_the_example_twice_writes_the_golden_artifacts_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The README's `reliability run config`, twice with its ledger, in a checkout of its own: the
    stage artifacts come out byte for byte as the example's golden files (the ledger's history does
    not leak into them). The tests compare with tests/golden only, never with the generated/ a
    local run rewrites (tests/golden/test_golden.py checks that)."""
    shutil.copytree(EXAMPLE_CONFIG, tmp_path / "config")
    monkeypatch.chdir(tmp_path)
    for _ in range(2):
        done = invoke("run", "config", "--quiet")
        assert done.exit_code == 0, done.output
    golden = EXAMPLE_CONFIG.parent / "tests" / "golden" / "example" / "expected" / "generated"
    assert (tmp_path / "generated" / "ledger.sqlite").exists()
    for name in ["sli-metrics.json", "slo-targets.json", "error-budgets.json", "sla-compliance.json"]:
        assert (tmp_path / "generated" / name).read_bytes() == (golden / name).read_bytes(), name
