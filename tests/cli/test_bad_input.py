"""Bad telemetry and bad configuration: a clear message, the right exit code, nothing dropped silently,
and no artifact left torn by a failed run."""

from __future__ import annotations

import dataclasses
import json
import re
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from typer.testing import CliRunner

from reliability.cli import app
from reliability.config import load_config
from reliability.config.model import ColumnMapping, EventSource, LatencyColumns, Origin, TimestampFormat
from reliability.core.events import EventColumns
from reliability.core.latency_sketch import percentiles_of
from reliability.errors import EXIT_BAD_INPUT, EXIT_INVALID_CONFIG, InputError
from reliability.pipeline import evaluation_grid
from reliability.telemetry.event_files import read_events
from reliability.telemetry.ingest import load_telemetry
from reliability.telemetry.report import ReadReport

T0 = 1_704_067_200  # 2024-01-01T00:00:00Z
NOW = "2024-01-01T12:00:00Z"
runner = CliRunner()

CSV_COLUMNS = "ts,component,status,latency_ms"
CSV_OK = "1704067200,catalog,200,12\n1704067260,search,500,40\n1704067320,catalog,200,8\n"

CONFIG = """\
settings:
  history: 1d
sources:
  - name: web
    type: events
    paths: [events.csv]
    columns:
      timestamp: {column: ts, format: unix_s}
      component: component
      status: status
      latency: {column: latency_ms, unit: ms}
services:
  - name: shop
    components:
      - name: catalog
        source: web
        slis:
          - name: availability
            kind: availability
          - name: latency
            kind: latency
            threshold: 300ms
        slos:
          - name: catalog-availability
            sli: availability
            objective: 99.9
            window: 1d
      - name: search
        source: web
        slis:
          - name: availability
            kind: availability
    slas:
      - name: catalog-contract
        component: catalog
        sli: availability
        target: 99.5
"""


def write(path: Path, text: str) -> Path:
    path.write_text(text)
    return path


def csv_source(path: Path, **latency: Any) -> EventSource:
    mapping = ColumnMapping(
        timestamp="ts",
        timestamp_format=TimestampFormat.UNIX_S,
        component="component",
        status="status",
        latency=LatencyColumns(**(latency or {"column": "latency_ms", "unit": "ms"})),
    )
    return EventSource("web", (path,), None, mapping, None, Origin("config.yaml", 1))


def jsonl_source(path: Path) -> EventSource:
    mapping = ColumnMapping(
        timestamp="ts",
        component="component",
        status="status",
        latency=LatencyColumns(column="lat", unit="s"),
    )
    return EventSource("api", (path,), None, mapping, None, Origin("config.yaml", 1))


def read(src: EventSource, *, strict: bool = False) -> tuple[EventColumns | None, ReadReport]:
    report = ReadReport(src.name)
    chunks = list(read_events(src, ["catalog", "search"], report, strict=strict))
    events = None
    if chunks:
        names = [f.name for f in dataclasses.fields(EventColumns)]
        events = EventColumns(*(np.concatenate([getattr(c, n) for c in chunks]) for n in names))
    used = 0 if events is None else len(events)
    assert report.records == used + report.skipped_total + report.filtered_out  # nothing vanishes
    return events, report


def examples(report: ReadReport) -> list[tuple[str, int, str, str, str]]:
    return sorted((e.file, e.line, e.reason, e.field, e.value) for e in report.examples)


def strict_error(src: EventSource) -> InputError:
    with pytest.raises(InputError) as caught:
        read(src, strict=True)
    assert caught.value.exit_code == EXIT_BAD_INPUT
    assert len(caught.value.problems) == 1
    return caught.value


def stderr_lines(result: Any) -> list[str]:
    return result.stderr.splitlines()


# --- malformed records -----------------------------------------------------------------------------


def test_csv_line_with_the_wrong_field_count(tmp_path: Path) -> None:
    path = write(
        tmp_path / "events.csv",
        f"{CSV_COLUMNS}\n1704067200,catalog,200,12\n1704067201,catalog,200\n\n1704067202,search,200,5,6\n"
        "1704067203,search,503,9\n",
    )
    events, report = read(csv_source(path))
    assert events is not None and events.timestamp.tolist() == [T0, T0 + 3]
    assert report.skipped == {"malformed record": 2}
    assert examples(report) == [
        (str(path), 3, "malformed record", "", "expected 4 fields, found 3"),
        (str(path), 5, "malformed record", "", "expected 4 fields, found 5"),
    ]
    error = strict_error(csv_source(path))
    assert f"{path}:3:" in str(error)
    assert "malformed record" in str(error) and "--strict" in str(error)
    assert error.problems[0].line == 3 and error.problems[0].file == str(path)


