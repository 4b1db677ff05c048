"""A table of bad inputs: each ends in a located message and the documented exit code, never an
internal error, and leaves the artifacts of the previous good run byte for byte as they were.

Every case starts from a copy of one good workspace (config, CSV, JSON Lines and OpenMetrics files)
whose good run's artifacts are already in `out/`, spoils one thing, and runs again into `out/`.
A bad record is a case run with --strict; without it, the same record is skipped and shown with its
file and line (test_bad_record_is_skipped_and_located).
"""

from __future__ import annotations

import bz2
import gzip
import os
import re
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa
import pyarrow.csv as pcsv
import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from reliability.cli import app
from reliability.errors import EXIT_BAD_INPUT, EXIT_INVALID_CONFIG

runner = CliRunner()
NOW = "2024-01-01T12:00:00Z"
T0 = 1_704_067_200  # 2024-01-01T00:00:00Z
MB = 1 << 20

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
  - name: api
    type: events
    paths: [api.jsonl]
    columns:
      timestamp: {column: ts, format: rfc3339}
      component: op
      success: ok
  - name: metrics
    type: openmetrics
    paths: [metrics.om]
services:
  - name: shop
    components:
      - name: catalog
        source: web
        slis:
          - {name: availability, kind: availability}
          - {name: latency, kind: latency, threshold: 300ms}
        slos:
          - name: catalog-availability
            sli: availability
            objective: 99.9
            window: 1d
      - name: search
        source: web
        slis:
          - {name: availability, kind: availability}
      - name: checkout
        source: api
        match: pay
        slis:
          - {name: availability, kind: availability}
        slos:
          - {name: checkout-availability, sli: availability, objective: 99, window: 1d}
      - name: gateway
        source: metrics
        slis:
          - name: availability
            kind: availability
            total: {metric: http_requests_total, match: {job: gw}}
            bad_counter: {metric: http_requests_total, match: {job: gw, code: "5.."}}
          - name: latency
            kind: latency
            threshold: 250ms
            histogram: {metric: http_request_duration_seconds, match: {job: gw}}
        slos:
          - {name: gateway-availability, sli: availability, objective: 99, window: 1d}
    slas:
      - {name: catalog-contract, component: catalog, sli: availability, target: 99.5}
"""

CSV = "ts,component,status,latency_ms\n" + "".join(
    f"{T0 + 60 * i},{'catalog' if i % 2 else 'search'},{500 if i % 7 == 0 else 200},{10 + i}\n"
    for i in range(100)
)
JSONL = "".join(
    f'{{"ts": "2024-01-01T{h:02d}:00:00Z", "op": "pay", "ok": {"true" if h % 5 else "false"}}}\n'
    for h in range(11)
)


def openmetrics(stamp: Callable[[int], str] = str) -> str:
    lines = ["# TYPE http_requests counter", "# TYPE http_request_duration_seconds histogram"]
    for m in range(0, 600, 5):
        t = stamp(T0 + 60 * m)
        lines.append(f'http_requests_total{{job="gw",code="200"}} {m * 10} {t}')
        lines.append(f'http_requests_total{{job="gw",code="500"}} {m // 10} {t}')
        for le, share in (("0.1", 5), ("0.25", 8), ("+Inf", 10)):
            lines.append(f'http_request_duration_seconds_bucket{{job="gw",le="{le}"}} {m * share} {t}')
    return "\n".join(lines) + "\n# EOF\n"


OM = openmetrics()
# Line numbers of known records, for the located messages.
CSV_LINE_3 = f"{T0 + 60},catalog,200,11"  # line 3 of events.csv
OM_LINE_3 = f'http_requests_total{{job="gw",code="200"}} 0 {T0}'  # line 3 of metrics.om
OM_LINE_8 = f'http_requests_total{{job="gw",code="200"}} 50 {T0 + 300}'  # line 8


def build_workspace(folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "config.yaml").write_text(CONFIG)
    (folder / "events.csv").write_text(CSV)
    (folder / "api.jsonl").write_text(JSONL)
    (folder / "metrics.om").write_text(OM)


# --- ways to spoil the workspace --------------------------------------------------------------------

Spoil = Callable[[Path], object]


def write_bytes(name: str, data: bytes) -> Spoil:
    return lambda d: (d / name).write_bytes(data)


def replace_in(name: str, old: str, new: str, count: int = 1) -> Spoil:
    def spoil(d: Path) -> None:
        text = (d / name).read_text()
        assert old in text, old
        (d / name).write_text(text.replace(old, new, count), newline="")

    return spoil


def replace_bytes(name: str, old: bytes, new: bytes) -> Spoil:
    def spoil(d: Path) -> None:
        data = (d / name).read_bytes()
        assert old in data, old
        (d / name).write_bytes(data.replace(old, new, 1))

    return spoil


def append(name: str, text: str) -> Spoil:
    def spoil(d: Path) -> None:
        with (d / name).open("a") as file:
            file.write(text)

    return spoil


def all_of(*spoils: Spoil) -> Spoil:
    return lambda d: [spoil(d) for spoil in spoils]


def config(old: str, new: str) -> Spoil:
    return replace_in("config.yaml", old, new)


def compressed(name: str, pattern: str, data: Callable[[bytes], bytes]) -> Spoil:
    """The source reads `name + suffix` (written by `data` from the good file) instead of `name`."""
    suffix = pattern.rsplit(".", 1)[-1]

    def spoil(d: Path) -> None:
        (d / f"{name}.{suffix}").write_bytes(data((d / name).read_bytes()))
        config(f"[{name}]", f"[{name}.{suffix}]")(d)

    return spoil


def as_parquet(edit: Callable[[pa.Table], pa.Table] = lambda t: t) -> Spoil:
    """The web source reads events.parquet: the good CSV's rows, as `edit` leaves them."""

    def spoil(d: Path) -> None:
        pq.write_table(edit(pcsv.read_csv(d / "events.csv")), d / "events.parquet")
        config("[events.csv]", "[events.parquet]")(d)

    return spoil


