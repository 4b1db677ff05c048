"""The run ledger: schema and migrations, runs and their numbers, hook actions, history, and what
real processes do to it: two writing at once, one killed midway."""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import itertools
import json
import os
import select
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import typer
from support import configs
from support.artifact_builders import burn_rate, error_budgets, sla_compliance, sla_entry, slo_budget
from typer.testing import CliRunner

from reliability.artifacts.error_budgets import Policy, UnjudgedBudget
from reliability.cli import app as reliability_app
from reliability.commands import history
from reliability.config import load_config
from reliability.config.model import Origin, PrometheusSource
from reliability.errors import EXIT_BAD_INPUT, EXIT_INVALID_CONFIG, ReliabilityError
from reliability.ledger import (
    MIGRATIONS,
    SCHEMA_VERSION,
    InputFile,
    Ledger,
    LedgerError,
    RunStart,
    SloRecord,
    input_files,
    slo_records,
)
from reliability.timefmt import parse_rfc3339, to_rfc3339

NOW = "2026-11-05T12:00:00Z"
NOW_EPOCH = parse_rfc3339(NOW).timestamp()
WALL_CLOCK = parse_rfc3339("2026-11-06T08:00:00Z").timestamp()
PROCESS_DEADLINE_SECONDS = 120.0
runner = CliRunner()


class SteppingClock:
    """A wall clock for the ledger that moves one second per reading."""

    def __init__(self, start: float = WALL_CLOCK) -> None:
        self.now = start

    def __call__(self) -> float:
        self.now += 1
        return self.now


@pytest.fixture
def path(tmp_path: Path) -> Path:
    return tmp_path / "ledger.sqlite"


@pytest.fixture
def book(path: Path) -> Iterator[Ledger]:
    with Ledger.open(path, clock=SteppingClock()) as opened:
        yield opened


def start(evaluated_at: str = NOW, run_id: str = "run-a") -> RunStart:
    return RunStart(run_id, evaluated_at, evaluated_at, "c" * 64, ("config.yaml",))


def slo(name: str = "web/api", alert: str = "ok", remaining: float | None = 0.5) -> SloRecord:
    return SloRecord(name, "web", 0.999, 99.9, remaining, alert, "ok", {"1h": 0.5, "5m": "+Inf"})


def finished_run(book: Ledger, evaluated_at: str = NOW, slos: tuple[SloRecord, ...] = (slo(),)) -> int:
    row = book.start_run(start(evaluated_at))
    book.finish_run(row, slos)
    return row


def action(action_id: str, status: str, evaluated_at: str = NOW, **extra: Any) -> dict[str, Any]:
    return {
        "id": action_id,
        "hook": "restart",
        "trigger": "page",
        "subject": "web/api",
        "status": status,
        "event": {"evaluated_at": evaluated_at},
    } | extra


def run_of(book: Ledger, row: int) -> dict[str, Any]:
    found = book.get_run(row)
    assert found is not None
    return found


def raw(path: Path) -> sqlite3.Connection:
    """A plain connection, to look at or bend the file the way another program could."""
    return sqlite3.connect(path, isolation_level=None)


# --- schema