@pytest.mark.parametrize(
    ("bad", "detail"),
    [
        ('{"ts": "2024-01-01T00:00:01Z", "component": "catalog"', "invalid JSON"),
        ("[1, 2, 3]", "not a JSON object"),
        ('"catalog"', "not a JSON object"),
        (
            '{"ts": "2024-01-01T00:00:01Z", "component": "catalog"} {"ts": "2024-01-01T00:00:02Z"}',
            "invalid JSON",
        ),
    ],
)
def test_malformed_jsonl_line(tmp_path: Path, bad: str, detail: str) -> None:
    good = '{"ts": "2024-01-01T00:00:00Z", "component": "catalog", "status": 200, "lat": 0.1}'
    path = write(tmp_path / "events.jsonl", f"{good}\n\n{bad}\n{good}\n")
    events, report = read(jsonl_source(path))
    assert events is not None and events.timestamp.tolist() == [T0, T0]
    assert report.skipped == {"malformed record": 1}
    assert report.files == {str(path): 3}
    [example] = report.examples
    assert (example.file, example.line, example.reason) == (str(path), 3, "malformed record")
    assert example.value.startswith(detail)
    error = strict_error(jsonl_source(path))
    assert f"{path}:3:" in str(error) and detail in str(error)


def test_strict_reports_the_first_bad_record_of_the_file(tmp_path: Path) -> None:
    # Line 3 has a bad value and line 5 cannot be parsed at all: line 3 is the first bad record.
    path = write(
        tmp_path / "events.csv",
        f"{CSV_COLUMNS}\n1704067200,catalog,200,1\n1704067201,catalog,abc,1\n1704067202,search,500,1\n"
        "1704067203,search\n",
    )
    error = strict_error(csv_source(path))
    assert error.problems[0].line == 3
    assert f"{path}:3: status: invalid status ('abc')" in str(error)
    jsonl = write(
        tmp_path / "events.jsonl",
        '{"ts": "2024-01-01T00:00:00Z", "component": "cart"}\n[]\n',
    )
    error = strict_error(jsonl_source(jsonl))
    assert f"{jsonl}:1: component: unknown component ('cart')" in str(error)


# --- missing column --------------------------------------------------------------------------------


def test_missing_csv_column_names_the_file_and_the_column(tmp_path: Path) -> None:
    path = write(tmp_path / "events.csv", f"ts,component,status\n{CSV_OK.replace(',12', '')}")
    with pytest.raises(InputError) as caught:
        read(csv_source(path))
    message = str(caught.value)
    assert message.startswith(f"{path}:1: latency_ms: missing column(s) 'latency_ms'")
    assert "the header has ts, component, status" in message
    assert caught.value.problems[0].field == "latency_ms"


def test_missing_csv_column_through_the_cli(tmp_path: Path) -> None:
    write(tmp_path / "config.yaml", CONFIG)
    data = write(tmp_path / "events.csv", "ts,component,latency_ms\n1704067200,catalog,12\n")
    result = runner.invoke(
        app, ["run", str(tmp_path / "config.yaml"), "--out", str(tmp_path / "out"), "--now", NOW]
    )
    assert result.exit_code == EXIT_BAD_INPUT
    assert stderr_lines(result) == [
        f"error: {data}:1: status: missing column(s) 'status'; the header has " + "ts, component, latency_ms"
    ]
    assert "Traceback" not in result.output
    assert result.stdout == ""
    # Only the ledger, recording the failed run; no artifact.
    assert [p.name for p in (tmp_path / "out").iterdir()] == ["ledger.sqlite"]


# --- bad values ------------------------------------------------------------------------------------


def test_unknown_components_are_counted_with_examples(tmp_path: Path) -> None:
    path = write(
        tmp_path / "events.csv",
        f"{CSV_COLUMNS}\n1704067200,catalog,200,1\n1704067201,cart,200,1\n1704067202,Catalog,200,1\n"
        "1704067203,,200,1\n",
    )
    events, report = read(csv_source(path))
    assert events is not None and events.component.tolist() == [0]
    assert report.skipped == {"unknown component": 3}
    assert examples(report) == [
        (str(path), 3, "unknown component", "component", "cart"),
        (str(path), 4, "unknown component", "component", "Catalog"),
        (str(path), 5, "unknown component", "component", "(empty)"),
    ]


