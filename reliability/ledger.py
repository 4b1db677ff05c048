"""The run ledger: every run, what it read, how long each stage took, its per-SLO numbers and hook actions.

SQLite in WAL mode, so readers never wait for the writer. Every write is one short
BEGIN IMMEDIATE transaction: concurrent runs queue on the write lock (busy_timeout)
instead of failing, and a run killed midway leaves whole transactions only. A run is
inserted as `running` first; when its process is gone, the next open marks it `incomplete`.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import socket
import sqlite3
import sys
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from types import TracebackType
from typing import Any

from reliability.artifacts.error_budgets import ErrorBudgets, SloBudget
from reliability.artifacts.sla_compliance import SlaCompliance
from reliability.config.model import Config, PrometheusSource, SqlSource
from reliability.errors import ReliabilityError
from reliability.redact import redacted_bytes, without_credentials
from reliability.stages.sla_compliance import slas_covering
from reliability.timefmt import parse_rfc3339, to_rfc3339

LEDGER_FILE = "ledger.sqlite"  # default: inside the run's --out folder
BUSY_TIMEOUT_SECONDS = 30.0  # how long a writer queues behind another before giving up
WAL_SWITCH_RETRY_SECONDS = 0.01

# Applied in order on open; PRAGMA user_version counts those applied. Append, never edit.
MIGRATIONS: tuple[tuple[str, ...], ...] = (
    (
        """CREATE TABLE runs (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            run_id TEXT NOT NULL,
            status TEXT NOT NULL CHECK (status IN ('running', 'succeeded', 'failed', 'incomplete')),
            error TEXT,
            started_at TEXT NOT NULL,
            finished_at TEXT,
            requested_now TEXT NOT NULL,
            evaluated_at TEXT NOT NULL,
            evaluated_epoch INTEGER NOT NULL,
            config_sha256 TEXT NOT NULL,
            config_files TEXT NOT NULL,
            pid INTEGER NOT NULL,
            hostname TEXT NOT NULL,
            process_token TEXT
        )""",
        "CREATE INDEX runs_by_status ON runs (status)",
        "CREATE INDEX runs_by_evaluation ON runs (evaluated_epoch)",
        """CREATE TABLE run_inputs (
            run_row INTEGER NOT NULL REFERENCES runs (id),
            source TEXT NOT NULL,
            location TEXT NOT NULL,
            size_bytes INTEGER,
            sha256 TEXT
        )""",
        "CREATE INDEX run_inputs_by_run ON run_inputs (run_row)",
        """CREATE TABLE run_stages (
            run_row INTEGER NOT NULL REFERENCES runs (id),
            stage TEXT NOT NULL,
            seconds REAL NOT NULL,
            PRIMARY KEY (run_row, stage)
        )""",
        """CREATE TABLE run_slos (
            run_row INTEGER NOT NULL REFERENCES runs (id),
            slo TEXT NOT NULL,
            service TEXT NOT NULL,
            sli_ratio REAL,
            objective_percent REAL,
            budget_remaining_ratio REAL,
            burn_rates TEXT NOT NULL,
            alert_state TEXT NOT NULL,
            policy_state TEXT NOT NULL,
            sla TEXT,
            sla_status TEXT,
            PRIMARY KEY (run_row, slo)
        )""",
    ),
    (
        """CREATE TABLE actions (
            id TEXT PRIMARY KEY,
            run_row INTEGER NOT NULL REFERENCES runs (id),
            hook TEXT NOT NULL,
            trigger TEXT NOT NULL,
            subject TEXT NOT NULL,
            status TEXT NOT NULL CHECK (status IN ('dry_run', 'succeeded', 'failed', 'timed_out', 'error',
                'pending', 'approved', 'rejected', 'skipped')),
            reason TEXT,
            outcome TEXT NOT NULL,
            evaluated_at TEXT NOT NULL,
            evaluated_epoch INTEGER NOT NULL,
            created_at TEXT NOT NULL,
            decided_at TEXT
        )""",
        "CREATE INDEX actions_by_key ON actions (hook, trigger, subject, evaluated_epoch)",
        "CREATE INDEX actions_by_status ON actions (status)",
    ),
    (
        # One record per run and action: a rerun of the same evaluation keeps the earlier run's
        # records; `running` is written before a command starts, `interrupted` when its run died.
        """CREATE TABLE actions_of_runs (
            id TEXT NOT NULL,
            run_row INTEGER NOT NULL REFERENCES runs (id),
            hook TEXT NOT NULL,
            trigger TEXT NOT NULL,
            subject TEXT NOT NULL,
            status TEXT NOT NULL CHECK (status IN ('dry_run', 'running', 'succeeded', 'failed', 'timed_out',
                'error', 'interrupted', 'pending', 'approved', 'rejected', 'skipped')),
            reason TEXT,
            outcome TEXT NOT NULL,
            evaluated_at TEXT NOT NULL,
            evaluated_epoch INTEGER NOT NULL,
            created_at TEXT NOT NULL,
            decided_at TEXT,
            UNIQUE (run_row, id)
        )""",
        "INSERT INTO actions_of_runs SELECT id, run_row, hook, trigger, subject, status, reason, outcome,"
        " evaluated_at, evaluated_epoch, created_at, decided_at FROM actions ORDER BY rowid",
        "DROP TABLE actions",
        "ALTER TABLE actions_of_runs RENAME TO actions",
        "CREATE INDEX actions_by_key ON actions (hook, trigger, subject, evaluated_epoch)",
        "CREATE INDEX actions_by_status ON actions (status)",
        "CREATE INDEX actions_by_id ON actions (id)",
    ),
    (
        # The process a `running` command belongs to: `hooks approve` runs one outside any run, so
        # only its own process tells whether it still runs.
        "ALTER TABLE actions ADD COLUMN pid INTEGER",
        "ALTER TABLE actions ADD COLUMN hostname TEXT",
        "ALTER TABLE actions ADD COLUMN process_token TEXT",
    ),
)
SCHEMA_VERSION = len(MIGRATIONS)


class RunStatus(StrEnum):
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    INCOMPLETE = "incomplete"


ACTION_STATUSES = frozenset(
    {
        "dry_run",
        "running",
        "succeeded",
        "failed",
        "timed_out",
        "error",
        "interrupted",
        "pending",
        "approved",
        "rejected",
        "skipped",
    }
)
# The command was started (`running` until it ends; `interrupted` when its run died meanwhile).
RAN_STATUSES = ("running", "succeeded", "failed", "timed_out", "error", "interrupted")
DECISIONS = frozenset({"approved", "rejected"})
# Fired, for cooldowns: started, or put before a person (still waiting, or decided since): a page
# lasting hours must not queue one approval request per evaluation.
FIRED_STATUSES = (*RAN_STATUSES, "pending", *sorted(DECISIONS))


class LedgerError(ReliabilityError):
    """The ledger cannot be opened or written, or a request does not fit its state."""


@dataclass(frozen=True)
class InputFile:
    source: str
    location: str  # a file path, or a Prometheus URL or a server's URL and table (without credentials)
    size_bytes: int | None = None  # None for a URL
    sha256: str | None = None


@dataclass(frozen=True)
class RunStart:
    run_id: str  # the artifacts' run_id: shared by runs over the same inputs and time
    requested_now: str
    evaluated_at: str
    config_sha256: str
    config_files: tuple[str, ...]


@dataclass(frozen=True)
class SloRecord:
    slo: str
    service: str
    sli_ratio: float | None
    objective_percent: float | None
    budget_remaining_ratio: float | None
    alert_state: str
    policy_state: str
    burn_rates: dict[str, float | str | None] = field(default_factory=dict)  # "+Inf" when unbounded
    sla: str | None = None
    sla_status: str | None = None  # met | breached | no_data, of the SLA on the same SLI


# --- what a run is recorded with, taken from the config and the artifacts


def config_sha256(files: Sequence[Path]) -> str:
    """The config's hash with URL credentials redacted: a rotated password is not a config change."""
    digest = hashlib.sha256()
    for file in files:
        digest.update(redacted_bytes(file.read_bytes()))
    return digest.hexdigest()


