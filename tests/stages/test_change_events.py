"""Change events read from files and commands: the formats, bad records located and counted, errors."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
from support.configs import component, service, slo, write_config

from reliability.config import load_config
from reliability.config.model import Config
from reliability.errors import ConfigError, InputError
from reliability.telemetry.change_events import load_change_events
from reliability.timefmt import parse_rfc3339

START = int(parse_rfc3339("2026-11-01T00:00:00Z").timestamp())
END = int(parse_rfc3339("2026-11-05T12:00:00Z").timestamp())
DEPLOY = {"time": "2026-11-05T10:00:00Z", "service": "shop", "kind": "deploy", "version": "v1.4.2"}


def _config(folder: Path, *change_events: dict[str, object]) -> Config:
    (folder / "events.csv").write_text("ts,comp,status\n2026-11-05T10:00:00Z,web,200\n")
    shop = service("shop", component("web", slo("web-availability")))
    return load_config(write_config(folder, shop, change_events=list(change_events)))


def test_json_lines_are_read_with_their_defaults(tmp_path: Path) -> None:
    flag = {"time": "2026-11-04T08:00:00+01:00", "service": "shop", "description": "new checkout on"}
    (tmp_path / "deploys.jsonl").write_text(
        f"{json.dumps(DEPLOY)}\n\n{json.dumps(flag | {'kind': 'flag'})}\n"
    )
    config = _config(tmp_path, {"name": "deploys", "file": "deploys.jsonl", "attribution_window": "30m"})
    found = load_change_events(config, START, END)
    assert [(e.kind, e.version, e.time) for e in found.events] == [
        ("flag", None, int(parse_rfc3339("2026-11-04T07:00:00Z").timestamp())),
        ("deploy", "v1.4.2", int(parse_rfc3339(DEPLOY["time"]).timestamp())),
    ]
    assert {e.attribution_seconds for e in found.events} == {1800}
    (report,) = found.reports
    assert (report.source, report.records, report.used, report.skipped_total) == ("deploys", 2, 2, 0)


def test_a_json_array_and_csv_read_alike(tmp_path: Path) -> None:
    (tmp_path / "deploys.json").write_text(json.dumps([DEPLOY]))
    (tmp_path / "deploys.csv").write_text(
        "time,service,kind,version,description\n2026-11-05T10:00:00Z,shop,,v1.4.2,\n"
    )
    config = _config(
        tmp_path, {"name": "as-json", "file": "deploys.json"}, {"name": "as-csv", "file": "deploys.csv"}
    )
    events = load_change_events(config, START, END).events
    assert [(e.source, e.kind, e.version, e.description) for e in events] == [
        ("as-csv", "deploy", "v1.4.2", None),
        ("as-json", "deploy", "v1.4.2", None),
    ]
    assert {e.attribution_seconds for e in events} == {7200}  # the default window


def test_bad_records_are_skipped_counted_and_located(tmp_path: Path) -> None:
    lines = [
        json.dumps(DEPLOY),
        json.dumps({"service": "shop"}),
        json.dumps(DEPLOY | {"time": "2026-11-05 10:00"}),
        json.dumps(DEPLOY | {"service": "billing"}),
        "{not json",
        json.dumps(DEPLOY | {"time": "2026-10-01T00:00:00Z"}),
        json.dumps(DEPLOY | {"time": "2026-11-06T00:00:00Z"}),
    ]
    (tmp_path / "deploys.jsonl").write_text("\n".join(lines) + "\n")
    config = _config(tmp_path, {"name": "deploys", "file": "deploys.jsonl"})
    found = load_change_events(config, START, END)
    (report,) = found.reports
    assert len(found.events) == 1
    assert (report.records, report.used, report.before_history, report.after_now) == (7, 1, 1, 1)
    assert report.skipped_total == 4
    located = {(e.line, e.field, e.reason) for e in report.examples}
    assert (2, "time", "missing time") in located
    assert (3, "time", "not an RFC 3339 time with an offset") in located
    assert (4, "service", "service not in the configuration") in located
    assert any(line == 5 and reason.startswith("not JSON") for line, _, reason in located)
    assert all(e.file == str(tmp_path / "deploys.jsonl") for e in report.examples)


def test_strict_stops_at_the_first_bad_record(tmp_path: Path) -> None:
    (tmp_path / "deploys.jsonl").write_text(
        json.dumps(DEPLOY) + "\n" + json.dumps({"service": "shop"}) + "\n"
    )
    config = _config(tmp_path, {"name": "deploys", "file": "deploys.jsonl"})
    with pytest.raises(InputError, match=r"deploys.jsonl:2: time: missing time"):
        load_change_events(config, START, END, strict=True)


def test_a_command_prints_them_as_json_lines(tmp_path: Path) -> None:
    script = tmp_path / "deploys.py"
    script.write_text(f"import json\nprint(json.dumps({DEPLOY!r}))\n")
    config = _config(tmp_path, {"name": "ci", "command": [sys.executable, "deploys.py"], "timeout": "20s"})
    (event,) = load_change_events(config, START, END).events
    assert (event.source, event.version) == ("ci", "v1.4.2")


def test_a_failing_command_is_an_error_naming_its_config_line(tmp_path: Path) -> None:
    failing = [sys.executable, "-c", "import sys; sys.exit('no deploy API')"]
    config = _config(tmp_path, {"name": "ci", "command": failing})
    with pytest.raises(
        InputError, match=r"config.yaml:\d+: change events 'ci': .*exited with 1: no deploy API"
    ):
        load_change_events(config, START, END)


def test_a_command_past_its_timeout_is_stopped(tmp_path: Path) -> None:
    hanging = [sys.executable, "-c", "import threading; threading.Event().wait()"]
    config = _config(tmp_path, {"name": "ci", "command": hanging, "timeout": "1s"})
    with pytest.raises(InputError, match="ran past its timeout of 1 s"):
        load_change_events(config, START, END)


@pytest.mark.parametrize(
    ("source", "message"),
    [
        ({"name": "deploys", "file": "missing.jsonl"}, "change_events[0].file: 'missing.jsonl'"),
        ({"name": "deploys", "file": "deploys.txt"}, "the name must end in .jsonl"),
        ({"name": "deploys"}, "need exactly one of `file` and `command`"),
        ({"name": "deploys", "file": "d.jsonl", "command": ["true"]}, "exactly one of"),
        ({"name": "deploys", "command": ["true"], "attribution_window": "90s"}, "whole minutes"),
    ],
)
def test_config_problems_are_located(tmp_path: Path, source: dict[str, object], message: str) -> None:
    (tmp_path / "deploys.txt").write_text("")
    (tmp_path / "d.jsonl").write_text("")
    with pytest.raises(ConfigError) as raised:
        _config(tmp_path, source)
    assert message in str(raised.value), raised.value