def replaced_column(name: str, values: Callable[[pa.Table], pa.Array]) -> Callable[[pa.Table], pa.Table]:
    return lambda t: t.set_column(t.schema.get_field_index(name), name, values(t))


def glob_also_matches(make: Callable[[Path], object]) -> Spoil:
    """events.csv read through the pattern `ev*`, which also matches `ev2.csv` as `make` leaves it."""

    def spoil(d: Path) -> None:
        (d / "events.csv").rename(d / "ev1.csv")
        make(d / "ev2.csv")
        config("[events.csv]", "[ev*]")(d)

    return spoil


def with_hook(webhook_url: str) -> Spoil:
    return append(
        "config.yaml",
        "hooks:\n  - name: notify\n    triggers: [page]\n"
        f"    webhook: {{url: '{webhook_url}', secret_env: S}}\n",
    )


def alias_bomb() -> str:
    levels = ["a: &a [x, x, x, x, x, x, x, x, x]"]
    for level in range(1, 10):
        name, below = chr(97 + level), chr(96 + level)
        levels.append(f"{name}: &{name} [" + ", ".join([f"*{below}"] * 9) + "]")
    return "\n".join(levels) + "\n"


def milliseconds(text: str) -> str:
    return re.sub(r"^(\d{10}),", r"\g<1>000,", text, flags=re.M)


# --- the table --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Case:
    id: str
    spoil: Spoil
    exit_code: int
    says: tuple[str, ...]  # each in the error; {d} stands for the workspace folder
    args: tuple[str, ...] = ()
    skipped: str | None = None  # a bad record: the line a run without --strict prints for it


def record(
    id: str,
    spoil: Spoil,
    file_line: str,
    detail: str,
    reason: str = "malformed record",
    skipped: str | None = None,
) -> Case:
    """A bad record: --strict stops at it (exit 3); without, it is skipped and shown with file:line.

    `skipped` is how the run's summary begins the record's line (default: file:line: reason: detail).
    """
    shown = skipped if skipped is not None else f"{file_line}: {reason}: {detail}"
    says = (f"bad record: {{d}}/{file_line}:", reason, detail)
    return Case(id, spoil, EXIT_BAD_INPUT, says, ("--strict",), shown)


def line(text: str, of: str = CONFIG) -> int:
    """The number of the first line of `of` holding `text`."""
    return next(n for n, content in enumerate(of.splitlines(), 1) if text in content)


def bad_file(id: str, spoil: Spoil, *says: str) -> Case:
    return Case(id, spoil, EXIT_BAD_INPUT, says)


def bad_config(id: str, spoil: Spoil, *says: str, args: tuple[str, ...] = ()) -> Case:
    return Case(id, spoil, EXIT_INVALID_CONFIG, says, args)


