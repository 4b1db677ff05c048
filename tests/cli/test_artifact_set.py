"""A run's artifacts are published as one set: killed, failing or tampered with, readers see one whole run.

The runs here read a tiny configuration (one SLO over a day of one-minute events), so a run costs about
what starting Python and importing the package costs.
"""

from __future__ import annotations

import errno
import json
import os
import random
import shutil
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from typer.testing import CliRunner

from reliability import artifacts, ledger, pipeline
from reliability.artifacts import publication
from reliability.artifacts.manifest import sha256_of
from reliability.artifacts.run import read_run
from reliability.cli import app
from reliability.config import load_config
from reliability.conventions import ARTIFACT_FILES, MANIFEST_FILE, REPORT_FILE, Stage
from reliability.errors import EXIT_FAILURE, EXIT_UNTRUSTED_ARTIFACTS, ArtifactSetError
from reliability.timefmt import format_rfc3339

REPO = Path(__file__).resolve().parent.parent.parent
START = datetime(2026, 1, 1, tzinfo=UTC)
EVALUATED = START + timedelta(days=1)
TINY_CONFIG = """
settings:
  history: 1d
sources:
  - name: events
    type: events
    paths: [events.jsonl]
    columns:
      timestamp: {column: ts, format: unix_s}
      component: component
      status: status
services:
  - name: shop
    components:
      - name: api
        source: events
        slis:
          - {name: availability, kind: availability}
        slos:
          - {name: api-availability, sli: availability, objective: 99, window: 1d}
    slas:
      - {name: api-contract, component: api, sli: availability, target: 98,
         credits: [{below: 98, credit_percent: 10}]}
"""
KILLS = 50
runner = CliRunner()


# The example's golden artifacts (the repository's generated/ is a copy a local run may rewrite).
EXAMPLE_GENERATED = REPO / "tests" / "golden" / "example" / "expected" / "generated"


@pytest.fixture
def tiny_config(tmp_path: Path) -> Path:
    """A day of one event a minute, an error every 50 minutes: one SLO whose budget is overspent."""
    config = tmp_path / "config"
    config.mkdir()
    (config / "tiny.yaml").write_text(TINY_CONFIG, encoding="utf-8")
    start = int(START.timestamp())
    events = (
        json.dumps({"ts": start + second, "component": "api", "status": 500 if second % 3000 == 0 else 200})
        for second in range(0, 86400, 60)
    )
    (config / "events.jsonl").write_text("\n".join(events) + "\n", encoding="utf-8")
    return config


def _now(minutes_later: int) -> str:
    return format_rfc3339(EVALUATED + timedelta(minutes=minutes_later))


def _run(config: Path, out: Path, minutes_later: int = 0, *more: str) -> Any:
    return runner.invoke(app, ["run", str(config), "--out", str(out), "--now", _now(minutes_later), *more])


def _published(out: Path) -> dict[str, bytes]:
    """Every file of the folder but the ledger, byte for byte."""
    return {p.name: p.read_bytes() for p in sorted(out.iterdir()) if not p.name.startswith("ledger.sqlite")}


def _temporary_files(out: Path) -> list[str]:
    return sorted(p.name for p in out.iterdir() if p.name.endswith(".tmp"))


def _run_id(config: Path, minutes_later: int) -> str:
    evaluated_at = datetime.fromisoformat(_now(minutes_later).replace("Z", "+00:00"))
    return pipeline.run_id_of(load_config(config), int(evaluated_at.timestamp()))


def _ledger_is_intact(out: Path) -> None:
    with sqlite3.connect(out / ledger.LEDGER_FILE) as connection:
        assert connection.execute("PRAGMA integrity_check").fetchall() == [("ok",)]


# --- killed runs


