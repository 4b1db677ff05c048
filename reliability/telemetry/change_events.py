"""Change events (deploys, config changes, flags) read from a file or a command's JSON output.

Every record is used, or skipped with its reason counted in the source's ReadReport (its first
few located by line and field), or counted as before the history or after the evaluation time.
"""

from __future__ import annotations

import csv
import io
import json
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from reliability.config.model import ChangeEventSource, Config
from reliability.errors import InputError
from reliability.telemetry.bad_records import BadRecords, skip_or_stop
from reliability.telemetry.report import ReadReport
from reliability.timefmt import parse_rfc3339

DEFAULT_KIND = "deploy"
MAX_TEXT = 200  # a version or description longer than this is cut: it is a label, not a log


@dataclass(frozen=True)
class ChangeEvent:
    time: int  # epoch seconds
    service: str
    kind: str
    version: str | None
    description: str | None
    source: str
    attribution_seconds: int


@dataclass(frozen=True)
class ChangeEvents:
    events: tuple[ChangeEvent, ...]  # by time
    reports: tuple[ReadReport, ...]  # one per source, as the telemetry sources have


Numbered = Iterator[tuple[int, Any]]  # (line or record number, the decoded record or an error text)


def _json_records(text: str) -> Numbered:
    """A JSON array (numbered by item) or JSON Lines (numbered by line)."""
    if text.lstrip().startswith("["):
        try:
            items = json.loads(text)
        except ValueError as exc:
            yield 1, f"not a JSON array: {exc}"
            return
        yield from enumerate(items, 1)
        return
    for number, line in enumerate(text.splitlines(), 1):
        if line.strip():
            try:
                yield number, json.loads(line)
            except ValueError as exc:
                yield number, f"not JSON: {exc}"


def _csv_records(text: str) -> Numbered:
    reader = csv.DictReader(io.StringIO(text))
    for row in reader:
        yield reader.line_num, {key: value for key, value in row.items() if value not in ("", None)}


def _command_output(source: ChangeEventSource) -> str:
    where = source.origin.location()
    try:
        done = subprocess.run(  # an argv list: never a shell
            source.command,
            cwd=source.cwd,
            capture_output=True,
            timeout=source.timeout_seconds,
            check=False,
        )
    except subprocess.TimeoutExpired:
        raise InputError(
            f"{where}: change events {source.name!r}: the command ran past its timeout "
            f"of {source.timeout_seconds:g} s"
        ) from None
    except OSError as exc:
        raise InputError(
            f"{where}: change events {source.name!r}: cannot run {source.command[0]}: {exc.strerror}"
        ) from None
    if done.returncode != 0:
        said = done.stderr.decode(errors="replace").strip()[-500:]
        raise InputError(
            f"{where}: change events {source.name!r}: the command exited with {done.returncode}"
            + (f": {said}" if said else "")
        )
    return done.stdout.decode(errors="replace")


def _read_text(source: ChangeEventSource) -> tuple[str, str]:
    """(the name records are located by, the text)."""
    if source.path is None:
        return f"output of {source.command[0]}", _command_output(source)
    try:
        return str(source.path), source.path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        why = exc.strerror if isinstance(exc, OSError) else "not UTF-8"
        raise InputError(f"{source.path}: cannot read change events: {why}") from None


def _text(record: dict[str, Any], key: str) -> str | None:
    value = record.get(key)
    return None if value is None else str(value)[:MAX_TEXT]


def _event(record: Any, source: ChangeEventSource, services: frozenset[str]) -> ChangeEvent | tuple[str, str]:
    """The change event, or (the field, why it is refused)."""
    if isinstance(record, str):
        return "", record
    if not isinstance(record, dict):
        return "", "a record must be an object"
    for key in ("time", "service"):
        if not isinstance(record.get(key), str) or not record[key].strip():
            return key, f"missing {key}" if key not in record else f"{key} must be text"
    try:
        time = parse_rfc3339(record["time"]).timestamp()
    except ValueError:
        return "time", "not an RFC 3339 time with an offset"
    if record["service"] not in services:
        return "service", "service not in the configuration"
    return ChangeEvent(
        time=int(time),
        service=record["service"],
        kind=_text(record, "kind") or DEFAULT_KIND,
        version=_text(record, "version"),
        description=_text(record, "description"),
        source=source.name,
        attribution_seconds=source.attribution_seconds,
    )


def read_source(
    source: ChangeEventSource, services: frozenset[str], start: int, end: int, strict: bool
) -> tuple[list[ChangeEvent], ReadReport]:
    """The source's change events in [start, end), epoch seconds; the others counted in the report."""
    name, text = _read_text(source)
    csv_file = source.path is not None and source.path.suffix.lower() == ".csv"
    report = ReadReport(source.name)
    bad = BadRecords(name)
    events: list[ChangeEvent] = []
    count = 0
    for number, record in _csv_records(text) if csv_file else _json_records(text):
        count += 1
        found = _event(record, source, services)
        if isinstance(found, tuple):
            where, why = found
            value = record.get(where, "") if isinstance(record, dict) else record
            bad.reject(number, why, where, value)
        elif found.time < start:
            report.before_history += 1
        elif found.time >= end:
            report.after_now += 1
        else:
            events.append(found)
    report.files[name] = count
    report.used = len(events)
    skip_or_stop(report, bad.found(), strict)
    return events, report


def load_change_events(config: Config, start: int, end: int, strict: bool = False) -> ChangeEvents:
    """Every configured source's change events in [start, end) (the history), by time."""
    services = frozenset(config.services)
    events: list[ChangeEvent] = []
    reports: list[ReadReport] = []
    for source in config.change_events:
        found, report = read_source(source, services, start, end, strict)
        events += found
        reports.append(report)
    events.sort(key=lambda e: (e.time, e.service, e.source))
    return ChangeEvents(tuple(events), tuple(reports))