LONG = "9" * (2 * MB)
CASES = [
    # text encodings
    record(
        "csv-invalid-utf8",
        replace_bytes("events.csv", CSV_LINE_3.encode(), CSV_LINE_3.encode().replace(b"cat", b"c\xffat")),
        "events.csv:3",
        "invalid UTF-8 (byte 0xff at column 13)",
    ),
    record(
        "csv-latin1",
        replace_bytes(
            "events.csv", CSV_LINE_3.encode(), CSV_LINE_3.replace("catalog", "catalög").encode("latin-1")
        ),
        "events.csv:3",
        "invalid UTF-8 (byte 0xf6 at column 17)",
    ),
    record(
        "csv-nul-byte",
        replace_bytes("events.csv", CSV_LINE_3.encode(), CSV_LINE_3.encode().replace(b"cat", b"c\0at")),
        "events.csv:3",
        "NUL byte at column 13",
    ),
    bad_file(
        "csv-utf16-bom",
        write_bytes("events.csv", CSV.encode("utf-16")),
        "{d}/events.csv:1: the file is UTF-16",
    ),
    bad_file(
        "csv-utf16-no-bom",
        write_bytes("events.csv", CSV.encode("utf-16-le")),
        "{d}/events.csv:1: the header line cannot be read: NUL byte at column 2",
    ),
    record(
        "jsonl-invalid-utf8",
        replace_bytes("api.jsonl", b'"pay"', b'"p\xffay"'),
        "api.jsonl:1",
        "invalid UTF-8 (byte 0xff at column 40)",
    ),
    record(
        "jsonl-latin1",
        replace_bytes("api.jsonl", b'"pay"', '"päy"'.encode("latin-1")),
        "api.jsonl:1",
        "invalid UTF-8 (byte 0xe4 at column 40)",
    ),
    record(
        "jsonl-nul-byte",
        replace_bytes("api.jsonl", b'"pay"', b'"p\0ay"'),
        "api.jsonl:1",
        "NUL byte at column 40",
    ),
    bad_file(
        "jsonl-utf16-bom",
        write_bytes("api.jsonl", JSONL.encode("utf-16")),
        "source 'api': all 12 records were skipped (malformed record: 12)",
        "{d}/api.jsonl:1: malformed record:",
    ),
    bad_file(
        "jsonl-utf16-no-bom",
        write_bytes("api.jsonl", JSONL.encode("utf-16-le")),
        "source 'api': all 12 records were skipped",
        "{d}/api.jsonl:1: malformed record: NUL byte",
    ),
    record(
        "om-invalid-utf8",
        replace_bytes("metrics.om", b'code="200"} 0 ', b'code="2\xff0"} 0 '),
        "metrics.om:3",
        "invalid UTF-8 (byte 0xff at column 37)",
        reason="malformed sample",
    ),
    record(
        "om-latin1",
        replace_bytes("metrics.om", b'job="gw",code="200"} 0 ', 'job="gö",code="200"} 0 '.encode("latin-1")),
        "metrics.om:3",
        "invalid UTF-8 (byte 0xf6 at column 27)",
        reason="malformed sample",
    ),
    record(
        "om-nul-byte",
        replace_bytes("metrics.om", b'code="200"} 0 ', b'code="2\x000"} 0 '),
        "metrics.om:3",
        "NUL byte at column 37",
        reason="malformed sample",
    ),
    bad_file(
        "om-utf16-bom",
        write_bytes("metrics.om", OM.encode("utf-16")),
        "source 'metrics': all 604 records were skipped",
        "{d}/metrics.om:1: malformed sample:",
    ),
    bad_file(
        "om-utf16-no-bom",
        write_bytes("metrics.om", OM.encode("utf-16-le")),
        "source 'metrics': all 604 records were skipped",
        "NUL byte at column 2",
    ),
    bad_config(
        "yaml-invalid-utf8",
        replace_bytes("config.yaml", b"name: shop", b"name: sh\xffop"),
        f"{{d}}/config.yaml:{line('name: shop')}: invalid YAML: not UTF-8: byte 0xff at byte offset",
    ),
    bad_config(
        "yaml-latin1",
        replace_bytes("config.yaml", b"name: shop", "name: shöp".encode("latin-1")),
        f"{{d}}/config.yaml:{line('name: shop')}: invalid YAML: not UTF-8: byte 0xf6",
    ),
    bad_config(
        "yaml-utf16-bom",
        write_bytes("config.yaml", CONFIG.encode("utf-16")),
        "{d}/config.yaml:1: invalid YAML: the file is UTF-16",
    ),
    bad_config(
        "yaml-utf16-no-bom",
        write_bytes("config.yaml", CONFIG.encode("utf-16-le")),
        "{d}/config.yaml:1: invalid YAML: character U+0000 is not allowed",
    ),
    bad_config(
        "yaml-nul-byte",
        replace_bytes("config.yaml", b"name: shop", b"name: sh\0op"),
        f"{{d}}/config.yaml:{line('name: shop')}: invalid YAML: character U+0000 is not allowed",
    ),
    # compressed streams
    *(
        bad_file(
            f"{name.split('.')[0]}-{kind}-{suffix}",
            compressed(name, f"x.{suffix}", spoil),
            f"{{d}}/{name}.{suffix}:1: cannot read the {codec} data at byte",
            message,
        )
        for name in ("events.csv", "api.jsonl", "metrics.om")
        for suffix, codec, kind, spoil, message in (
            ("gz", "gzip", "truncated", lambda b: gzip.compress(b)[:-30], "Truncated compressed stream"),
            ("gz", "gzip", "fake", lambda b: b, "incorrect header check"),
            ("bz2", "bz2", "truncated", lambda b: bz2.compress(b)[:-30], "Truncated compressed stream"),
            ("bz2", "bz2", "fake", lambda b: b, "not bz2-compressed"),
        )
    ),
    # Parquet: a column type that cannot hold the mapped field, a file that is not Parquet, a null
    bad_file(
        "parquet-status-is-a-list",
        as_parquet(replaced_column("status", lambda t: pa.array([[v] for v in t["status"].to_pylist()]))),
        "{d}/events.parquet:1: status: the column has type list<element: int64> in every row group",
        "it must hold a number or text",
    ),
    bad_file(
        "parquet-timestamp-is-text-where-unix-seconds-is-mapped",
        as_parquet(replaced_column("ts", lambda t: pa.array([True] * t.num_rows))),
        "{d}/events.parquet:1: ts: the column has type bool in every row group",
        "it must hold a number (unix time) or text",
    ),
    bad_file(
        "parquet-file-holds-csv",
        all_of(as_parquet(), lambda d: (d / "events.parquet").write_text(CSV)),
        "{d}/events.parquet: cannot read it as Parquet",
    ),
    record(
        "parquet-null-timestamp",
        as_parquet(
            replaced_column(
                "ts", lambda t: pa.array([None if i == 2 else v for i, v in enumerate(t["ts"].to_pylist())])
            )
        ),
        "events.parquet:3",
        "(empty)",
        reason="missing timestamp",
        skipped="events.parquet:3: missing timestamp in ts: (empty)",
    ),
    # record size
    record(
        "csv-10mb-line",
        append("events.csv", f"{T0},catalog,200,{'9' * (10 * MB)}\n"),
        "events.csv:102",
        "record longer than 1048576 bytes",
    ),
    record(
        "csv-2mb-last-line-without-newline",
        append("events.csv", f"{T0},catalog,200,{LONG}"),
        "events.csv:102",
        "record longer than 1048576 bytes",
    ),
    record(
        "jsonl-10mb-line",
        append("api.jsonl", '{"ts": "2024-01-01T00:00:00Z", "op": "' + "p" * (10 * MB) + '"}\n'),
        "api.jsonl:12",
        "record longer than 1048576 bytes",
    ),
    record(
        "om-10mb-line",
        replace_in("metrics.om", "# EOF\n", 'x{a="' + "b" * (10 * MB) + f'"}} 1 {T0}\n# EOF\n'),
        "metrics.om:603",
        "record longer than 1048576 bytes",
        reason="malformed sample",
    ),
    bad_file(
        "csv-2mb-header",
        write_bytes("events.csv", b"ts," + b"x" * (2 * MB) + b"\n" + CSV.encode()),
        "{d}/events.csv:1: the first line is longer than 1048576 bytes",
    ),
    record(
        "jsonl-nested-20000-deep",
        append("api.jsonl", '{"ts": ' + "[" * 20_000 + "]" * 20_000 + "}\n"),
        "api.jsonl:12",
        "nested deeper than 64 levels",
    ),
    record(
        "jsonl-object-in-a-mapped-field",
        append("api.jsonl", '{"ts": "2024-01-01T00:00:00Z", "op": {"name": "pay"}, "ok": true}\n'),
        "api.jsonl:12",
        'op: unknown component (\'{"name": "pay"}\')',
        reason="unknown component",
        skipped='api.jsonl:12: unknown component in op: {"name": "pay"}',
    ),
    # CSV header
    bad_file(
        "csv-duplicate-header",
        write_bytes(
            "events.csv", CSV.replace("status,", "status,status,").replace(",200,", ",200,200,").encode()
        ),
        "{d}/events.csv:1: status: column 'status' appears 2 times in the header",
    ),
    bad_file(
        "csv-duplicate-timestamp-header",
        replace_in("events.csv", "latency_ms\n", "ts\n"),
        "{d}/events.csv:1: ts: column 'ts' appears 2 times in the header",
    ),
    bad_file(
        "csv-blank-header",  # an empty file is no records (test_event_files); a blank first line is no header
        write_bytes("events.csv", b"\n"),
        "{d}/events.csv:1: ts: missing column(s)",
        "the header has no columns",
    ),
    bad_file(
        "csv-control-characters-in-header",
        replace_in("events.csv", "latency_ms\n", "lat\x1b[2Jency\n"),
        "{d}/events.csv:1: latency_ms: missing column(s) 'latency_ms'",
        "lat\\x1b[2Jency",
    ),
    # line endings
    bad_file(
        "csv-bare-cr-line-endings",
        replace_in("events.csv", "\n", "\r", -1),
        "{d}/events.csv:1: the header line cannot be read: bare carriage return at column 31",
    ),
    bad_file(
        "jsonl-bare-cr-line-endings",
        replace_in("api.jsonl", "\n", "\r", -1),
        "source 'api': all 1 records were skipped",
        "{d}/api.jsonl:1: malformed record: bare carriage return at column 57",
    ),
    bad_file(
        "om-bare-cr-line-endings",
        replace_in("metrics.om", "\n", "\r", -1),
        "source 'metrics': all 1 records were skipped",
        "{d}/metrics.om:1: malformed sample: bare carriage return",
    ),
    record(
        "csv-bare-cr-inside-a-record",
        replace_in("events.csv", CSV_LINE_3, CSV_LINE_3.replace("catalog,", "catalog\r,")),
        "events.csv:3",
        "bare carriage return at column 19",
    ),
    record(
        "jsonl-bare-cr-inside-a-record",
        replace_in("api.jsonl", '"pay", ', '"pay",\r'),
        "api.jsonl:1",
        "bare carriage return at column 44",
    ),
    # files a glob matches that are no regular files
    bad_config(
        "glob-matches-a-directory",
        glob_also_matches(Path.mkdir),
        f"{{d}}/config.yaml:{line('[events.csv]')}: sources[0].paths[0]: 'ev*' matches {{d}}/ev2.csv, "
        "which is a directory",
    ),
    bad_config(
        "glob-matches-a-fifo",
        glob_also_matches(os.mkfifo),
        f"{{d}}/config.yaml:{line('[events.csv]')}: sources[0].paths[0]: 'ev*' matches {{d}}/ev2.csv, "
        "which is a FIFO",
    ),
    bad_config(
        "glob-matches-a-dangling-symlink",
        glob_also_matches(lambda p: p.symlink_to(p.parent / "gone.csv")),
        "which is a symbolic link that leads nowhere (no such file or directory)",
    ),
    bad_config(
        "glob-matches-a-symlink-loop",
        glob_also_matches(
            lambda p: (p.symlink_to(p.parent / "ev3.csv"), (p.parent / "ev3.csv").symlink_to(p))
        ),
        "which is a symbolic link that leads nowhere (too many levels of symbolic links)",
    ),
    bad_config(
        "openmetrics-path-is-a-directory",
        all_of(lambda d: (d / "metrics.om").unlink(), lambda d: (d / "metrics.om").mkdir()),
        f"{{d}}/config.yaml:{line('[metrics.om]')}: sources[2].paths[0]: 'metrics.om' matches "
        "{d}/metrics.om, which is a directory",
    ),
    bad_config(
        "openmetrics-path-is-a-fifo",
        all_of(lambda d: (d / "metrics.om").unlink(), lambda d: os.mkfifo(d / "metrics.om")),
        "which is a FIFO, not a regular file",
    ),
    # --out
    bad_config(
        "out-is-a-file",
        lambda d: (d / "a-file").write_text("x"),
        "--out: {d}/a-file exists and is not a folder",
        args=("--out", "{d}/a-file"),
    ),
    bad_config(
        "out-is-inside-a-file",
        lambda d: (d / "a-file").write_text("x"),
        "--out: {d}/a-file exists and is not a folder",
        args=("--out", "{d}/a-file/out"),
    ),
    # YAML
    bad_config("yaml-empty", write_bytes("config.yaml", b""), "{d}/config.yaml:1: the file is empty"),
    bad_config(
        "yaml-only-comments",
        write_bytes("config.yaml", b"# services:\n#   - name: shop\n"),
        "{d}/config.yaml:1: the file is empty (or holds only comments)",
    ),
    bad_config(
        "yaml-only-blank-lines",
        write_bytes("config.yaml", b"\n \n\n"),
        "{d}/config.yaml:1: the file is empty",
    ),
    bad_config(
        "yaml-recursive-alias",
        write_bytes("config.yaml", b"settings: {history: 1d}\nloop: &x [*x]\n"),
        "{d}/config.yaml:2: invalid YAML: an alias refers to a value that contains it",
    ),
    bad_config(
        "yaml-alias-bomb",
        write_bytes("config.yaml", alias_bomb().encode()),
        "{d}/config.yaml:6: invalid YAML: aliases expand to more than 100,000 values",
    ),
    bad_config(
        "yaml-nested-10000-deep-flow",
        write_bytes("config.yaml", b"a: " + b"[" * 10_000 + b"]" * 10_000 + b"\n"),
        "{d}/config.yaml:1: invalid YAML: nested deeper than 64 levels",
    ),
    bad_config(
        "yaml-nested-100-deep-block",
        write_bytes("config.yaml", "".join(f"{'  ' * i}k{i}:\n" for i in range(100)).encode()),
        "{d}/config.yaml:64: invalid YAML: nested deeper than 64 levels",
    ),
    bad_config(
        "yaml-duplicate-top-level-key",
        append("config.yaml", "services:\n  - name: other\n    components: []\n"),
        f"{{d}}/config.yaml:{len(CONFIG.splitlines()) + 1}: invalid YAML: duplicate key 'services' "
        f"(first at line {line('services:')})",
    ),
    bad_config(
        "yaml-duplicate-nested-key",
        config("            objective: 99.9\n", "            objective: 99.9\n            objective: 99.5\n"),
        f"{{d}}/config.yaml:{line('objective: 99.9') + 1}: invalid YAML: duplicate key 'objective' "
        f"(first at line {line('objective: 99.9')})",
    ),
    bad_config(
        "yaml-duplicate-flow-key",
        config(
            "{name: availability, kind: availability}", "{name: availability, name: x, kind: availability}"
        ),
        f"{{d}}/config.yaml:{line('availability, kind')}: invalid YAML: duplicate key 'name' "
        f"(first at line {line('availability, kind')})",
    ),
    bad_config(
        "objective-nan",
        config("objective: 99.9", "objective: .nan"),
        f"{{d}}/config.yaml:{line('objective: 99.9')}: invalid YAML: .nan is not",
    ),
    bad_config(
        "objective-inf",
        config("objective: 99.9", "objective: .inf"),
        f"{{d}}/config.yaml:{line('objective: 99.9')}: invalid YAML: .inf is not",
    ),
    bad_config(
        "target-minus-inf",
        config("target: 99.5", "target: -.Inf"),
        f"{{d}}/config.yaml:{line('target: 99.5')}: invalid YAML: -.Inf is not",
    ),
    bad_config(
        "yaml-top-level-list",
        write_bytes("config.yaml", b"- a\n- b\n"),
        "{d}/config.yaml:1: the top level must",
    ),
    bad_config(
        "yaml-top-level-text",
        write_bytes("config.yaml", b"just text\n"),
        "{d}/config.yaml:1: the top level must",
    ),
    bad_config(
        "yaml-tab-indentation",
        config("  history: 1d", "\thistory: 1d"),
        "{d}/config.yaml:2: invalid YAML:",
    ),
    # spans and instants
    bad_config(
        "window-0s",
        config("window: 1d\n", "window: 0s\n"),
        f"{{d}}/config.yaml:{line('window: 1d')}: services[0].components[0].slos[0].window: "
        "window '0s' is not a positive whole number of seconds",
    ),
    bad_config("window-59m", config("window: 1d\n", "window: 59m\n"), "at least 1h and at most 1830d"),
    bad_config("window-90s", config("window: 1d\n", "window: 90m30s\n"), "the window must be whole minutes"),
    bad_config(
        "window-a-billion-days",
        config("window: 1d\n", "window: 1000000000d\n"),
        f"{{d}}/config.yaml:{line('name: catalog-availability')}: window:",
    ),
    bad_config(
        "window-beyond-any-integer",
        config("window: 1d\n", "window: 99999999999999999999d\n"),
        f"{{d}}/config.yaml:{line('name: catalog-availability')}: window: the window must be",
    ),
    bad_config(
        "history-0s", config("history: 1d", "history: 0s"), "{d}/config.yaml:2: settings.history: the history"
    ),
    bad_config(
        "history-huge", config("history: 1d", "history: 99999999999d"), "settings.history: the history must"
    ),
    bad_config(
        "evaluate-at-year-1",
        config("history: 1d", "history: 1d\n  evaluate_at: '0001-01-01T00:00:00Z'"),
        "{d}/config.yaml:3: settings.evaluate_at: 0001-01-01T00:00:00+00:00 is outside 1970-9000",
    ),
    bad_config(
        "now-year-1",
        lambda d: None,
        "--now: 0001-01-01T00:00:00+00:00 is outside",
        args=("--now", "0001-01-01T00:00:00Z"),
    ),
    bad_config(
        "now-year-9999",
        lambda d: None,
        "--now: 9999-12-31T23:59:00+00:00 is outside",
        args=("--now", "9999-12-31T23:59:00Z"),
    ),
    bad_config(
        "now-without-zone",
        lambda d: None,
        "--now: timestamp without a time zone",
        args=("--now", "2024-01-01T12:00:00"),
    ),
    bad_config(
        "now-not-a-time", lambda d: None, "--now: Invalid isoformat string", args=("--now", "yesterday")
    ),
    # webhook URLs
    bad_config(
        "webhook-port-out-of-range",
        with_hook("http://127.0.0.1:99999/x"),
        "hooks[0].webhook.url: not a valid URL: Port out of range",
    ),
    bad_config(
        "webhook-port-not-a-number",
        with_hook("http://127.0.0.1:80a/x"),
        "hooks[0].webhook.url: not a valid URL:",
    ),
    bad_config("webhook-port-0", with_hook("http://127.0.0.1:0/x"), "hooks[0].webhook.url: port 0 is not"),
    bad_config(
        "webhook-host-with-a-space", with_hook("http://exa mple.com/x"), "'exa mple.com' is not a host name"
    ),
    bad_config("webhook-broken-ipv6", with_hook("http://[::1/x"), "not a valid URL: Invalid IPv6 URL"),
    bad_config(
        "webhook-not-ipv6",
        with_hook("http://[fe80::zz]/x"),
        "not a valid URL: 'fe80::zz' does not appear to be an IPv4 or IPv6 address",
    ),
    bad_config(
        "webhook-no-host",
        with_hook("http:///x"),
        f"{{d}}/config.yaml:{len(CONFIG.splitlines()) + 4}: hooks[0].webhook.url: the URL has no host",
    ),
    # label names
    bad_config(
        "label-name-injecting-promql",
        config("match: {job: gw}}", "match: {'job\"}) or vector(1) #': gw}}"),
        f"{{d}}/config.yaml:{line('total: {metric')}: "
        'services[0].components[3].slis[0].total.match.job"}) or vector(1) #: ',
        "is not a label name ([a-zA-Z_][a-zA-Z0-9_]*)",
    ),
    bad_config(
        "label-name-starting-with-a-digit",
        config("match: {job: gw}}", "match: {1job: gw}}"),
        "'1job' is not a label name",
    ),
    bad_config(
        "label-name-with-a-dash",
        config("match: {job: gw}}", "match: {job-name: gw}}"),
        "'job-name' is not a label name",
    ),
    # OpenMetrics values
    *(
        record(
            f"om-value-{name}",
            replace_in("metrics.om", OM_LINE_8, OM_LINE_8.replace(" 50 ", f" {value} ")),
            "metrics.om:8",
            value,
            reason=reason,
        )
        for name, value, reason in (
            ("nan", "NaN", "NaN sample value"),
            ("plus-inf", "+Inf", "infinite sample value"),
            ("minus-inf", "-Inf", "infinite sample value"),
            ("negative", "-3", "negative sample value"),
            ("text", "fifty", "invalid sample value"),
        )
    ),
    *(
        record(
            f"om-timestamp-{name}",
            replace_in("metrics.om", OM_LINE_8, OM_LINE_8.replace(f" {T0 + 300}", stamp)),
            "metrics.om:8",
            says,
            reason=reason,
        )
        for name, stamp, reason, says in (
            ("nan", " NaN", "invalid timestamp", "NaN"),
            ("inf", " +Inf", "invalid timestamp", "+Inf"),
            ("missing", "", "sample without timestamp", "http_requests_total"),
        )
    ),
    record(
        "om-conflicting-duplicate-sample",
        replace_in(
            "metrics.om", "# EOF\n", f'http_requests_total{{job="gw",code="500"}} 0 {T0 + 60 * 595}\n# EOF\n'
        ),
        "metrics.om:603",
        f"0 at {T0 + 60 * 595:g}",
        reason="conflicting duplicate sample",
    ),
    bad_file(
        "om-histogram-without-inf-bucket",
        lambda d: (d / "metrics.om").write_text(
            "".join(line + "\n" for line in OM.splitlines() if "+Inf" not in line)
        ),
        f"{{d}}/config.yaml:{line('name: gateway')}: histogram: "
        'histogram http_request_duration_seconds{job=~"gw"} of shop/gateway has no',
    ),
    bad_file(
        "om-histogram-bucket-le-not-a-number",
        replace_in("metrics.om", 'le="0.1"', 'le="fast"', -1),
        f"{{d}}/config.yaml:{line('name: gateway')}: histogram: "
        "histogram http_request_duration_seconds{job=~\"gw\"} has a bucket with le='fast'",
    ),
    # sources that yield nothing usable
    bad_file(
        "csv-milliseconds-read-as-seconds",
        lambda d: (d / "events.csv").write_text(milliseconds(CSV)),
        f"{{d}}/config.yaml:{line('name: web')}: source 'web': no record falls in the history",
        "year 55969 to 55969 (milliseconds or finer read as seconds? they are read as unix_s)",
    ),
    bad_file(
        "csv-seconds-read-as-milliseconds",
        config("format: unix_s", "format: unix_ms"),
        "source 'web': no record falls in the history; its timestamps run from about year 1970",
        "seconds read as milliseconds? they are read as unix_ms",
    ),
    bad_file(
        "om-milliseconds-as-in-the-text-format",
        lambda d: (d / "metrics.om").write_text(openmetrics(lambda t: f"{t}000")),
        "source 'metrics': no record falls in the history",
        "(milliseconds or finer read as seconds? they are read as seconds, as in OpenMetrics)",
    ),
    bad_file(
        "csv-every-record-skipped",
        lambda d: (d / "events.csv").write_text(CSV.replace("catalog", "cat").replace("search", "cat")),
        f"{{d}}/config.yaml:{line('name: web')}: source 'web': all 100 records were skipped "
        "(unknown component: 100)",
        "e.g. {d}/events.csv:2: unknown component: cat",
    ),
    bad_file(
        "jsonl-every-record-skipped",
        lambda d: (d / "api.jsonl").write_text(JSONL.replace("}", "", -1)),
        "source 'api': all 11 records were skipped (malformed record: 11)",
        "e.g. {d}/api.jsonl:1: malformed record: invalid JSON",
    ),
    bad_file(
        "om-every-record-skipped",
        lambda d: (d / "metrics.om").write_text(re.sub(r" \d+$", "", OM, flags=re.M)),
        "source 'metrics': all 600 records were skipped (sample without timestamp: 600)",
    ),
    # control characters reach the terminal escaped
    record(
        "csv-escape-sequence-in-a-value",
        replace_in("events.csv", CSV_LINE_3, CSV_LINE_3.replace("catalog", "cat\x1b[31malog")),
        "events.csv:3",
        "component: unknown component ('cat\\x1b[31malog')",
        reason="unknown component",
        skipped="events.csv:3: unknown component in component: cat\\x1b[31malog",
    ),
    record(  # a label value holding an escape sequence and a C1 control, on a line that is no sample
        "om-escape-sequence-in-a-label-value",
        replace_in(
            "metrics.om", OM_LINE_8, OM_LINE_8.replace('job="gw",code="200"}', 'job="g\x1b]0;x\x07w\x9b2J"')
        ),
        "metrics.om:8",
        'http_requests_total{job="g\\x1b]0;x\\x07w\\x9b2J" 50',
        reason="malformed sample",
    ),
]