def test_negative_and_nan_latency_and_bad_timestamps_in_csv(tmp_path: Path) -> None:
    path = write(
        tmp_path / "events.csv",
        f"{CSV_COLUMNS}\n"
        "1704067200,catalog,200,12\n"  # 2 ok
        "1704067201,catalog,200,-5\n"  # 3
        "1704067202,catalog,200,NaN\n"  # 4
        "1704067203,search,200,nan\n"  # 5
        "1704067204,search,200,\n"  # 6 ok: an event without latency
        "yesterday,search,200,3\n"  # 7
        "1704067206,search,200,slow\n"  # 8
        "1704067207,search,200,-0.5\n",  # 9
    )
    events, report = read(csv_source(path))
    assert events is not None and events.timestamp.tolist() == [T0, T0 + 4]
    assert report.skipped == {
        "negative latency": 2,
        "NaN latency": 2,
        "invalid timestamp": 1,
        "invalid latency": 1,
    }
    assert examples(report)[:5] == [
        (str(path), 3, "negative latency", "latency_ms", "-5"),
        (str(path), 4, "NaN latency", "latency_ms", "NaN"),
        (str(path), 5, "NaN latency", "latency_ms", "nan"),
        (str(path), 7, "invalid timestamp", "ts", "yesterday"),
        (str(path), 8, "invalid latency", "latency_ms", "slow"),
    ]


def test_negative_and_nan_latency_in_jsonl(tmp_path: Path) -> None:
    records = [
        {"ts": "2024-01-01T00:00:00Z", "component": "catalog", "status": 200, "lat": 0.5},
        {"ts": "2024-01-01T00:00:01Z", "component": "catalog", "status": 200, "lat": -0.1},
        {"ts": "2024-01-01T00:00:02Z", "component": "catalog", "status": 200, "lat": float("nan")},
        {"ts": "2024-01-01T00:00:03Z", "component": "catalog", "status": 200, "lat": "NaN"},
        {"ts": "2024-01-32T00:00:00Z", "component": "catalog", "status": 200, "lat": 0.1},
    ]
    path = write(tmp_path / "events.jsonl", "".join(json.dumps(r) + "\n" for r in records))
    events, report = read(jsonl_source(path))
    assert events is not None and events.latency.tolist() == [0.5]
    assert report.skipped == {"negative latency": 1, "NaN latency": 2, "invalid timestamp": 1}
    assert [line for _, line, *_ in examples(report)] == [2, 3, 4, 5]


def test_negative_latency_from_start_and_end(tmp_path: Path) -> None:
    path = write(
        tmp_path / "events.csv",
        "ts,component,status,start,end\n"
        "1704067200,catalog,200,1704067200,1704067200.25\n"
        "1704067201,catalog,200,1704067201,1704067200\n",
    )
    events, report = read(csv_source(path, start="start", end="end"))
    assert events is not None and events.latency.tolist() == [0.25]
    assert examples(report) == [(str(path), 3, "negative latency", "end", "1704067200")]


@pytest.mark.parametrize(
    ("row", "message"),
    [
        ("1704067201,catalog,200,-5", "latency_ms: negative latency ('-5')"),
        ("1704067201,catalog,200,NaN", "latency_ms: NaN latency ('NaN')"),
        ("soon,catalog,200,5", "ts: invalid timestamp ('soon')"),
        ("1704067201,basket,200,5", "component: unknown component ('basket')"),
    ],
)
def test_strict_stops_on_a_bad_value(tmp_path: Path, row: str, message: str) -> None:
    path = write(tmp_path / "events.csv", f"{CSV_COLUMNS}\n1704067200,catalog,200,1\n\n{row}\n")
    error = strict_error(csv_source(path))
    assert f"{path}:4: {message}" in str(error)


# --- order -----------------------------------------------------------------------------------------


