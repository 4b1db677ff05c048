"""The command line through typer's test runner."""

from __future__ import annotations

import inspect
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import REPO
from typer.testing import CliRunner

from reliability.cli import COMMANDS, app, load_command

runner = CliRunner()
COMMANDS_FOLDER = REPO / "reliability" / "commands"
HEAVY_MODULES = ("numpy", "pyarrow", "jsonschema", "prometheus_client", "yaml")


def test_help_lists_every_command() -> None:
    result = runner.invoke(app, ["--help"])
    assert result.exit_code == 0
    for command in COMMANDS:
        assert f" {command} " in result.stdout


def test_every_command_module_is_listed() -> None:
    modules = {f"reliability.commands.{p.stem}" for p in COMMANDS_FOLDER.glob("*.py")}
    assert modules - {"reliability.commands.__init__", "reliability.commands.shared"} == {
        entry.module for entry in COMMANDS.values()
    }


@pytest.mark.parametrize("name", list(COMMANDS))
def test_the_listed_summary_is_the_first_paragraph_of_the_commands_help(name: str) -> None:
    command = load_command(name)
    assert command.name == name
    assert inspect.cleandoc(command.help or "").split("\n\n")[0] == COMMANDS[name].summary


@pytest.mark.parametrize("command", [[name] for name in COMMANDS] + [["hooks", "list"], ["hooks", "approve"]])
def test_every_command_has_help(command: list[str]) -> None:
    result = runner.invoke(app, [*command, "--help"])
    assert result.exit_code == 0
    assert f" {' '.join(command)} [OPTIONS]" in result.stdout


def modules_loaded_by(*args: str) -> set[str]:
    """The modules imported by `reliability ARGS`, in a fresh interpreter."""
    program = (
        "import sys\n"
        "from reliability.cli import main\n"
        f"sys.argv = ['reliability', *{list(args)!r}]\n"
        "try:\n"
        "    main()\n"
        "except SystemExit:\n"
        "    pass\n"
        "print(' '.join(sys.modules), file=sys.stderr)\n"
    )
    done = subprocess.run([sys.executable, "-c", program], capture_output=True, text=True, check=True)
    assert "Usage: reliability" in done.stdout
    return set(done.stderr.split())


def test_help_imports_no_command_and_no_heavy_library() -> None:
    loaded = modules_loaded_by("--help")
    assert not {m for m in loaded if m.startswith("reliability.commands")}
    assert not loaded & set(HEAVY_MODULES)


def test_a_command_is_imported_for_its_own_help_only() -> None:
    loaded = modules_loaded_by("validate", "--help")
    assert "reliability.commands.validate" in loaded
    assert "reliability.commands.run" not in loaded


def test_a_command_keeps_pyarrow_from_importing_pandas() -> None:
    # pyarrow imports pandas (when installed) at its first conversion of a Python value: 0.4 s.
    assert "pandas" not in modules_loaded_by("run", "--help")


def test_run_json_summary(tmp_path: Path, example_config: Path) -> None:
    result = runner.invoke(app, ["run", str(example_config), "--out", str(tmp_path), "--format", "json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["evaluated_at"] == "2026-11-05T12:00:00Z"
    states = {row["slo"]: row["alert_state"] for row in data["slos"]}
    assert states["orders/checkout-availability"] == "page"
    assert [Path(p).name for p in data["artifacts"]][-1] == "manifest.json"  # published last
    assert len(data["artifacts"]) == 5


def test_now_overrides_the_pinned_time_and_is_floored(tmp_path: Path, example_config: Path) -> None:
    result = runner.invoke(
        app,
        [
            "run",
            str(example_config),
            "--out",
            str(tmp_path),
            "--now",
            "2026-11-05T09:30:45+01:00",
            "--until",
            "sli",
        ],
    )
    assert result.exit_code == 0, result.output
    assert "evaluated at 2026-11-05T08:30:00Z" in result.stdout
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "ledger.sqlite",
        "manifest.json",
        "sli-metrics.json",
    ]


def test_bad_now_is_one_line(tmp_path: Path, example_config: Path) -> None:
    result = runner.invoke(app, ["run", str(example_config), "--out", str(tmp_path), "--now", "yesterday"])
    assert result.exit_code == 2
    assert "--now" in result.output and "Traceback" not in result.output


def test_validate_the_example(example_config: Path) -> None:
    result = runner.invoke(app, ["validate", str(example_config)])
    assert result.exit_code == 0
    assert "valid (5 file(s), 3 service(s), 6 component(s), 14 SLO(s), 3 SLA(s), 3 hook(s))" in result.stdout


def test_validate_reports_every_problem(tmp_path: Path) -> None:
    config = tmp_path / "c.yaml"
    config.write_text("services:\n  - name: Bad Name\n    components: []\n    extra: 1\n")
    result = runner.invoke(app, ["validate", str(config)])
    assert result.exit_code == 2
    assert f"{config}:2: services[0].name" in result.output
    assert f"{config}:3: services[0].components" in result.output
    assert f"{config}:4: services[0].extra" in result.output
    assert "3 problem(s) found" in result.output


def test_missing_config_path(tmp_path: Path) -> None:
    result = runner.invoke(app, ["run", str(tmp_path / "nope")])
    assert result.exit_code == 2
    assert "no such file or folder" in result.output
    assert "Traceback" not in result.output


def test_internal_errors_are_one_line_unless_verbose(
    tmp_path: Path, example_config: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*_: object, **__: object) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr("reliability.pipeline.run", broken)
    quiet = runner.invoke(app, ["run", str(example_config), "--out", str(tmp_path)])
    assert quiet.exit_code == 1
    assert "internal error: RuntimeError: boom" in quiet.output and "Traceback" not in quiet.output
    loud = runner.invoke(app, ["run", str(example_config), "--out", str(tmp_path), "--verbose"])
    assert "Traceback" in loud.output


def test_run_markdown_summary(tmp_path: Path, example_config: Path) -> None:
    result = runner.invoke(app, ["run", str(example_config), "--out", str(tmp_path), "--format", "markdown"])
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    header = next(i for i, line in enumerate(lines) if line.startswith("| SERVICE |"))
    assert lines[header + 1].startswith("| --- |")
    assert any("| checkout-availability |" in line and "| page |" in line for line in lines)


def test_a_reader_that_leaves_early_is_not_an_internal_error(example_config: Path) -> None:
    # Eight strict candidates list about 4,000 alert episodes (over 200 kB): more than a pipe holds,
    # so writing goes on after the reader has closed.
    command = [sys.executable, "-m", "reliability.cli", "backtest", "storefront/catalog-latency"]
    # Unbuffered, Python's text stdout ignores a partial write: when the reader leaves during one
    # write, the rest is dropped without an error and the run ends 0. Buffered, as by default, the
    # next write fails and the run says the reader left.
    environment = {name: value for name, value in os.environ.items() if name != "PYTHONUNBUFFERED"}
    with subprocess.Popen(
        [*command, str(example_config), "--objectives", ",".join(["99.95,99.99"] * 4)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=environment,
    ) as process:
        assert process.stdout is not None and process.stderr is not None
        assert process.stdout.readline().startswith(b"storefront/catalog-latency")
        process.stdout.close()
        errors = process.stderr.read().decode()
        process.wait(timeout=60)
    assert "internal error" not in errors and "Traceback" not in errors
    assert process.returncode == 1