def test_a_new_ledger_is_wal_at_the_latest_schema(book: Ledger, path: Path) -> None:
    with raw(path) as db:
        assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION == len(MIGRATIONS)
        tables = {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    assert {"runs", "run_inputs", "run_stages", "run_slos", "actions"} <= tables
    assert book.integrity_check() == "ok"


def test_an_older_ledger_is_migrated_in_order_and_keeps_its_runs(path: Path) -> None:
    db = raw(path)
    for statement in MIGRATIONS[0]:
        db.execute(statement)
    db.execute("PRAGMA user_version = 1")
    db.execute(
        "INSERT INTO runs (run_id, status, started_at, requested_now, evaluated_at, evaluated_epoch,"
        " config_sha256, config_files, pid, hostname) VALUES"
        " ('old', 'succeeded', ?, ?, ?, ?, 'c', '[]', 1, 'elsewhere')",
        (NOW, NOW, NOW, int(NOW_EPOCH)),
    )
    db.close()
    with Ledger.open(path) as book:
        run = book.get_run(1)
        book.record_action(1, action("a1", "dry_run"))  # the table migration 2 adds
        assert book.list_actions(1)[0]["id"] == "a1"
    assert run is not None and run["run_id"] == "old"
    with raw(path) as db:
        assert db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION


def test_a_ledger_from_a_newer_version_is_refused(path: Path) -> None:
    Ledger.open(path).close()
    with raw(path) as db:
        db.execute("PRAGMA user_version = 99")
    with pytest.raises(LedgerError, match=r"schema version 99.*upgrade reliability"):
        Ledger.open(path)


def test_a_missing_ledger_is_not_created_when_only_read(path: Path) -> None:
    with pytest.raises(LedgerError, match="no ledger at"):
        Ledger.open(path, create=False)
    assert not path.exists()


# --- runs


def test_a_run_is_running_then_succeeded_with_everything_it_recorded(book: Ledger) -> None:
    row = book.start_run(start())
    running = book.get_run(row)
    assert running is not None
    assert (running["status"], running["finished_at"]) == ("running", None)
    assert running["started_at"] == to_rfc3339(WALL_CLOCK + 1)
    assert (running["pid"], running["hostname"]) == (os.getpid(), socket.gethostname())

    book.record_inputs(
        row, [InputFile("log", "events.csv", 12, "f" * 64), InputFile("prom", "http://p:9090")]
    )
    book.record_stage(row, "telemetry", 1.5)
    book.record_stage(row, "sli", 0.25)
    book.finish_run(row, [slo("web/api", "page", -0.5), slo("web/db")])

    run = book.get_run(row)
    assert run is not None
    assert (run["status"], run["error"]) == ("succeeded", None)
    assert parse_rfc3339(run["finished_at"]) > parse_rfc3339(run["started_at"])
    assert (run["requested_now"], run["evaluated_at"], run["config_files"]) == (NOW, NOW, ["config.yaml"])
    assert list(run["stages"].items()) == [("telemetry", 1.5), ("sli", 0.25)]  # in the order run
    assert run["inputs"] == [
        {"source": "log", "location": "events.csv", "size_bytes": 12, "sha256": "f" * 64},
        {"source": "prom", "location": "http://p:9090", "size_bytes": None, "sha256": None},
    ]
    api = run["slos"][0]
    assert (api["slo"], api["alert_state"], api["budget_remaining_ratio"]) == ("web/api", "page", -0.5)
    assert api["burn_rates"] == {"1h": 0.5, "5m": "+Inf"}


def test_runs_sharing_a_run_id_get_rows_of_their_own(book: Ledger) -> None:
    first, second = book.start_run(start()), book.start_run(start())
    assert first != second
    assert run_of(book, first)["run_id"] == run_of(book, second)["run_id"] == "run-a"


def test_a_failed_run_keeps_its_message(book: Ledger) -> None:
    row = book.start_run(start())
    book.fail_run(row, "bad record: events.csv:3")
    run = book.get_run(row)
    assert run is not None and (run["status"], run["error"]) == ("failed", "bad record: events.csv:3")
    assert run["finished_at"] is not None


def test_a_running_row_whose_process_is_gone_becomes_incomplete(path: Path) -> None:
    ended = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True
    )
    dead_pid = int(ended.stdout)
    with Ledger.open(path) as book:
        ours, dead, elsewhere = (book.start_run(start()) for _ in range(3))
    with raw(path) as db:
        db.execute("UPDATE runs SET pid = ?, process_token = NULL WHERE id = ?", (dead_pid, dead))
        db.execute("UPDATE runs SET pid = ?, hostname = 'another-host' WHERE id = ?", (dead_pid, elsewhere))
    with Ledger.open(path) as book:
        statuses = {row: run_of(book, row)["status"] for row in (ours, dead, elsewhere)}
        message = run_of(book, dead)["error"]
    assert statuses == {ours: "running", dead: "incomplete", elsewhere: "running"}
    assert f"process {dead_pid} ended before the run finished" in message


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="process start times come from /proc")
def test_a_recycled_pid_does_not_keep_a_run_running(path: Path) -> None:
    with Ledger.open(path) as book:
        row = book.start_run(start())
    with raw(path) as db:  # our pid, but the start time of a process long gone
        db.execute("UPDATE runs SET process_token = 'another-boot/1' WHERE id = ?", (row,))
    with Ledger.open(path) as book:
        assert run_of(book, row)["status"] == "incomplete"


