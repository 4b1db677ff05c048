"""What `reliability run` loads: the readers, senders and checkers a config does not use stay unloaded.

Start-up is a large part of a short run, so the modules only some configs need are imported where
they are used. A fresh interpreter runs the bundled example (event files, an OpenMetrics file, change
events, command hooks; no Prometheus, OTLP, counter snapshots, grouped items, OpenSLO files, webhooks
or Alertmanager) and lists what it imported.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from conftest import EXAMPLE_CONFIG

# Loaded only by a config or an outcome that needs them.
NOT_NEEDED_BY_THE_EXAMPLE = (
    "jsonschema",  # only to explain a config or an artifact that fails its schema
    "http.client",  # the Prometheus client and the webhook and Alertmanager senders
    "ssl",
    "reliability.telemetry.prometheus_api",
    "reliability.telemetry.prometheus_groups",
    "reliability.telemetry.counter_files",
    "reliability.telemetry.otlp_traces",
    "reliability.telemetry.grouped_events",
    "reliability.config.openslo",
    "reliability.actions.webhook",
    "reliability.actions.alertmanager",
    # typer converts option values through pydantic; ours are converted without it (terminal.option_values)
    "pydantic",
    "typer._adapters",
    "rich",  # only to draw a table or progress bars on a terminal; these runs write to a pipe
)


def modules_loaded_by_run(*args: str) -> set[str]:
    """The modules `reliability run ARGS` imported, in a fresh interpreter; the run must succeed."""
    program = (
        "import sys\n"
        "from reliability.cli import main\n"
        f"sys.argv = ['reliability', 'run', *{list(args)!r}]\n"
        "try:\n"
        "    main()\n"
        "except SystemExit as exit:\n"
        "    assert not exit.code, exit.code\n"
        "print(' '.join(sys.modules), file=sys.stderr)\n"
    )
    done = subprocess.run([sys.executable, "-c", program], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    return set(done.stderr.split())


@pytest.fixture(scope="module")
def loaded(tmp_path_factory: pytest.TempPathFactory) -> set[str]:
    out = tmp_path_factory.mktemp("run")
    return modules_loaded_by_run(str(EXAMPLE_CONFIG), "--html", "--out", str(out), "--format", "json")


def test_the_example_run_loads_what_it_reads(loaded: set[str]) -> None:
    # The control: the modules this run does use are in the list, so an empty list cannot pass.
    used = {"reliability.telemetry.ingest", "reliability.telemetry.openmetrics_files", "jsonschema_rs"}
    assert used <= loaded


@pytest.mark.parametrize("module", NOT_NEEDED_BY_THE_EXAMPLE)
def test_the_example_run_leaves_unused_modules_unloaded(loaded: set[str], module: str) -> None:
    assert module not in loaded


def test_a_piped_table_run_leaves_rich_unloaded(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("FORCE_COLOR", raising=False)  # either would make rich see a terminal
    monkeypatch.delenv("TTY_COMPATIBLE", raising=False)
    loaded = modules_loaded_by_run(str(EXAMPLE_CONFIG), "--out", str(tmp_path), "--no-ledger")
    assert "reliability.terminal.output" in loaded
    assert "rich" not in loaded


def test_a_config_with_a_schema_problem_still_gets_jsonschemas_messages(tmp_path: Path) -> None:
    config = tmp_path / "config.yaml"
    config.write_text("settings:\n  history: 90 days\n")
    program = (
        "import sys\n"
        "from pathlib import Path\n"
        "from reliability.config import load_config\n"
        "from reliability.errors import ConfigError\n"
        "try:\n"
        f"    load_config(Path({str(config)!r}))\n"
        "except ConfigError as error:\n"
        "    print(error)\n"
        "print('jsonschema' in sys.modules)\n"
    )
    done = subprocess.run([sys.executable, "-c", program], capture_output=True, text=True, check=True)
    message, imported = done.stdout.strip().splitlines()[-2:]
    assert "settings.history" in message
    assert imported == "True"