def test_a_run_killed_at_any_moment_leaves_one_whole_run(tiny_config: Path, tmp_path: Path) -> None:
    """SIGKILL `reliability run` at random moments: after each kill the readers accept the folder, and it
    is the set published before or the killed run's whole set; the next finished run leaves no temporary
    file. Kills fall in the later part of a run (the first part imports and reads, writing nothing)."""
    out = tmp_path / "out"
    rng = random.Random(20261207)
    argv = [sys.executable, "-m", "reliability", "run", str(tiny_config), "--out", str(out), "--quiet"]

    def start(minutes_later: int) -> subprocess.Popen[bytes]:
        command = [*argv, "--now", _now(minutes_later)]
        return subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)

    def finished_run(minutes_later: int) -> float:
        started = time.monotonic()
        process = start(minutes_later)
        _, stderr = process.communicate()
        assert process.returncode == 0, stderr.decode()
        assert _temporary_files(out) == []
        return time.monotonic() - started

    typical_seconds = finished_run(0)
    manifest = (out / MANIFEST_FILE).read_bytes()
    kills = finished = minute = 0
    while kills < KILLS:
        minute += 1
        before = read_run(out).run_id
        process = start(minute)
        started = time.monotonic()
        try:
            process.wait(timeout=rng.uniform(0.4, 1.1) * typical_seconds)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
            kills += 1
        else:
            assert process.returncode == 0, process.stderr.read().decode() if process.stderr else ""
            assert _temporary_files(out) == []
            typical_seconds = (typical_seconds + time.monotonic() - started) / 2  # the machine's pace now
            finished += 1
        if process.stderr:
            process.stderr.close()
        now_published = read_run(out)  # refuses a mixed or partial set
        assert now_published.run_id in (before, _run_id(tiny_config, minute))
        if now_published.run_id == before:
            assert (out / MANIFEST_FILE).read_bytes() == manifest, "the previous set, byte for byte"
        manifest = (out / MANIFEST_FILE).read_bytes()
        _ledger_is_intact(out)
    finished_run(minute + 1)
    published = json.loads((out / MANIFEST_FILE).read_text(encoding="utf-8"))
    for entry in published["artifacts"]:
        assert sha256_of((out / entry["file"]).read_bytes()) == entry["sha256"]
    _ledger_is_intact(out)
    print(f"{kills} kills, {finished} runs finished between them")