def test_history_is_succeeded_runs_in_evaluation_order(book: Ledger) -> None:
    later = finished_run(book, "2026-11-05T12:00:00Z", (slo("web/api", "page"), slo("web/db")))
    earlier = finished_run(book, "2026-11-04T12:00:00Z", (slo("web/api", "ok"), slo("web/db")))
    book.fail_run(book.start_run(start("2026-11-05T13:00:00Z")), "broke")
    book.start_run(start("2026-11-05T14:00:00Z"))  # still running
    book.finish_run(book.start_run(start("2026-11-05T15:00:00Z")), [])  # --until sli: no SLOs

    runs = book.history()
    assert [r["id"] for r in runs] == [earlier, later]
    assert [s["slo"] for s in runs[1]["slos"]] == ["web/api", "web/db"]
    assert runs[1]["slos"][0]["alert_state"] == "page"

    only_api = book.history(slo="web/api")
    assert [[s["slo"] for s in r["slos"]] for r in only_api] == [["web/api"], ["web/api"]]
    since = book.history(since_epoch=parse_rfc3339("2026-11-05T00:00:00Z").timestamp())
    assert [r["id"] for r in since] == [later]


def test_previous_alert_states_come_from_the_last_succeeded_run_with_slos(book: Ledger) -> None:
    first = "2026-11-05T11:00:00Z"
    finished_run(book, first, slos=(slo("web/api", "ok"),))
    last = finished_run(book, "2026-11-05T11:30:00Z", slos=(slo("web/api", "page"), slo("web/db", "ticket")))
    book.fail_run(book.start_run(start("2026-11-05T11:40:00Z")), "broke")
    book.finish_run(book.start_run(start("2026-11-05T11:50:00Z")), [])  # --until sli
    current = book.start_run(start())
    finished_run(book, "2026-11-05T11:55:00Z", slos=(slo("web/api", "no_data"),))  # started after

    assert book.previous_alert_states(current) == {"web/api": "page", "web/db": "ticket"}
    assert book.previous_alert_states(last) == {"web/api": "ok"}
    assert book.previous_alert_states(1) == {}


def test_a_rerun_at_the_same_evaluation_time_sees_the_run_before_it(book: Ledger) -> None:
    finished_run(book, "2026-11-05T11:00:00Z", slos=(slo("web/api", "ok"),))
    finished_run(book, slos=(slo("web/api", "page"),))
    rerun = book.start_run(start())

    assert book.previous_alert_states(rerun) == {"web/api": "ok"}


# --- hook actions


def test_last_fired_counts_only_actions_that_ran(book: Ledger) -> None:
    row = finished_run(book)
    assert book.last_fired("restart", "page", "web/api") is None
    book.record_action(row, action("a", "succeeded", "2026-11-05T10:00:00Z"))
    book.record_action(row, action("b", "timed_out", "2026-11-05T11:00:00Z"))
    book.record_action(row, action("c", "dry_run", "2026-11-05T12:00:00Z"))
    book.record_action(row, action("d", "skipped", "2026-11-05T12:00:00Z", reason="cooldown"))
    assert book.last_fired("restart", "page", "web/api") == "2026-11-05T11:00:00Z"
    assert book.last_fired("restart", "ticket", "web/api") is None
    assert [a["reason"] for a in book.list_actions(1)] == ["cooldown"]


def test_pending_actions_are_decided_once(book: Ledger) -> None:
    row = finished_run(book)
    book.record_action(row, action("p1", "pending"))
    book.record_action(row, action("p2", "pending"))
    book.record_action(row, action("done", "succeeded"))
    assert [a["id"] for a in book.pending_actions()] == ["p1", "p2"]

    decided = book.decide_action("p1", "approved", "2026-11-05T12:05:00Z")
    assert (decided["status"], decided["decided_at"]) == ("approved", "2026-11-05T12:05:00Z")
    assert decided["outcome"]["event"] == {"evaluated_at": NOW}
    assert [a["id"] for a in book.pending_actions()] == ["p2"]
    with pytest.raises(LedgerError, match="action p1 is approved, not pending"):
        book.decide_action("p1", "rejected", "2026-11-05T12:06:00Z")
    with pytest.raises(LedgerError, match="no action nope"):
        book.decide_action("nope", "approved", "2026-11-05T12:06:00Z")
    with pytest.raises(ValueError, match="approved or rejected"):
        book.decide_action("p2", "succeeded", "2026-11-05T12:06:00Z")
    assert [a["id"] for a in book.list_actions(2)] == ["done", "p2"]  # newest first