def input_files(config: Config) -> list[InputFile]:
    """Every input with its size and content hash; a Prometheus source by its URL."""
    found = []
    for source in config.sources:
        if isinstance(source, PrometheusSource):
            found.append(InputFile(source.name, without_credentials(source.url)))
            continue
        if isinstance(source, SqlSource) and source.server is not None:  # a server's table, by its URL
            found.append(InputFile(source.name, f"{without_credentials(source.server.url)} {source.table}"))
            continue
        for path in source.paths:
            with path.open("rb") as handle:  # streamed: inputs can be far larger than memory
                digest = hashlib.file_digest(handle, "sha256").hexdigest()
            found.append(InputFile(source.name, str(path), path.stat().st_size, digest))
    return found


def slo_records(budgets: ErrorBudgets, sla: SlaCompliance | None) -> list[SloRecord]:
    """The key numbers of every SLO in an error-budgets artifact (and its SLA from sla-compliance)."""
    records = []
    for entry in budgets.slos:
        covering = slas_covering(sla, entry.service, entry.component, entry.sli)[:1]
        judged = entry if isinstance(entry, SloBudget) else None
        records.append(
            SloRecord(
                slo=entry.slo,
                service=entry.service,
                sli_ratio=judged.sli_ratio if judged else None,
                objective_percent=entry.objective_percent,
                budget_remaining_ratio=judged.budget.remaining_ratio if judged else None,
                alert_state=judged.alert.state if judged else "no_data",
                policy_state=judged.policy.state if judged else "no_data",
                burn_rates={
                    rate.window: "+Inf" if rate.unbounded else rate.burn_rate
                    for rate in (judged.burn_rates if judged else ())
                },
                sla=covering[0].sla if covering else None,
                sla_status=covering[0].status if covering else None,
            )
        )
    return records


