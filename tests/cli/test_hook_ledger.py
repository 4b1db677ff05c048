"""The ledger remembers every hook action a run started, from before it starts: a run that fails
afterwards cannot make it run twice within its cooldown, and a rerun of the same evaluation adds its
own records without touching the earlier run's."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import sqlite3
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from support.configs import hook
from support.paging_example import NOW, write_paging_config
from support.polling import poll
from typer.testing import CliRunner

from reliability.artifacts.run import read_run
from reliability.cli import app
from reliability.conventions import MANIFEST_FILE
from reliability.ledger import MIGRATIONS, SCHEMA_VERSION, Ledger, RunStart
from reliability.timefmt import parse_rfc3339

runner = CliRunner()


def write_config(folder: Path, script: str, *, approval: bool = False) -> Path:
    """The paging example and one hook running `script` (Python, the event on stdin)."""
    command = [sys.executable, "-c", script]
    options = {"approval": "required"} if approval else {"cooldown": "1h"}
    restart = hook("restart", command=command, timeout="60s", min_confidence=0, **options)
    return write_paging_config(folder, restart)


def counting_script(marker: Path, then: str = "") -> str:
    """A hook that appends a line to `marker` each time it runs, then does `then`."""
    return f"import pathlib, shutil\nwith open({str(marker)!r}, 'a') as f: f.write('ran\\n')\n{then}"


def run(config: Path, out: Path, ledger: Path) -> Any:
    return runner.invoke(
        app, ["run", str(config), "--out", str(out), "--ledger", str(ledger), "--execute", "--now", NOW]
    )


def actions(ledger: Path) -> list[tuple[int, str, str | None]]:
    """(run row, status, reason) of every action record, in the order written."""
    with sqlite3.connect(ledger) as db:
        return db.execute("SELECT run_row, status, reason FROM actions ORDER BY rowid").fetchall()


def test_a_run_failing_after_its_hook_ran_does_not_run_it_again(tmp_path: Path) -> None:
    marker, out, ledger = tmp_path / "ran.txt", tmp_path / "out", tmp_path / "ledger.sqlite"
    # The hook ran, then the run fails: its --out folder is no longer a folder, so nothing is written.
    sabotage = (
        f"out = pathlib.Path({str(out)!r}); shutil.rmtree(out, ignore_errors=True); out.write_text('x')"
    )
    config = write_config(tmp_path / "config", counting_script(marker, sabotage))

    failed = run(config, out, ledger)
    assert failed.exit_code != 0, failed.output
    assert marker.read_text() == "ran\n"
    out.unlink()

    rerun = run(config, out, ledger)
    assert rerun.exit_code == 0, rerun.output
    assert marker.read_text() == "ran\n"  # within the cooldown: not again
    sla = json.loads((out / "sla-compliance.json").read_text())
    assert [(a["status"], a["reason"]) for a in sla["actions"]] == [("skipped", "cooldown")]
    assert actions(ledger) == [(1, "succeeded", None), (2, "skipped", "cooldown")]
    with Ledger.open(ledger) as book:
        statuses = [(book.get_run(row) or {}).get("status") for row in (1, 2)]
    assert statuses == ["failed", "succeeded"]


def test_a_rerun_at_the_same_minute_keeps_the_approved_action_that_ran(tmp_path: Path) -> None:
    marker, out, ledger = tmp_path / "ran.txt", tmp_path / "out", tmp_path / "ledger.sqlite"
    config = write_config(tmp_path / "config", counting_script(marker), approval=True)
    assert run(config, out, ledger).exit_code == 0
    [(action_id,)] = sqlite3.connect(ledger).execute("SELECT id FROM actions").fetchall()
    approved = runner.invoke(
        app, ["hooks", "approve", action_id, "--config", str(config), "--ledger", str(ledger)]
    )
    assert approved.exit_code == 0, approved.output

    assert run(config, out, ledger).exit_code == 0  # the same evaluation minute again
    assert marker.read_text() == "ran\n"
    assert actions(ledger) == [(1, "succeeded", "approved"), (2, "skipped", "cooldown")]
    listed = runner.invoke(app, ["hooks", "list", "--ledger", str(ledger), "--format", "json"])
    assert [(a["id"], a["status"]) for a in json.loads(listed.stdout)] == [
        (action_id, "skipped"),
        (action_id, "succeeded"),
    ]


def start(book: Ledger) -> int:
    return book.start_run(RunStart("r", NOW, NOW, "c", ()))


def record(status: str) -> dict[str, Any]:
    return {"id": "a", "hook": "restart", "trigger": "page", "subject": "web/api", "status": status}


def test_a_command_is_running_before_it_starts_and_interrupted_when_its_run_dies(tmp_path: Path) -> None:
    with Ledger.open(tmp_path / "ledger.sqlite") as book:
        row = start(book)
        book.record_action(row, record("running"))
        assert book.last_fired("restart", "page", "web/api") == NOW  # started: counts for the cooldown
        book.fail_run(row, "KeyboardInterrupt")
        found = book.get_action("a")
    assert found is not None and found["status"] == found["outcome"]["status"] == "interrupted"


def test_pending_records_of_two_runs_are_decided_together(tmp_path: Path) -> None:
    with Ledger.open(tmp_path / "ledger.sqlite") as book:
        first, second = start(book), start(book)  # a rerun without a cooldown asks again
        book.record_action(first, record("pending"))
        book.record_action(second, record("pending"))
        decided = book.decide_action("a", "approved", NOW)
        assert (decided["run_row"], decided["status"]) == (second, "approved")
        assert book.pending_actions() == []


def test_version_2_action_records_are_kept_by_the_migration(tmp_path: Path) -> None:
    path = tmp_path / "ledger.sqlite"
    db = sqlite3.connect(path, isolation_level=None)
    for statement in (*MIGRATIONS[0], *MIGRATIONS[1]):
        db.execute(statement)
    db.execute("PRAGMA user_version = 2")
    db.execute(
        "INSERT INTO runs (run_id, status, started_at, requested_now, evaluated_at, evaluated_epoch,"
        " config_sha256, config_files, pid, hostname)"
        " VALUES ('old', 'succeeded', ?, ?, ?, ?, 'c', '[]', 1, 'h')",
        (NOW, NOW, NOW, int(parse_rfc3339(NOW).timestamp())),
    )
    db.execute(
        "INSERT INTO actions VALUES"
        " ('a', 1, 'restart', 'page', 'web/api', 'succeeded', NULL, '{}', ?, ?, ?, NULL)",
        (NOW, int(parse_rfc3339(NOW).timestamp()), NOW),
    )
    db.close()
    with Ledger.open(path) as book:
        rerun = start(book)
        book.record_action(rerun, record("skipped"))
        assert book.integrity_check() == "ok"
    assert actions(path) == [(1, "succeeded", None), (rerun, "skipped", None)]
    assert sqlite3.connect(path).execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION


def _pid_in(marker: Path) -> int | None:
    """The pid a hook wrote into `marker`, once it is there whole."""
    text = marker.read_text() if marker.exists() else ""
    return int(text) if text.isdigit() else None


def test_an_approved_action_killed_midway_is_interrupted_at_the_next_open(tmp_path: Path) -> None:
    """SIGKILL `hooks approve` while its command runs: the record it left `running` belongs to a gone
    process, and the next command that opens the ledger marks it `interrupted` (it ran; how it ended
    is unknown), so it is neither shown as running forever nor approved and run again."""
    marker, out, ledger = tmp_path / "hook-pid", tmp_path / "out", tmp_path / "ledger.sqlite"
    hang = f"import os, pathlib, threading; pathlib.Path({str(marker)!r}).write_text(str(os.getpid()))\n"
    config = write_config(tmp_path / "config", hang + "threading.Event().wait()", approval=True)
    assert run(config, out, ledger).exit_code == 0
    [(action_id,)] = sqlite3.connect(ledger).execute("SELECT id FROM actions").fetchall()
    approve = [sys.executable, "-m", "reliability", "hooks", "approve", action_id, "--config", str(config)]
    process = subprocess.Popen(
        [*approve, "--ledger", str(ledger)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )
    try:
        hook_pid = poll("the approved command starts", lambda: _pid_in(marker))
        assert actions(ledger) == [(1, "running", "approved")]
    finally:
        os.killpg(process.pid, signal.SIGKILL)
        process.communicate()
        if pid := _pid_in(marker):  # commands run in a session of their own: the group kill missed it
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
    assert hook_pid > 0
    listed = runner.invoke(app, ["hooks", "list", "--ledger", str(ledger), "--format", "json"])
    assert listed.exit_code == 0, listed.output
    [shown] = json.loads(listed.stdout)
    assert (shown["id"], shown["status"], shown["outcome"]["status"]) == (
        action_id,
        "interrupted",
        "interrupted",
    )
    again = runner.invoke(app, [*approve[3:], "--ledger", str(ledger)])
    assert again.exit_code == 1 and "not pending (interrupted)" in again.output
    with Ledger.open(ledger) as book:
        assert book.integrity_check() == "ok"
        assert book.last_fired("restart", "page", "web/api") == NOW  # the incident counts for cooldown


def test_a_running_command_of_a_live_process_is_left_running(tmp_path: Path) -> None:
    with Ledger.open(tmp_path / "ledger.sqlite") as book:
        row = start(book)
        book.finish_run(row, [])  # a finished run: only the action's own process tells
        book.record_action(row, record("running"))
    with Ledger.open(tmp_path / "ledger.sqlite") as book:  # this process still lives
        found = book.get_action("a")
    assert found is not None and found["status"] == "running" and "pid" not in found


# The `reliability run` of a subprocess, killed (SIGKILL, by itself) when it reaches `target`: the
# ledger's commit of the run's success, or the publication of its set. Its hook ran before either.
KILLED_AT = """
import os, signal, sys
from reliability import ledger
from reliability.artifacts import publication
from reliability.cli import main