def test_the_same_action_id_again_in_a_run_replaces_the_status_but_not_the_creation(book: Ledger) -> None:
    first, second = finished_run(book), finished_run(book)
    book.record_action(first, action("x", "pending"))
    [recorded] = book.pending_actions()
    created = recorded["created_at"]
    book.decide_action("x", "approved", "2026-11-05T12:05:00Z")
    book.record_action(first, action("x", "succeeded", exit_code=0))
    book.record_action(second, action("x", "skipped", reason="cooldown"))  # a rerun: a record of its own
    stored = book.get_action("x")
    assert stored is not None and (stored["run_row"], stored["status"]) == (second, "skipped")
    [approved] = [a for a in book.list_actions() if a["run_row"] == first]
    assert (approved["status"], approved["created_at"]) == ("succeeded", created)
    assert approved["decided_at"] == "2026-11-05T12:05:00Z"
    assert approved["outcome"]["exit_code"] == 0


def test_an_unknown_action_status_is_refused(book: Ledger) -> None:
    with pytest.raises(ValueError, match="unknown action status"):
        book.record_action(finished_run(book), action("x", "exploded"))


# --- what a run is recorded with


def test_slo_records_take_the_key_numbers_and_the_matching_sla() -> None:
    paging = slo_budget("web", "page", remaining=-1.0, sli_ratio=0.98)
    paging = dataclasses.replace(
        paging,
        slo="web/api-availability",
        objective_percent=99.0,
        burn_rates=(
            dataclasses.replace(burn_rate("5m", 10), burn_rate=None, unbounded=True),
            dataclasses.replace(burn_rate("1h", 100), burn_rate=2.0),
        ),
        policy=Policy("freeze", 2, "budget spent"),
    )
    no_objective_entry = UnjudgedBudget(
        "web/auto", "web", "api", "latency", "30d", 2_592_000, None, True, "no history"
    )
    budgets = error_budgets(paging, no_objective_entry)
    contract = sla_entry(99_000, 100_000)
    other = dataclasses.replace(contract, sla="web/other", component="db", status="met")
    sla = sla_compliance(other, dataclasses.replace(contract, status="breached"))
    found, no_objective = slo_records(budgets, sla)
    assert found == SloRecord(
        "web/api-availability",
        "web",
        0.98,
        99.0,
        -1.0,
        "page",
        "freeze",
        {"5m": "+Inf", "1h": 2.0},
        "web/contract",
        "breached",
    )
    assert (no_objective.alert_state, no_objective.policy_state, no_objective.sla) == (
        "no_data",
        "no_data",
        None,
    )
    assert slo_records(budgets, None)[0].sla_status is None


def test_input_files_are_hashed_and_urls_lose_their_credentials(tmp_path: Path) -> None:
    folder = write_example(tmp_path)
    config = load_config(folder / "config.yaml")
    prometheus = PrometheusSource("prom", "https://user:secret@prom.example:9090/api", Origin("c.yaml", 1))
    config = dataclasses.replace(config, sources=(*config.sources, prometheus))
    events = (folder / "events.csv").read_bytes()
    [event_file, url] = input_files(config)
    assert (event_file.size_bytes, event_file.sha256) == (len(events), hashlib.sha256(events).hexdigest())
    assert url == InputFile("prom", "https://***@prom.example:9090/api")  # as every output shows it


# --- the pipeline and the CLI


def events_csv() -> str:
    """One event every 15 seconds over the last hour, every third one failing: a fast burn, a page."""
    lines = ["ts,comp,status"]
    for i in range(240):
        lines.append(f"{to_rfc3339(NOW_EPOCH - 15 * (i + 1))},api,{500 if i % 3 == 0 else 200}")
    return "\n".join(lines) + "\n"


def write_example(folder: Path, hook_command: list[str] | None = None) -> Path:
    command = hook_command or [sys.executable, "-c", "pass"]
    (folder / "events.csv").write_text(events_csv())
    configs.write_config(
        folder,
        configs.service(
            "web",
            configs.component("api", configs.slo("api-availability", 99)),
            slas=[configs.sla("api-contract", "api", 99, (99, 10))],
        ),
        settings={"evaluate_at": NOW},
        hooks=[
            configs.hook(
                "on-page",
                command=command,
                timeout="300s",
                min_confidence=0,  # a hand-made, low-traffic example: act on it anyway
            )
        ],
    )
    return folder