def test_out_of_order_timestamps_are_accepted_and_counted(tmp_path: Path) -> None:
    rng = np.random.default_rng(7)
    n = 400
    stamps = T0 + np.sort(rng.integers(0, 6 * 3600, n))
    components = rng.choice(["catalog", "search"], n)
    statuses = rng.choice([200, 200, 200, 503], n)
    latencies = rng.integers(1, 900, n)
    rows = [
        f"{t},{c},{s},{lat}" for t, c, s, lat in zip(stamps, components, statuses, latencies, strict=True)
    ]
    shuffled_order = rng.permutation(n)

    def telemetry(folder: Path, order: np.ndarray) -> Any:
        folder.mkdir()
        write(folder / "config.yaml", CONFIG)
        write(folder / "events.csv", CSV_COLUMNS + "\n" + "".join(rows[i] + "\n" for i in order))
        config = load_config(folder / "config.yaml")
        grid = evaluation_grid(config, T0 + 12 * 3600)
        return load_telemetry(config, grid)

    in_order = telemetry(tmp_path / "sorted", np.arange(n))
    shuffled = telemetry(tmp_path / "shuffled", shuffled_order)
    [sorted_report], [shuffled_report] = in_order.reports, shuffled.reports
    assert sorted_report.out_of_order == 0
    expected = int(np.count_nonzero(np.diff(stamps[shuffled_order]) < 0))
    assert expected > 100
    assert shuffled_report.out_of_order == expected
    assert shuffled_report.used == sorted_report.used == n
    assert shuffled_report.skipped_total == 0
    for a, b in zip(in_order.series, shuffled.series, strict=True):
        assert a.component.id == b.component.id
        for name in a.slis:
            np.testing.assert_array_equal(a.slis[name].good, b.slis[name].good)
            np.testing.assert_array_equal(a.slis[name].total, b.slis[name].total)
        assert int(a.slis["availability"].total.sum()) > 0
        sa, sb = a.latency_sketch, b.latency_sketch
        assert sa is not None and sb is not None
        for first in range(0, sa.minutes, 7):  # every window ending now that starts at a 7th minute
            assert percentiles_of(sa.between(first, sa.minutes), sa.lowest_bucket) == percentiles_of(
                sb.between(first, sb.minutes), sb.lowest_bucket
            )
        assert percentiles_of(sa.between(0, sa.minutes), sa.lowest_bucket).count > 0


# --- invalid configuration -------------------------------------------------------------------------


def test_validate_lists_every_schema_problem_with_file_line_and_key_path(tmp_path: Path) -> None:
    text = CONFIG.replace("            window: 1d\n", "            windw: 1d\n").replace(
        "target: 99.5", "target: high"
    )
    path = write(tmp_path / "config.yaml", text)
    write(tmp_path / "events.csv", f"{CSV_COLUMNS}\n{CSV_OK}")
    result = runner.invoke(app, ["validate", str(path)])
    assert result.exit_code == EXIT_INVALID_CONFIG
    lines = stderr_lines(result)
    typo_line = 1 + text.splitlines().index("            windw: 1d")
    target_line = 1 + text.splitlines().index("        target: high")
    assert len(lines) == 3 and lines[-1] == "2 problem(s) found"
    assert lines[0] == (
        f"{path}:{typo_line}: services[0].components[0].slos[0].windw: "
        "unknown key 'windw'; did you mean 'window'?"
    )
    assert lines[1].startswith(f"{path}:{target_line}: services[0].slas[0].target: 'high' ")
    assert result.stdout == ""
    assert "Traceback" not in result.output


def test_validate_reports_an_unknown_source_reference(tmp_path: Path) -> None:
    text = CONFIG.replace(
        "      - name: search\n        source: web", "      - name: search\n        source: wbe"
    )
    path = write(tmp_path / "config.yaml", text)
    write(tmp_path / "events.csv", f"{CSV_COLUMNS}\n{CSV_OK}")
    result = runner.invoke(app, ["validate", str(path)])
    assert result.exit_code == EXIT_INVALID_CONFIG
    component_line = 1 + text.splitlines().index("      - name: search")
    [problem, total] = stderr_lines(result)
    assert re.fullmatch(
        rf"{re.escape(str(path))}:({component_line}|{component_line + 1}): "
        r"(services\[0\]\.components\[1\]\.)?source: component shop/search uses unknown source 'wbe'; "
        r"did you mean 'web'\?",
        problem,
    ), problem
    assert total == "1 problem(s) found"


def test_validate_accepts_the_valid_config(tmp_path: Path) -> None:
    path = write(tmp_path / "config.yaml", CONFIG)
    write(tmp_path / "events.csv", f"{CSV_COLUMNS}\n{CSV_OK}")
    result = runner.invoke(app, ["validate", str(path)])
    assert result.exit_code == 0, result.output
    assert "valid (1 file(s), 1 service(s), 2 component(s), 1 SLO(s), 1 SLA(s), 0 hook(s))" in result.stdout