def killed(*_):
    os.kill(os.getpid(), signal.SIGKILL)

owner, name = {target}
setattr(owner, name, killed)
sys.argv = ["reliability", *sys.argv[1:]]
main()
"""
KILL_POINTS = {
    "before-the-ledger-records-success": ("ledger.Ledger", "finish_run", "incomplete"),
    "before-the-manifest-switch": ("publication.StagedSet", "publish", "succeeded"),
}


@pytest.mark.parametrize("point", KILL_POINTS)
def test_a_run_killed_after_its_hook_succeeded_and_before_publishing(point: str, tmp_path: Path) -> None:
    """The hook's `succeeded` is in the ledger; the published set stays the earlier run's, whole; the
    rerun within the cooldown does not run the hook again and publishes its own set."""
    marker, out, ledger = tmp_path / "ran.txt", tmp_path / "out", tmp_path / "ledger.sqlite"
    config = write_config(tmp_path / "config", counting_script(marker))
    options = [str(config), "--out", str(out), "--ledger", str(ledger), "--now", NOW]
    assert runner.invoke(app, ["run", *options]).exit_code == 0  # a dry run publishes the first set
    published = {p.name: p.read_bytes() for p in out.glob("*.json")}
    owner, name, run_status = KILL_POINTS[point]
    script = KILLED_AT.replace("{target}", f"({owner}, {name!r})")
    killed = subprocess.run(
        [sys.executable, "-c", script, "run", *options, "--execute"], capture_output=True, check=False
    )
    assert killed.returncode == -signal.SIGKILL, killed.stderr.decode()
    assert marker.read_text() == "ran\n"
    assert {p.name: p.read_bytes() for p in out.glob("*.json")} == published
    assert read_run(out).run_id == json.loads(published[MANIFEST_FILE])["run_id"]  # whole, one run
    with Ledger.open(ledger) as book:  # the killed run's row: its process is gone
        assert [(book.get_run(row) or {}).get("status") for row in (1, 2)] == ["succeeded", run_status]

    rerun = run(config, out, ledger)
    assert rerun.exit_code == 0, rerun.output
    assert marker.read_text() == "ran\n"  # within the cooldown: not again
    assert actions(ledger) == [(1, "dry_run", None), (2, "succeeded", None), (3, "skipped", "cooldown")]
    sla = read_run(out).sla_compliance
    assert [(a.status, a.reason) for a in sla.actions] == [("skipped", "cooldown")]
    assert not list(out.glob(".*.tmp"))