def test_a_cli_run_is_recorded_in_the_out_folder(tmp_path: Path) -> None:
    folder = write_example(tmp_path)
    out = tmp_path / "out"
    done = runner.invoke(reliability_app, ["run", str(folder / "config.yaml"), "--out", str(out)])
    assert done.exit_code == 0, done.output
    with Ledger.open(out / "ledger.sqlite", create=False) as book:
        run = book.get_run(1)
        actions = book.list_actions(10)
    assert run is not None and run["status"] == "succeeded"
    artifact = json.loads((out / "sli-metrics.json").read_text())
    assert (run["run_id"], run["evaluated_at"]) == (artifact["run_id"], NOW)
    assert run["config_sha256"] == hashlib.sha256((folder / "config.yaml").read_bytes()).hexdigest()
    assert list(run["stages"]) == ["telemetry", "sli", "targets", "budgets", "sla", "hooks", "check", "write"]
    assert all(seconds >= 0 for seconds in run["stages"].values())
    [events] = run["inputs"]
    assert events["sha256"] == hashlib.sha256((folder / "events.csv").read_bytes()).hexdigest()
    [api] = run["slos"]
    assert (api["slo"], api["alert_state"], api["policy_state"]) == ("web/api-availability", "page", "freeze")
    assert (api["sla"], api["sla_status"]) == ("web/api-contract", "breached")
    assert api["burn_rates"]["1h"] == pytest.approx((80 / 240) / 0.01)
    assert [(a["hook"], a["status"], a["run_row"]) for a in actions] == [("on-page", "dry_run", 1)]


def test_ledger_and_no_ledger_options(tmp_path: Path) -> None:
    config = str(write_example(tmp_path) / "config.yaml")
    elsewhere = tmp_path / "books" / "runs.sqlite"
    moved = runner.invoke(
        reliability_app, ["run", config, "--out", str(tmp_path / "a"), "--ledger", str(elsewhere)]
    )
    assert moved.exit_code == 0, moved.output
    assert elsewhere.is_file() and not (tmp_path / "a" / "ledger.sqlite").exists()
    skipped = runner.invoke(reliability_app, ["run", config, "--out", str(tmp_path / "b"), "--no-ledger"])
    assert skipped.exit_code == 0, skipped.output
    assert (tmp_path / "b" / "sli-metrics.json").is_file() and not (tmp_path / "b" / "ledger.sqlite").exists()
    both = runner.invoke(reliability_app, ["run", config, "--ledger", str(elsewhere), "--no-ledger"])
    assert both.exit_code == EXIT_INVALID_CONFIG
    assert "not both" in both.output


def test_a_failed_run_is_marked_failed_with_its_message(tmp_path: Path) -> None:
    folder = write_example(tmp_path)
    with (folder / "events.csv").open("a") as events:
        events.write(f"{to_rfc3339(NOW_EPOCH - 1)},api,oops\n")
    out = tmp_path / "out"
    done = runner.invoke(reliability_app, ["run", str(folder / "config.yaml"), "--out", str(out), "--strict"])
    assert done.exit_code == EXIT_BAD_INPUT
    with Ledger.open(out / "ledger.sqlite", create=False) as book:
        run = book.get_run(1)
    assert run is not None and run["status"] == "failed"
    assert "invalid status ('oops')" in run["error"]
    assert run["slos"] == [] and "telemetry" not in run["stages"]


def history_app() -> typer.Typer:
    return reliability_app