def test_leftover_temporary_files_are_removed_by_the_next_run(tiny_config: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    ours = [
        ".sli-metrics.json.k3j9x2.tmp",
        ".manifest.json.0123456789abcdef.tmp",
        ".error-budgets.json.a.tmp",
        ".report.html.abc.tmp",
    ]
    theirs = [".notes.txt.x.tmp", "sli-metrics.json.tmp", ".report.json.abc.tmp"]
    for name in (*ours, *theirs):
        (out / name).write_text("left by a killed run", encoding="utf-8")
    (out / "keep").mkdir()
    (out / "keep" / ".sli-metrics.json.x.tmp").write_text("not in the output folder itself", encoding="utf-8")
    result = _run(tiny_config, out)
    assert result.exit_code == 0, result.output
    assert _temporary_files(out) == sorted(theirs)
    assert (out / "keep" / ".sli-metrics.json.x.tmp").exists()


def test_a_publication_killed_after_its_commit_is_read_and_then_completed(
    tiny_config: Path, tmp_path: Path
) -> None:
    """Killed between replacing the manifest and renaming the files: the files wait, synced, under their
    temporary names; readers take them from there and the next run renames them into place."""
    old, new = tmp_path / "old", tmp_path / "new"
    assert _run(tiny_config, old, 0).exit_code == 0
    assert _run(tiny_config, new, 1).exit_code == 0
    new_id = read_run(new).run_id
    shutil.copy2(new / MANIFEST_FILE, old / MANIFEST_FILE)  # the commit
    shutil.copy2(new / ARTIFACT_FILES[Stage.SLI], old / ARTIFACT_FILES[Stage.SLI])  # the first rename
    for stage in (Stage.TARGETS, Stage.BUDGETS, Stage.SLA):
        file = ARTIFACT_FILES[stage]
        shutil.copy2(new / file, publication.pending_path(old, file, new_id))
    assert read_run(old).run_id == new_id
    gate = runner.invoke(app, ["gate", "--artifacts", str(old), "--format", "json"])
    assert json.loads(gate.stdout)["run_id"] == new_id
    publication.finish_interrupted(old)
    assert _published(old) == _published(new)


# --- failed runs


def _fail_after_first_file(monkeypatch: pytest.MonkeyPatch) -> None:
    """The disk fills up once the first file of the set is written."""
    write = publication._write_synced
    written: list[Path] = []

    def full_disk(path: Path, data: bytes) -> None:
        if written:
            raise OSError(errno.ENOSPC, "No space left on device", str(path))
        write(path, data)
        written.append(path)

    monkeypatch.setattr(publication, "_write_synced", full_disk)


def _fail_recording_the_run(monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(*_: Any) -> None:
        raise ledger.LedgerError("database or disk is full")

    monkeypatch.setattr(ledger.Ledger, "finish_run", broken)


@pytest.mark.parametrize(
    ("failure", "message"),
    [
        (_fail_after_first_file, "error: {out}: cannot write the artifacts: No space left on device"),
        (_fail_recording_the_run, "database or disk is full"),
    ],
    ids=["disk-full", "ledger-fails"],
)
def test_a_failed_run_leaves_the_published_set_byte_for_byte(
    tiny_config: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    failure: Callable[[pytest.MonkeyPatch], None],
    message: str,
) -> None:
    out = tmp_path / "out"
    assert _run(tiny_config, out, 0).exit_code == 0
    before = _published(out)
    verdict = runner.invoke(app, ["gate", "--artifacts", str(out), "--format", "json"])
    failure(monkeypatch)
    result = _run(tiny_config, out, 90)
    assert result.exit_code == EXIT_FAILURE
    assert message.format(out=out) in result.output
    assert _published(out) == before
    assert _temporary_files(out) == []
    after = runner.invoke(app, ["gate", "--artifacts", str(out), "--format", "json"])
    assert (after.exit_code, after.stdout) == (verdict.exit_code, verdict.stdout)


# --- readers refuse what is not one published run


@pytest.fixture
def two_runs(tiny_config: Path, tmp_path: Path) -> tuple[Path, Path]:
    first, second = tmp_path / "first", tmp_path / "second"
    assert _run(tiny_config, first, 0).exit_code == 0
    assert _run(tiny_config, second, 60).exit_code == 0
    return first, second


# Every command that reads a published set; each refuses a mixed or changed one with exit 2.
READERS = [["gate"], ["explain", "shop/api-availability", "sli"], ["report"]]


@pytest.mark.parametrize("command", READERS, ids=[c[0] for c in READERS])
def test_readers_refuse_an_artifact_of_another_run(two_runs: tuple[Path, Path], command: list[str]) -> None:
    first, second = two_runs
    budgets = ARTIFACT_FILES[Stage.BUDGETS]
    shutil.copy2(second / budgets, first / budgets)
    result = runner.invoke(app, [*command, "--artifacts", str(first)])
    assert result.exit_code == EXIT_UNTRUSTED_ARTIFACTS
    other, published = read_run(second).run_id, json.loads((first / MANIFEST_FILE).read_text())["run_id"]
    assert result.stderr.startswith(
        f"error: {first}: {budgets} and {MANIFEST_FILE} are from different runs ({other} and {published})"
    )
    assert not (first / "report.html").exists()


def _changed(path: Path) -> str:
    published = path.read_text(encoding="utf-8")
    path.write_text(published.replace('"state": "freeze"', '"state": "ok"'), encoding="utf-8")
    assert path.read_text(encoding="utf-8") != published
    artifacts.check("error-budgets", artifacts.read(path))  # still a valid artifact, of the same run
    return f"does not match {MANIFEST_FILE}: changed after run"


def _truncated(path: Path) -> str:
    published = path.read_bytes()
    path.write_bytes(published[: len(published) // 2])  # no longer JSON: still a changed set, exit 2
    return f"does not match {MANIFEST_FILE}: changed after run"


def _removed(path: Path) -> str:
    path.unlink()
    return f"no such artifact, though {MANIFEST_FILE} publishes it"


@pytest.mark.parametrize("spoil", [_changed, _truncated, _removed], ids=["changed", "truncated", "removed"])
@pytest.mark.parametrize("command", READERS, ids=[c[0] for c in READERS])
def test_readers_refuse_an_artifact_changed_or_removed_after_publication(
    two_runs: tuple[Path, Path], command: list[str], spoil: Callable[[Path], str]
) -> None:
    first, _ = two_runs
    path = first / ARTIFACT_FILES[Stage.BUDGETS]
    message = spoil(path)
    result = runner.invoke(app, [*command, "--artifacts", str(first)])
    assert result.exit_code == EXIT_UNTRUSTED_ARTIFACTS
    assert result.stderr.startswith(f"error: {path}: {message}")


def test_readers_refuse_artifacts_without_their_manifest(two_runs: tuple[Path, Path]) -> None:
    first, _ = two_runs
    (first / MANIFEST_FILE).unlink()
    result = runner.invoke(app, ["gate", "--artifacts", str(first)])
    assert result.exit_code == 2
    assert result.stderr.startswith(
        f"error: {first / MANIFEST_FILE}: no such file: the artifacts beside it were not published as one set"
    )


def test_an_artifact_a_shorter_run_did_not_publish_is_not_read(tiny_config: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    assert _run(tiny_config, out, 0).exit_code == 0
    assert _run(tiny_config, out, 5, "--until", "sli").exit_code == 0
    assert (out / ARTIFACT_FILES[Stage.BUDGETS]).exists()  # the older run's, left as it was
    result = runner.invoke(app, ["gate", "--artifacts", str(out)])
    assert result.exit_code == 2
    assert f"{ARTIFACT_FILES[Stage.BUDGETS]}: not in the set {MANIFEST_FILE} publishes" in result.stderr


# --- the manifest


def test_the_manifest_schema_is_valid_and_closed() -> None:
    schema = artifacts.schema("manifest")
    jsonschema.Draft202012Validator.check_schema(schema)
    assert schema["title"] and schema["description"]
    assert schema["additionalProperties"] is False
    assert schema["$defs"]["published_file"]["additionalProperties"] is False
    published = [*ARTIFACT_FILES.values(), REPORT_FILE]
    assert schema["$defs"]["published_file"]["properties"]["file"]["enum"] == published


def test_the_committed_example_is_one_published_set() -> None:
    """The repository's generated/ (the example's expected files) with its manifest, as a run and then
    `reliability report` leave it."""
    manifest = artifacts.read(EXAMPLE_GENERATED / MANIFEST_FILE)
    assert artifacts.problems("manifest", manifest) == []
    assert [entry["file"] for entry in manifest["artifacts"]] == [*ARTIFACT_FILES.values(), REPORT_FILE]
    assert read_run(EXAMPLE_GENERATED).run_id == manifest["run_id"]
    report = sha256_of((EXAMPLE_GENERATED / REPORT_FILE).read_bytes())
    assert _manifest_entries(EXAMPLE_GENERATED)[REPORT_FILE] == report


# --- the HTML report and the metrics textfile


def _manifest_entries(out: Path) -> dict[str, str]:
    manifest = json.loads((out / MANIFEST_FILE).read_text(encoding="utf-8"))
    return {entry["file"]: entry["sha256"] for entry in manifest["artifacts"]}


def test_run_html_publishes_the_report_with_its_artifacts(tiny_config: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = _run(tiny_config, out, 0, "--html")
    assert result.exit_code == 0, result.output
    assert f"{out / REPORT_FILE}, {out / MANIFEST_FILE}" in result.stdout
    report = (out / REPORT_FILE).read_bytes()
    assert _manifest_entries(out)[REPORT_FILE] == sha256_of(report)
    assert f"run {read_run(out).run_id}".encode() in report  # the page names the run it shows
    assert _temporary_files(out) == []


def test_the_report_command_adds_the_report_to_the_set_it_renders(tiny_config: Path, tmp_path: Path) -> None:
    out, elsewhere = tmp_path / "out", tmp_path / "pages" / "shop.html"
    assert _run(tiny_config, out, 0).exit_code == 0
    artifact_entries = _manifest_entries(out)
    assert REPORT_FILE not in artifact_entries
    assert runner.invoke(app, ["report", "--artifacts", str(out), "--out", str(elsewhere)]).exit_code == 0
    assert (
        elsewhere.is_file() and _manifest_entries(out) == artifact_entries
    )  # not in the folder: not in the set
    result = runner.invoke(app, ["report", "--artifacts", str(out)])
    assert result.exit_code == 0, result.output
    assert _manifest_entries(out) == artifact_entries | {
        REPORT_FILE: sha256_of((out / REPORT_FILE).read_bytes())
    }
    assert read_run(out).run_id == json.loads((out / MANIFEST_FILE).read_text())["run_id"]
    assert _temporary_files(out) == []


def test_a_set_published_without_the_report_removes_the_stale_one(tiny_config: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    assert _run(tiny_config, out, 0, "--html").exit_code == 0
    assert _run(tiny_config, out, 1).exit_code == 0
    assert not (out / REPORT_FILE).exists()  # it showed a run no longer published
    assert REPORT_FILE not in _manifest_entries(out)


def test_a_report_of_a_set_replaced_meanwhile_is_not_published(tiny_config: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    assert _run(tiny_config, out, 0).exit_code == 0
    older = read_run(out).run_id
    assert _run(tiny_config, out, 1).exit_code == 0
    before = _published(out)
    with pytest.raises(
        ArtifactSetError, match=f"the published set changed while {REPORT_FILE} of run {older}"
    ):
        publication.add_to_published(out, older, REPORT_FILE, "<!DOCTYPE html>")
    assert _published(out) == before
    assert _temporary_files(out) == []


def test_a_failed_run_keeps_the_published_report(
    tiny_config: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "out"
    assert _run(tiny_config, out, 0, "--html").exit_code == 0
    before = _published(out)
    _fail_after_first_file(monkeypatch)
    assert _run(tiny_config, out, 1, "--html").exit_code == EXIT_FAILURE
    assert _published(out) == before and REPORT_FILE in before


def test_a_textfile_that_cannot_be_written_is_left_as_it_was(
    tiny_config: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out, textfile = tmp_path / "out", tmp_path / "node" / "reliability.prom"
    textfile.parent.mkdir()
    textfile.write_text("# the previous run's metrics\n", encoding="utf-8")

    replace = os.replace

    def full_disk_for_the_textfile(source: str, target: str | Path) -> None:
        if str(target).endswith(".prom"):  # the metrics, not the artifacts published before them
            raise OSError(errno.ENOSPC, "No space left on device")
        replace(source, target)

    monkeypatch.setattr(artifacts.publish.os, "replace", full_disk_for_the_textfile)
    result = _run(tiny_config, out, 0, "--no-ledger", "--textfile", str(textfile))
    assert result.exit_code == EXIT_FAILURE
    assert result.stderr.startswith(f"error: {textfile}: cannot write it: No space left on device")
    assert textfile.read_text(encoding="utf-8") == "# the previous run's metrics\n"
    assert [p.name for p in textfile.parent.iterdir()] == [textfile.name]  # no temporary file left
