"""What a command hook's process may do to the machine running reliability: processes it starts die
with it at the timeout, its output is bounded while it is read, it sees only the environment it is
given, and a relative program path is taken from the config file's folder."""

from __future__ import annotations

import json
import os
import sys
import tracemalloc
from collections.abc import Callable
from pathlib import Path

import pytest
from support.artifact_builders import slo_event
from support.polling import poll

from reliability.actions.command import BASE_ENVIRONMENT, INCIDENT_ENVIRONMENT, TAIL_CHARS, run_action
from reliability.actions.process import KEPT_OUTPUT_BYTES, run_bounded
from reliability.config import load_config
from reliability.config.model import Hook, Origin, Trigger
from reliability.errors import ConfigError
from reliability.stages.hooks import Confidence, PlannedAction

DEADLINE_SECONDS = 60.0
TWENTY_MB = 20 * 1024 * 1024


def planned(
    command: list[str],
    config_file: Path,
    timeout: float = 30,
    *,
    cwd: str | None = None,
    env: tuple[tuple[str, str], ...] = (),
    pass_env: tuple[str, ...] = (),
) -> PlannedAction:
    origin = Origin(str(config_file), 1)
    hook = Hook("h", (Trigger.PAGE,), tuple(command), timeout, origin, cwd=cwd, env=env, pass_env=pass_env)
    return PlannedAction("x", hook, Trigger.PAGE, "web/api", slo_event(), Confidence(1.0, "test"))


def python(script: str) -> list[str]:
    return [sys.executable, "-c", script]