# --- the process that owns a running row


def _process_stat(pid: int) -> list[str] | None:
    """/proc/PID/stat fields after the command name (Linux), or None where there is no /proc."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return text.rsplit(")", 1)[1].split()  # the name may hold spaces and parentheses


def _process_token(pid: int) -> str | None:
    """Boot id and start time: tells a recycled pid (common in containers) from the original process."""
    fields = _process_stat(pid)
    try:
        boot_id = Path("/proc/sys/kernel/random/boot_id").read_text().strip()
    except OSError:
        return None
    return None if fields is None else f"{boot_id}/{fields[19]}"


def _process_alive(pid: int, token: str | None) -> bool:
    if pid <= 0:
        return False  # os.kill would signal a whole process group
    if sys.platform == "win32":
        return True  # os.kill would terminate it there; leave the row for a human
    try:
        with contextlib.suppress(PermissionError):  # alive, owned by another user
            os.kill(pid, 0)
    except ProcessLookupError:
        return False
    fields = _process_stat(pid)
    if fields is not None and fields[0] == "Z":
        return False  # exited, not yet reaped by its parent
    current = _process_token(pid)
    return token is None or current is None or current == token


# --- the database


def _json(value: Any) -> str:
    return json.dumps(value, allow_nan=False)  # insertion order: burn rates stay in window order


_HISTORY_RUN_FIELDS = ("id", "run_id", "requested_now", "evaluated_at", "started_at", "finished_at")


# A `running` command whose process ended: it ran, how it ended is unknown.
_INTERRUPT_ACTIONS = (
    "UPDATE actions SET status = 'interrupted', outcome = json_set(outcome, '$.status', 'interrupted')"
)
_PROCESS_COLUMNS = ("pid", "hostname", "process_token")  # whose a `running` command is: not shown


def _action_row(row: sqlite3.Row) -> dict[str, Any]:
    found = dict(row)
    found["outcome"] = json.loads(found["outcome"])
    for column in ("evaluated_epoch", *_PROCESS_COLUMNS):
        found.pop(column)
    return found


class Ledger:
    """One connection to the ledger. Open with Ledger.open(path); use as a context manager."""

    def __init__(self, connection: sqlite3.Connection, path: Path, clock: Callable[[], float]) -> None:
        self._connection = connection
        self.path = path
        self._clock = clock  # wall clock for started/finished/created times: the ledger is an edge

    @classmethod
    def open(cls, path: Path, *, create: bool = True, clock: Callable[[], float] = time.time) -> Ledger:
        """Open (creating it when `create`), migrate, and mark runs whose process is gone incomplete."""
        if not create and not path.is_file():
            raise LedgerError(f"no ledger at {path}: `reliability run` creates it")
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            # isolation_level=None: no implicit transactions; each write says BEGIN IMMEDIATE itself.
            connection = sqlite3.connect(path, timeout=BUSY_TIMEOUT_SECONDS, isolation_level=None)
        except sqlite3.Error as exc:
            raise LedgerError(f"ledger {path}: {exc}") from None
        connection.row_factory = sqlite3.Row
        ledger = cls(connection, path, clock)
        try:
            ledger._prepare()
        except BaseException:
            connection.close()
            raise
        return ledger

    def close(self) -> None:
        self._connection.close()

    def __enter__(self) -> Ledger:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self.close()

    def _now(self) -> str:
        return to_rfc3339(self._clock())

    @contextmanager
    def _errors_named(self) -> Iterator[None]:
        try:
            yield
        except sqlite3.Error as exc:
            raise LedgerError(f"ledger {self.path}: {exc}") from None

    @contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        """One short transaction holding the write lock from its first statement."""
        with self._errors_named():
            self._connection.execute("BEGIN IMMEDIATE")
            try:
                yield self._connection
            except BaseException:
                if self._connection.in_transaction:  # some errors have rolled it back already
                    self._connection.execute("ROLLBACK")
                raise
            self._connection.execute("COMMIT")

    def _read(self, sql: str, parameters: Sequence[Any] = ()) -> list[sqlite3.Row]:
        with self._errors_named():
            return self._connection.execute(sql, parameters).fetchall()

    def _prepare(self) -> None:
        with self._errors_named():
            mode = self._switch_to_wal()
            self._connection.execute("PRAGMA foreign_keys = ON")
        if mode != "wal":
            raise LedgerError(f"ledger {self.path}: the file system does not support WAL (mode {mode})")
        self._migrate()
        self._mark_abandoned_runs()
        self._mark_abandoned_actions()

    def _switch_to_wal(self) -> str:
        """WAL is a property of the file, set once; while two processes create it, one must retry.

        SQLite does not call the busy handler for this switch, so the wait is ours.
        """
        deadline = time.monotonic() + BUSY_TIMEOUT_SECONDS
        while True:
            try:
                return str(self._connection.execute("PRAGMA journal_mode = WAL").fetchone()[0])
            except sqlite3.OperationalError as exc:
                if exc.sqlite_errorcode != sqlite3.SQLITE_BUSY or time.monotonic() > deadline:
                    raise
            time.sleep(WAL_SWITCH_RETRY_SECONDS)

    def _migrate(self) -> None:
        if self._read("PRAGMA user_version")[0][0] == SCHEMA_VERSION:
            return  # the common case, without taking the write lock
        with self._write() as db:  # read again under the lock: another process may be migrating
            version = db.execute("PRAGMA user_version").fetchone()[0]
            if version > SCHEMA_VERSION:
                raise LedgerError(
                    f"ledger {self.path} has schema version {version}; this reliability knows "
                    f"up to {SCHEMA_VERSION}: upgrade reliability"
                )
            for statements in MIGRATIONS[version:]:
                for statement in statements:
                    db.execute(statement)
            db.execute(f"PRAGMA user_version = {SCHEMA_VERSION:d}")

    def _of_gone_processes(self, select: str) -> list[sqlite3.Row]:
        """The rows `select` finds (pid and process_token among their columns) owned by a process of
        this host that has ended."""
        rows = self._read(f"{select} AND hostname = ?", (socket.gethostname(),))
        return [row for row in rows if not _process_alive(row["pid"], row["process_token"])]

    def _mark_abandoned_runs(self) -> None:
        """`running` rows of this host whose process has ended were killed: mark them incomplete."""
        gone = self._of_gone_processes("SELECT id, pid, process_token FROM runs WHERE status = 'running'")
        if not gone:
            return
        with self._write() as db:
            for row in gone:
                db.execute(
                    "UPDATE runs SET status = 'incomplete', error = ? WHERE id = ? AND status = 'running'",
                    (f"process {row['pid']} ended before the run finished (found {self._now()})", row["id"]),
                )
                self._interrupt_actions(db, row["id"])

    def _mark_abandoned_actions(self) -> None:
        """`running` commands of this host whose process has ended (a killed `hooks approve`, say):
        they ran, how they ended is unknown; `interrupted` keeps them counting for the cooldown."""
        gone = self._of_gone_processes(
            "SELECT rowid, pid, process_token FROM actions WHERE status = 'running' AND pid IS NOT NULL"
        )
        if not gone:
            return
        with self._write() as db:
            for row in gone:
                db.execute(f"{_INTERRUPT_ACTIONS} WHERE rowid = ? AND status = 'running'", (row["rowid"],))

    # --- recording a run

    def start_run(self, start: RunStart) -> int:
        """Insert the run as `running`; returns its row id, unique even when runs share a run_id."""
        pid = os.getpid()
        with self._write() as db:
            cursor = db.execute(
                "INSERT INTO runs (run_id, status, started_at, requested_now, evaluated_at, evaluated_epoch,"
                " config_sha256, config_files, pid, hostname, process_token)"
                " VALUES (?, 'running', ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    start.run_id,
                    self._now(),
                    start.requested_now,
                    start.evaluated_at,
                    int(parse_rfc3339(start.evaluated_at).timestamp()),
                    start.config_sha256,
                    _json(list(start.config_files)),
                    pid,
                    socket.gethostname(),
                    _process_token(pid),
                ),
            )
        row_id = cursor.lastrowid
        assert row_id is not None  # an INSERT always sets it
        return row_id

    def record_inputs(self, run_row: int, inputs: Sequence[InputFile]) -> None:
        with self._write() as db:
            db.executemany(
                "INSERT INTO run_inputs (run_row, source, location, size_bytes, sha256)"
                " VALUES (?, ?, ?, ?, ?)",
                [(run_row, i.source, i.location, i.size_bytes, i.sha256) for i in inputs],
            )

    def record_stage(self, run_row: int, stage: str, seconds: float) -> None:
        with self._write() as db:
            db.execute(
                "INSERT OR REPLACE INTO run_stages (run_row, stage, seconds) VALUES (?, ?, ?)",
                (run_row, stage, seconds),
            )

    def finish_run(self, run_row: int, slos: Sequence[SloRecord]) -> None:
        """The per-SLO numbers and `succeeded`, in one transaction: history never sees half a run."""
        with self._write() as db:
            db.executemany(
                "INSERT INTO run_slos (run_row, slo, service, sli_ratio, objective_percent,"
                " budget_remaining_ratio, burn_rates, alert_state, policy_state, sla, sla_status)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    (
                        run_row,
                        s.slo,
                        s.service,
                        s.sli_ratio,
                        s.objective_percent,
                        s.budget_remaining_ratio,
                        _json(s.burn_rates),
                        s.alert_state,
                        s.policy_state,
                        s.sla,
                        s.sla_status,
                    )
                    for s in slos
                ],
            )
            self._end_run(db, run_row, RunStatus.SUCCEEDED, None)

    def fail_run(self, run_row: int, message: str) -> None:
        with self._write() as db:
            self._end_run(db, run_row, RunStatus.FAILED, message)
            self._interrupt_actions(db, run_row)

    @staticmethod
    def _interrupt_actions(db: sqlite3.Connection, run_row: int) -> None:
        """A command whose run ended before its outcome was recorded: it ran, how it ended is unknown."""
        db.execute(f"{_INTERRUPT_ACTIONS} WHERE run_row = ? AND status = 'running'", (run_row,))

    def _end_run(self, db: sqlite3.Connection, run_row: int, status: RunStatus, error: str | None) -> None:
        db.execute(
            "UPDATE runs SET status = ?, error = ?, finished_at = ? WHERE id = ?",
            (status.value, error, self._now(), run_row),
        )

    # --- reading runs

    def get_run(self, run_row: int) -> dict[str, Any] | None:
        """A run with its inputs, stage durations (in the order run) and per-SLO numbers."""
        found = self._read("SELECT * FROM runs WHERE id = ?", (run_row,))
        if not found:
            return None
        run = dict(found[0])
        run["config_files"] = json.loads(run["config_files"])
        run.pop("evaluated_epoch")
        run["inputs"] = [
            dict(r)
            for r in self._read(
                "SELECT source, location, size_bytes, sha256 FROM run_inputs"
                " WHERE run_row = ? ORDER BY rowid",
                (run_row,),
            )
        ]
        run["stages"] = {
            r["stage"]: r["seconds"]
            for r in self._read(
                "SELECT stage, seconds FROM run_stages WHERE run_row = ? ORDER BY rowid", (run_row,)
            )
        }
        run["slos"] = self._slo_rows("WHERE run_row = ?", (run_row,))
        return run

    def _slo_rows(self, where: str, parameters: Sequence[Any]) -> list[dict[str, Any]]:
        rows = []
        for row in self._read(f"SELECT * FROM run_slos {where} ORDER BY run_row, slo", parameters):
            found = dict(row)
            found["burn_rates"] = json.loads(found["burn_rates"])
            rows.append(found)
        return rows

    def history(self, slo: str | None = None, since_epoch: float | None = None) -> list[dict[str, Any]]:
        """Succeeded runs in evaluation-time order, each with its SLOs' numbers (only `slo` if given)."""
        conditions: list[str] = ["r.status = 'succeeded'"]
        parameters: list[Any] = []
        if since_epoch is not None:
            conditions.append("r.evaluated_epoch >= ?")
            parameters.append(since_epoch)
        if slo is not None:
            conditions.append("s.slo = ?")
            parameters.append(slo)
        rows = self._read(
            "SELECT r.id, r.run_id, r.requested_now, r.evaluated_at, r.started_at,"
            " r.finished_at, s.* FROM runs r JOIN run_slos s ON s.run_row = r.id"
            f" WHERE {' AND '.join(conditions)} ORDER BY r.evaluated_epoch, r.id, s.slo",
            parameters,
        )
        runs: dict[int, dict[str, Any]] = {}
        for row in rows:
            found = dict(row)
            run_fields = {key: found.pop(key) for key in _HISTORY_RUN_FIELDS}
            found.pop("run_row")
            found["burn_rates"] = json.loads(found["burn_rates"])
            runs.setdefault(run_fields["id"], run_fields | {"slos": []})["slos"].append(found)
        return list(runs.values())

    def previous_alert_states(self, run_row_before: int) -> dict[str, str]:
        """Alert state per SLO of the latest succeeded run with SLOs that started before `run_row_before`
        and was evaluated at an earlier time.

        A rerun at the same evaluation time is not a later moment: it sees what the first run saw,
        so repeating a run (the pinned example, a retried CI job) gives the same artifacts.
        """
        rows = self._read(
            "SELECT slo, alert_state FROM run_slos WHERE run_row = ("
            " SELECT r.id FROM runs r, runs this WHERE this.id = ? AND r.id < this.id"
            " AND r.evaluated_epoch < this.evaluated_epoch AND r.status = 'succeeded'"
            " AND EXISTS (SELECT 1 FROM run_slos s WHERE s.run_row = r.id)"
            " ORDER BY r.evaluated_epoch DESC, r.id DESC LIMIT 1)",
            (run_row_before,),
        )
        return {row["slo"]: row["alert_state"] for row in rows}

    # --- hook actions

    def record_action(self, run_row: int, record: Mapping[str, Any]) -> None:
        """Store a run's hook action (an outcome record: id, hook, trigger, subject, status, ...).

        Each run keeps its own record of an action, even when a rerun plans the same id (the same
        hook, trigger, subject and evaluation time): another run's record is never changed. The
        same run and id again (`running`, then the outcome; an approval's outcome) replaces the
        status, reason and outcome; created_at stays the first one's.
        """
        status = record["status"]
        if status not in ACTION_STATUSES:
            raise ValueError(f"unknown action status {status!r}")
        event = record.get("event") or {}
        run = self._read("SELECT evaluated_at FROM runs WHERE id = ?", (run_row,))
        if not run:
            raise LedgerError(f"ledger {self.path}: no run {run_row}")
        evaluated_at = record.get("evaluated_at") or event.get("evaluated_at") or run[0]["evaluated_at"]
        pid = os.getpid() if status == "running" else None  # the process the command's fate hangs on
        with self._write() as db:
            db.execute(
                "INSERT INTO actions (id, run_row, hook, trigger, subject, status, reason, outcome,"
                " evaluated_at, evaluated_epoch, created_at, decided_at, pid, hostname, process_token)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
                " ON CONFLICT (run_row, id) DO UPDATE SET status = excluded.status,"
                " reason = excluded.reason, outcome = excluded.outcome,"
                " decided_at = COALESCE(excluded.decided_at, actions.decided_at),"
                " pid = excluded.pid, hostname = excluded.hostname, process_token = excluded.process_token",
                (
                    record["id"],
                    run_row,
                    record["hook"],
                    record["trigger"],
                    record["subject"],
                    status,
                    record.get("reason") or record.get("error"),
                    _json(dict(record)),
                    evaluated_at,
                    int(parse_rfc3339(evaluated_at).timestamp()),
                    record.get("created_at") or self._now(),
                    record.get("decided_at"),
                    pid,
                    None if pid is None else socket.gethostname(),
                    None if pid is None else _process_token(pid),
                ),
            )

    def last_fired(self, hook: str, trigger: str, subject: str) -> str | None:
        """Evaluation time (RFC 3339) of the latest action for this key that was started or went pending."""
        rows = self._read(
            "SELECT evaluated_at FROM actions WHERE hook = ? AND trigger = ? AND subject = ?"
            f" AND status IN ({', '.join('?' * len(FIRED_STATUSES))})"
            " ORDER BY evaluated_epoch DESC, rowid DESC LIMIT 1",
            (hook, trigger, subject, *FIRED_STATUSES),
        )
        return rows[0]["evaluated_at"] if rows else None

    def get_action(self, action_id: str) -> dict[str, Any] | None:
        """The record of this action that waits for a decision, else its latest one (runs of the
        same evaluation share action ids; each keeps its own record)."""
        rows = self._read(
            "SELECT * FROM actions WHERE id = ? ORDER BY status = 'pending' DESC, rowid DESC LIMIT 1",
            (action_id,),
        )
        return _action_row(rows[0]) if rows else None

    def pending_actions(self) -> list[dict[str, Any]]:
        """Actions waiting for a decision, oldest first."""
        rows = self._read("SELECT * FROM actions WHERE status = 'pending' ORDER BY created_at, rowid")
        return [_action_row(row) for row in rows]

    def list_actions(self, limit: int = 50) -> list[dict[str, Any]]:
        """The latest actions, newest first."""
        rows = self._read("SELECT * FROM actions ORDER BY created_at DESC, rowid DESC LIMIT ?", (limit,))
        return [_action_row(row) for row in rows]

    def decide_action(self, action_id: str, status: str, decided_at: str) -> dict[str, Any]:
        """Approve or reject a pending action; LedgerError when it is unknown or no longer pending."""
        if status not in DECISIONS:
            raise ValueError(f"a decision is approved or rejected, not {status!r}")
        parse_rfc3339(decided_at)  # ValueError on a malformed time, before anything is written
        with self._write() as db:
            found = db.execute(
                "SELECT rowid, status FROM actions WHERE id = ? ORDER BY status = 'pending' DESC, rowid DESC",
                (action_id,),
            ).fetchone()
            if found is None:
                raise LedgerError(f"no action {action_id} in the ledger {self.path}")
            if found["status"] != "pending":
                raise LedgerError(f"action {action_id} is {found['status']}, not pending")
            # Every run that planned this very action waits on the same decision: it runs once.
            db.execute(
                "UPDATE actions SET status = ?, decided_at = ? WHERE id = ? AND status = 'pending'",
                (status, decided_at, action_id),
            )
            decided = db.execute("SELECT * FROM actions WHERE rowid = ?", (found["rowid"],)).fetchone()
        return _action_row(decided)

    def integrity_check(self) -> str:
        """'ok', or SQLite's description of the damage."""
        return str(self._read("PRAGMA integrity_check")[0][0])