def test_history_shows_the_trend_as_a_table_and_json(tmp_path: Path) -> None:
    config = str(write_example(tmp_path) / "config.yaml")
    out = tmp_path / "out"
    for now in ("2026-11-05T12:00:00Z", "2026-11-05T11:00:00Z"):
        done = runner.invoke(reliability_app, ["run", config, "--out", str(out), "--now", now])
        assert done.exit_code == 0, done.output
    ledger_path = str(out / "ledger.sqlite")
    app = history_app()

    table = runner.invoke(app, ["history", "--ledger", ledger_path])
    assert table.exit_code == 0, table.output
    lines = table.stdout.splitlines()
    assert lines[0].split() == ["EVALUATED", "AT", "RUN", "SLO", "SLI", "BUDGET", "LEFT", "ALERT", "POLICY"]
    # The oldest evaluation comes first: run 2, at 11:00, before any event, so no data.
    assert lines[1].split()[:3] == ["2026-11-05T11:00:00Z", "2", "web/api-availability"]
    assert lines[1].split()[3:] == ["no", "data", "no", "data", "no_data", "no_data"]
    assert lines[2].split()[:4] == ["2026-11-05T12:00:00Z", "1", "web/api-availability", "66.667%"]
    assert lines[2].split()[-2:] == ["page", "freeze"]

    as_json = runner.invoke(app, ["history", "--ledger", ledger_path, "--format", "json", "--since", NOW])
    assert as_json.exit_code == 0, as_json.output
    [run] = json.loads(as_json.stdout)["runs"]
    assert (run["id"], run["evaluated_at"]) == (1, NOW)
    assert run["slos"][0]["sli_ratio"] == pytest.approx(160 / 240)

    other = runner.invoke(app, ["history", "--ledger", ledger_path, "--slo", "web/nothing"])
    assert other.exit_code == 0 and "no succeeded runs" in other.stdout
    missing = runner.invoke(app, ["history", "--ledger", str(tmp_path / "none.sqlite")])
    assert missing.exit_code == 1 and "no ledger at" in missing.output
    bad_since = runner.invoke(app, ["history", "--ledger", ledger_path, "--since", "last week"])
    assert bad_since.exit_code == EXIT_INVALID_CONFIG and "--since" in bad_since.output


def test_since_is_a_time_or_a_duration_back_from_now() -> None:
    assert history.since_epoch("2026-11-05T13:00:00+01:00", WALL_CLOCK) == NOW_EPOCH
    assert history.since_epoch("7d", WALL_CLOCK) == WALL_CLOCK - 7 * 86400
    with pytest.raises(ReliabilityError, match="neither an RFC 3339 time nor a duration"):
        history.since_epoch("yesterday", WALL_CLOCK)


# --- real processes


class Lines:
    """Lines from a child's stdout, each awaited until a deadline so a stuck child fails the test."""

    def __init__(self, process: subprocess.Popen[bytes]) -> None:
        assert process.stdout is not None
        self.fd = process.stdout.fileno()
        self.buffer = b""

    def next(self, deadline: float) -> str:
        while b"\n" not in self.buffer:
            remaining = deadline - time.monotonic()
            ready, _, _ = select.select([self.fd], [], [], max(remaining, 0))
            if not ready:
                raise TimeoutError("no line from the child before the deadline")
            chunk = os.read(self.fd, 4096)
            if not chunk:
                raise EOFError(f"the child ended; it had written {self.buffer!r}")
            self.buffer += chunk
        line, self.buffer = self.buffer.split(b"\n", 1)
        return line.decode()


WRITER = """
import hashlib
import sys
from pathlib import Path
from reliability.ledger import InputFile, Ledger, RunStart, SloRecord

path, tag, runs = Path(sys.argv[1]), sys.argv[2], int(sys.argv[3])
keep_one_open = sys.argv[4] == "leave-one-running"
at = "2026-11-05T12:00:00Z"
sys.stdin.readline()  # released together with the other writer
with Ledger.open(path) as book:
    if keep_one_open:
        print("open", book.start_run(RunStart(tag, at, at, "c", ())), flush=True)
    for i in range(runs):
        row = book.start_run(RunStart(tag, at, at, "c", ("c.yaml",)))
        book.record_inputs(row, [InputFile("log", "events.csv", 1, "f" * 64)])
        book.record_stage(row, "sli", 0.1)
        hashlib.sha256(bytes(4_000_000)).digest()  # a stage's work: runs leave gaps between their writes
        book.record_stage(row, "budgets", 0.2)
        book.record_action(row, {"id": f"{tag}-{i}", "hook": "h", "trigger": "page", "subject": "s",
                                 "status": "succeeded", "event": {"evaluated_at": at}})
        book.finish_run(row, [SloRecord(f"web/{n}", "web", 0.99, 99.0, 0.5, "ok", "ok") for n in "abc"])
        print("done", row, flush=True)
"""


def start_writer(path: Path, tag: str, runs: int, mode: str = "finish-all") -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-c", WRITER, str(path), tag, str(runs), mode],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )


def release(*writers: subprocess.Popen[bytes]) -> None:
    for writer in writers:
        assert writer.stdin is not None
        writer.stdin.write(b"go\n")
        writer.stdin.flush()