@pytest.fixture(scope="module")
def good_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, bytes]]:
    """One workspace with its good run's artifacts in out/, and those artifacts' bytes."""
    folder = tmp_path_factory.mktemp("good")
    build_workspace(folder)
    result = run(folder)
    assert result.exit_code == 0, result.output
    return folder, artifacts(folder / "out")


def run(folder: Path, *args: str) -> object:
    given = [a.replace("{d}", str(folder)) for a in args]
    defaults = [option for option in ("--out", "--now") if option not in given]
    values = {"--out": str(folder / "out"), "--now": NOW}
    extra = [part for option in defaults for part in (option, values[option])]
    return runner.invoke(app, ["run", str(folder / "config.yaml"), *extra, *given])


def artifacts(out: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(out.glob("*.json"))}


def copy_of(good: Path, tmp_path: Path) -> Path:
    folder = tmp_path / "w"
    shutil.copytree(good, folder)
    return folder


def test_the_table_is_large_and_its_ids_unique() -> None:
    ids = [case.id for case in CASES]
    assert len(ids) >= 80
    assert len(set(ids)) == len(ids)


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_bad_input_is_located_and_changes_nothing(
    case: Case, good_run: tuple[Path, dict[str, bytes]], tmp_path: Path
) -> None:
    folder = copy_of(good_run[0], tmp_path)
    case.spoil(folder)
    result = run(folder, *case.args)
    error = result.stderr
    assert "internal error" not in error and "Traceback" not in result.output, error
    assert result.exit_code == case.exit_code, error
    assert error.startswith("error: "), error
    for text in case.says:
        assert text.replace("{d}", str(folder)) in error, (text, error)
    assert "\x1b" not in error and "\x00" not in error
    assert artifacts(folder / "out") == good_run[1]
    assert not list((folder / "out").glob("*.tmp"))


@pytest.mark.parametrize("case", [c for c in CASES if c.skipped], ids=lambda c: c.id)
def test_bad_record_is_skipped_and_located(
    case: Case, good_run: tuple[Path, dict[str, bytes]], tmp_path: Path
) -> None:
    folder = copy_of(good_run[0], tmp_path)
    case.spoil(folder)
    result = run(folder)
    assert result.exit_code == 0, result.output
    shown = f"  {folder}/{case.skipped}"
    assert any(line.startswith(shown) for line in result.stdout.splitlines()), (shown, result.stdout)
    assert "\x1b" not in result.stdout