@pytest.mark.parametrize(
    ("old", "new", "says"),
    [
        (
            "            window: 1d\n",
            "            windw: 1d\n",
            "unknown key 'windw'; did you mean 'window'?",
        ),
        ("target: 99.5", "target: high", "'high' is not of type 'number'"),
        ("      - name: search\n        source: web", "      - name: search\n        source: wbe", "'wbe'"),
        ("      status: status\n", "      status: [status]\n", "['status'] is not of type 'string'"),
    ],
)
def test_run_with_an_invalid_config_is_one_line(tmp_path: Path, old: str, new: str, says: str) -> None:
    assert old in CONFIG
    path = write(tmp_path / "config.yaml", CONFIG.replace(old, new))
    write(tmp_path / "events.csv", f"{CSV_COLUMNS}\n{CSV_OK}")
    result = runner.invoke(app, ["run", str(path), "--out", str(tmp_path / "out"), "--now", NOW])
    assert result.exit_code == EXIT_INVALID_CONFIG
    assert "Traceback" not in result.output
    [line] = stderr_lines(result)  # one problem: no hint to --verbose needed
    assert line.startswith(f"error: invalid configuration: {path}:")
    assert says in line
    assert result.stdout == ""
    assert not (tmp_path / "out").exists()


def test_run_with_several_config_problems_points_to_verbose(tmp_path: Path) -> None:
    text = CONFIG.replace("            window: 1d\n", "            windw: 1d\n").replace(
        "target: 99.5", "target: high"
    )
    path = write(tmp_path / "config.yaml", text)
    write(tmp_path / "events.csv", f"{CSV_COLUMNS}\n{CSV_OK}")
    result = runner.invoke(app, ["run", str(path), "--out", str(tmp_path / "out"), "--now", NOW])
    assert result.exit_code == EXIT_INVALID_CONFIG
    first, hint = stderr_lines(result)
    assert first.startswith(f"error: invalid configuration: {path}:") and first.endswith(
        "(and 1 more problem)"
    )
    assert hint == "  (run with --verbose to see every problem)"
    verbose = runner.invoke(
        app, ["run", str(path), "--out", str(tmp_path / "out"), "--now", NOW, "--verbose"]
    )
    assert verbose.exit_code == EXIT_INVALID_CONFIG
    assert len(stderr_lines(verbose)) == 3
    assert "Traceback" not in result.output + verbose.output


# --- whole runs ------------------------------------------------------------------------------------


def test_skipped_records_are_reported_by_a_run(tmp_path: Path) -> None:
    write(tmp_path / "config.yaml", CONFIG)
    data = write(
        tmp_path / "events.csv", f"{CSV_COLUMNS}\n{CSV_OK}1704067400,cart,200,1\n1704067401,catalog,200\n"
    )
    out = tmp_path / "out"
    result = runner.invoke(app, ["run", str(tmp_path / "config.yaml"), "--out", str(out), "--now", NOW])
    assert result.exit_code == 0, result.output
    assert "web: 5 records, 3 used, 2 skipped (malformed record: 1, unknown component: 1)" in result.stdout
    assert f"  {data}:5: unknown component in component: cart" in result.stdout
    assert f"  {data}:6: malformed record: expected 4 fields, found 3" in result.stdout
    [entry] = json.loads((out / "sli-metrics.json").read_text())["inputs"]
    assert entry["records"] == 5 and entry["used"] == 3 and entry["skipped_total"] == 2


def test_a_failed_run_leaves_the_artifacts_untouched(tmp_path: Path) -> None:
    config = write(tmp_path / "config.yaml", CONFIG)
    data = write(tmp_path / "events.csv", f"{CSV_COLUMNS}\n{CSV_OK}")
    out = tmp_path / "out"
    args = ["run", str(config), "--out", str(out), "--now", NOW, "--strict"]
    first = runner.invoke(app, args)
    assert first.exit_code == 0, first.output
    before = {p.name: p.read_bytes() for p in out.glob("*.json")}
    assert sorted(before) == [
        "error-budgets.json",
        "manifest.json",
        "sla-compliance.json",
        "sli-metrics.json",
        "slo-targets.json",
    ]

    # More data, one record of it malformed: without --strict this run would change every artifact.
    write(data, f"{CSV_COLUMNS}\n{CSV_OK}1704067400,search,200,5\n1704067401,catalog,oops,5\n")
    failed = runner.invoke(
        app, ["run", str(config), "--out", str(out), "--now", "2024-01-01T13:00:00Z", "--strict"]
    )
    assert failed.exit_code == EXIT_BAD_INPUT
    assert stderr_lines(failed) == [
        f"error: bad record: {data}:6: status: invalid status ('oops') "
        "(--strict stops at the first bad record)"
    ]
    assert {p.name: p.read_bytes() for p in out.glob("*.json")} == before
    assert sorted(p.name for p in out.iterdir()) == sorted([*before, "ledger.sqlite"])  # records the failure
    assert not list(out.glob("*.tmp")) and not list(out.glob(".*"))
    assert not list(tmp_path.glob("**/*.tmp"))