def test_two_processes_writing_at_once_lose_nothing(path: Path) -> None:
    runs_each = 150
    writers = [start_writer(path, tag, runs_each) for tag in ("first", "second")]
    release(*writers)  # both create, migrate and write the same new file at the same moment
    for writer in writers:
        _, errors = writer.communicate(timeout=PROCESS_DEADLINE_SECONDS)
        assert writer.returncode == 0, errors.decode()

    with Ledger.open(path) as book:
        assert book.integrity_check() == "ok"
    with raw(path) as db:
        statuses = db.execute("SELECT status, COUNT(*) FROM runs GROUP BY status").fetchall()
        owners = [r[0] for r in db.execute("SELECT run_id FROM runs ORDER BY id")]
        per_run = db.execute(
            "SELECT (SELECT COUNT(*) FROM run_slos s WHERE s.run_row = r.id),"
            " (SELECT COUNT(*) FROM run_stages t WHERE t.run_row = r.id) FROM runs r"
        ).fetchall()
        actions = db.execute("SELECT COUNT(*) FROM actions").fetchone()[0]
    assert statuses == [("succeeded", 2 * runs_each)]
    assert set(per_run) == {(3, 2)} and actions == 2 * runs_each
    switches = sum(1 for a, b in itertools.pairwise(owners) if a != b)
    assert switches > 1, "the two writers never interleaved: the test proved nothing"


def test_a_writer_killed_midway_leaves_a_consistent_ledger(path: Path) -> None:
    writer = start_writer(path, "killed", 100_000, "leave-one-running")
    release(writer)
    deadline = time.monotonic() + PROCESS_DEADLINE_SECONDS
    lines = Lines(writer)
    kept_open = int(lines.next(deadline).split()[1])
    for _ in range(30):  # well into its stream of short transactions
        assert lines.next(deadline).startswith("done")
    writer.send_signal(signal.SIGKILL)
    writer.wait(timeout=PROCESS_DEADLINE_SECONDS)
    assert writer.returncode == -signal.SIGKILL

    with Ledger.open(path) as book:
        assert book.integrity_check() == "ok"
        assert run_of(book, kept_open)["status"] == "incomplete"
    with raw(path) as db:
        statuses = dict(db.execute("SELECT status, COUNT(*) FROM runs GROUP BY status").fetchall())
        half_finished = db.execute(
            "SELECT COUNT(*) FROM runs r WHERE r.status = 'succeeded'"
            " AND (SELECT COUNT(*) FROM run_slos s WHERE s.run_row = r.id) != 3"
        ).fetchone()[0]
    assert "running" not in statuses and statuses["succeeded"] >= 30
    assert half_finished == 0  # a run's SLOs and its `succeeded` commit together or not at all


def test_a_run_killed_in_its_hooks_is_marked_incomplete(tmp_path: Path) -> None:
    marker = tmp_path / "hook-started"
    hanging_hook = [
        sys.executable,
        "-c",
        f"import os, pathlib, threading; pathlib.Path({str(marker)!r}).write_text(str(os.getpid())); "
        "threading.Event().wait()",
    ]
    folder = write_example(tmp_path, hanging_hook)
    out = tmp_path / "out"
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "reliability",
            "run",
            str(folder / "config.yaml"),
            "--out",
            str(out),
            "--execute",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + PROCESS_DEADLINE_SECONDS
        while not marker.exists():
            assert time.monotonic() < deadline, "the hook never started"
            try:
                process.wait(timeout=0.05)
            except subprocess.TimeoutExpired:
                continue
            pytest.fail(f"the run ended before its hook hung: {process.communicate()[1].decode()}")
        with raw(out / "ledger.sqlite") as db:
            assert db.execute("SELECT status FROM runs WHERE id = 1").fetchone()[0] == "running"
    finally:
        os.killpg(process.pid, signal.SIGKILL)
        process.communicate(timeout=PROCESS_DEADLINE_SECONDS)
        # Hooks run in a session of their own, so the run's group kill does not reach this one.
        hook_pid = marker.read_text() if marker.exists() else ""
        if hook_pid:
            with contextlib.suppress(ProcessLookupError):
                os.kill(int(hook_pid), signal.SIGKILL)

    with Ledger.open(out / "ledger.sqlite") as book:
        assert book.integrity_check() == "ok"
        run = book.get_run(1)
    assert run is not None and run["status"] == "incomplete" and run["finished_at"] is None
    assert list(run["stages"]) == ["telemetry", "sli", "targets", "budgets", "sla"]
    assert run["slos"] == [] and len(run["inputs"]) == 1
    assert not (out / "sli-metrics.json").exists()  # killed before anything was written