def gone(pid: int) -> bool:
    """Ended: no such process, or a zombie waiting for whoever adopted it to reap it."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return True
    return state == "Z"


def wait_for(condition: str, check: Callable[[], bool], deadline_seconds: float = DEADLINE_SECONDS) -> None:
    poll(condition, lambda: check() or None, deadline_seconds)


def test_a_timeout_kills_the_processes_the_hook_started(tmp_path: Path) -> None:
    pid_file = tmp_path / "grandchild.pid"
    script = (
        "import pathlib, subprocess, sys, threading\n"
        "child = subprocess.Popen([sys.executable, '-c', 'import threading; threading.Event().wait()'],"
        " stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)\n"
        f"pathlib.Path({str(pid_file)!r}).write_text(str(child.pid))\n"
        "threading.Event().wait()\n"
    )
    outcome = run_action(planned(python(script), tmp_path / "c.yaml", timeout=3), execute=True)
    assert outcome.status == "timed_out" and outcome.exit_code is None
    assert "with every process it started" in (outcome.error or "")
    grandchild = int(pid_file.read_text())
    try:
        wait_for("the grandchild is gone", lambda: gone(grandchild))
    finally:
        if not gone(grandchild):
            os.kill(grandchild, 9)


def test_output_is_bounded_while_it_is_read(tmp_path: Path) -> None:
    script = (
        "import sys\n"
        "block = b'x' * 1023 + b'\\n'\n"
        f"for _ in range({TWENTY_MB // 1024}): sys.stdout.buffer.write(block)\n"
        "sys.stdout.buffer.write(b'the end')\n"
        "sys.stderr.write('e' * 3000)\n"
    )
    tracemalloc.start()
    try:
        finished = run_bounded(
            python(script), b"", cwd=None, env=os.environ, timeout_seconds=DEADLINE_SECONDS
        )
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert finished.exit_code == 0 and not finished.timed_out
    assert len(finished.stdout.kept) == KEPT_OUTPUT_BYTES
    assert finished.stdout.dropped_bytes == TWENTY_MB + len("the end") - KEPT_OUTPUT_BYTES
    assert finished.stdout.kept.endswith(b"x\nthe end")
    assert (len(finished.stderr.kept), finished.stderr.dropped_bytes) == (3000, 0)
    assert peak < 2 * 1024 * 1024, f"{peak} bytes held while reading 20 MB"


def test_the_record_shows_the_tail_and_how_much_was_left_out(tmp_path: Path) -> None:
    script = f"import sys; sys.stdout.write('y' * {TWENTY_MB} + 'last words'); sys.stderr.write('short')"
    outcome = run_action(planned(python(script), tmp_path / "c.yaml"), execute=True)
    assert outcome.status == "succeeded"
    note, shown = outcome.stdout_tail.split("\n", 1)
    assert len(outcome.stdout_tail) <= TAIL_CHARS and shown.endswith("yylast words")
    assert note == f"[{TWENTY_MB + len('last words') - len(shown)} earlier bytes left out]"
    assert outcome.stderr_tail == "short"


def test_a_hook_sees_only_the_environment_it_is_given(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("RELIABILITY_TEST_SECRET", "hunter2")
    monkeypatch.setenv("KUBECONFIG", "/etc/kube/config")
    monkeypatch.setenv("LANG", "C.UTF-8")
    dump = tmp_path / "env.json"
    script = f"import json, os; open({str(dump)!r}, 'w').write(json.dumps(dict(os.environ)))"
    hook_action = planned(
        python(script), tmp_path / "c.yaml", env=(("MODE", "gentle"),), pass_env=("KUBECONFIG", "UNSET_NAME")
    )
    assert run_action(hook_action, execute=True).status == "succeeded"
    seen = json.loads(dump.read_text())
    assert "RELIABILITY_TEST_SECRET" not in seen and "hunter2" not in json.dumps(seen)
    assert seen["MODE"] == "gentle" and seen["KUBECONFIG"] == "/etc/kube/config"
    assert seen["PATH"] == os.environ["PATH"] and seen["LANG"] == "C.UTF-8"
    assert "UNSET_NAME" not in seen
    given = {"MODE", "KUBECONFIG", *BASE_ENVIRONMENT, *INCIDENT_ENVIRONMENT}
    assert set(seen) - given <= {"LC_CTYPE"}  # Python may set LC_CTYPE


@pytest.mark.parametrize("config_path", ["absolute", "relative"])
def test_a_relative_program_is_taken_from_the_config_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, config_path: str
) -> None:
    folder = tmp_path / "config"
    (folder / "scripts").mkdir(parents=True)
    (folder / "work").mkdir()
    script = folder / "scripts" / "restart.sh"
    script.write_text('#!/bin/sh\necho "restarted from $(pwd)"\n')
    script.chmod(0o755)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(tmp_path if config_path == "relative" else elsewhere)
    config_file = Path("config/hooks.yaml") if config_path == "relative" else folder / "hooks.yaml"
    for cwd, expected in ((None, Path.cwd()), ("work", folder / "work")):
        outcome = run_action(planned(["./scripts/restart.sh"], config_file, cwd=cwd), execute=True)
        assert (outcome.status, outcome.stdout_tail) == ("succeeded", f"restarted from {expected}\n")


def write_config(tmp_path: Path, hooks: str) -> Path:
    (tmp_path / "events.csv").write_text("ts,status\n")
    path = tmp_path / "c.yaml"
    path.write_text(
        "sources:\n  - {name: log, type: events, paths: [events.csv],"
        " columns: {timestamp: {column: ts}, status: status}}\n"
        f"hooks:\n{hooks}"
    )
    return path


def test_pass_env_names_variables_and_applies_to_commands_only(tmp_path: Path) -> None:
    config = load_config(
        write_config(
            tmp_path, "  - {name: h, triggers: [page], command: [/bin/true], pass_env: [KUBECONFIG]}\n"
        )
    )
    assert config.hooks[0].pass_env == ("KUBECONFIG",)
    for bad, says in (
        ("command: [/bin/true], pass_env: ['A-B']", "does not match"),
        ("webhook: {url: 'http://127.0.0.1:1', secret_env: S}, pass_env: [A]", "apply to a command"),
    ):
        with pytest.raises(ConfigError) as caught:
            load_config(write_config(tmp_path, f"  - {{name: h, triggers: [page], {bad}}}\n"))
        assert any(says in str(p) for p in caught.value.problems), caught.value.problems
