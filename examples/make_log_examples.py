"""Writes the small, real-shaped telemetry files of examples/nginx-combined, envoy, haproxy,
service-log, nested-json and parquet: `python examples/make_log_examples.py`. Seeded, so the files come out
the same each time.

Each file holds two hours of traffic ending at the examples' evaluation time (2026-11-05T12:00:00Z),
a burst of 5xx answers, and a few lines a real log has that are not requests.
"""

from __future__ import annotations

import json
import random
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

HERE = Path(__file__).parent
END = datetime(2026, 11, 5, 12, 0, tzinfo=UTC)
START = END - timedelta(hours=2)
BERLIN = ZoneInfo("Europe/Berlin")
AGENTS = ["Mozilla/5.0 (X11; Linux x86_64) Firefox/132.0", "curl/8.5.0", "kube-probe/1.31"]
PATHS = {"cart": ["/api/cart", "/api/cart/items"], "search": ["/api/search?q=shoes", "/api/search?q=red+hat"]}


def _write(name: str, lines: list[str], others: dict[int, str] | None = None) -> None:
    """The request lines, with `others` (lines a real log holds that are no requests) put at their index."""
    for index, line in sorted((others or {}).items()):
        lines.insert(index, line)
    (HERE / name).write_text("\n".join(lines) + "\n")


def _requests(rng: random.Random, count: int) -> list[tuple[datetime, str, int, int]]:
    """(time, component, status, latency in ms), in time order; 5xx cluster in a 10-minute burst."""
    burst = END - timedelta(minutes=40)
    rows = []
    for _ in range(count):
        at = START + timedelta(milliseconds=rng.randrange(2 * 3600 * 1000))
        component = rng.choice(["cart", "search", "search"])
        in_burst = burst <= at < burst + timedelta(minutes=10)
        status = rng.choice([502, 503]) if rng.random() < (0.2 if in_burst else 0.002) else 200
        if status == 200 and rng.random() < 0.05:
            status = rng.choice([301, 404])
        latency = int(rng.lognormvariate(4.3 if component == "cart" else 4.8, 0.6))
        rows.append((at, component, status, latency))
    return sorted(rows)


def nginx_combined(rng: random.Random) -> None:
    lines = []
    for at, component, status, _ in _requests(rng, 400):
        stamp = at.astimezone(BERLIN).strftime("%d/%b/%Y:%H:%M:%S %z")
        ip = f"203.0.113.{rng.randrange(1, 255)}"
        size = rng.randrange(200, 9000) if status < 300 else 0
        path = rng.choice(PATHS[component])
        lines.append(f'{ip} - - [{stamp}] "GET {path} HTTP/1.1" {status} {size} "-" "{rng.choice(AGENTS)}"')
    probe = '198.51.100.7 - - [05/Nov/2026:11:41:02 +0100] "\\x16\\x03\\x01" 400 157 "-" "-"'
    warning = "2026/11/05 11:20:13 [warn] 1201#1201: *88 upstream response is buffered to a temporary file"
    _write("nginx-combined/access.log", lines, {120: probe, 250: warning})


def envoy(rng: random.Random) -> None:
    lines = []
    for at, component, status, latency in _requests(rng, 300):
        stamp = at.strftime("%Y-%m-%dT%H:%M:%S.") + f"{at.microsecond // 1000:03d}Z"
        host = f"{component}.shop.svc.cluster.local:8080"
        upstream = "-" if status >= 500 else str(max(latency - 2, 0))
        flags = "UF" if status == 503 else "-"
        path = rng.choice(PATHS[component])
        lines.append(
            f'[{stamp}] "GET {path} HTTP/1.1" {status} {flags} 0 {rng.randrange(100, 5000)}'
            f" {latency} {upstream}"
            f' "10.0.{rng.randrange(256)}.{rng.randrange(256)}" "{rng.choice(AGENTS)}"'
            f' "{rng.getrandbits(128):032x}" "{host}" "10.1.0.{rng.randrange(2, 40)}:8080"'
        )
    _write("envoy/access.log", lines)


def haproxy(rng: random.Random) -> None:
    lines = []
    for at, component, status, latency in _requests(rng, 300):
        local = at.astimezone(BERLIN)
        syslog = local.strftime("%b %d %H:%M:%S").replace(" 0", "  ", 1)
        accept = local.strftime("%d/%b/%Y:%H:%M:%S.") + f"{at.microsecond // 1000:03d}"
        timers = f"0/0/{rng.randrange(3)}/{max(latency - 3, 0)}/{latency}"
        state = "sH--" if status == 504 else "SC--" if status >= 500 else "----"
        lines.append(
            f"{syslog} lb-1 haproxy[2113]: 198.51.100.{rng.randrange(1, 255)}:{rng.randrange(30000, 60000)}"
            f" [{accept}] www~ {component}/{component}-{rng.randrange(1, 4)} {timers} {status}"
            f" {rng.randrange(200, 9000)} - - {state} 12/12/3/1/0 0/0"
            f' "GET {rng.choice(PATHS[component])} HTTP/1.1"'
        )
    down = "Nov  5 11:03:12 lb-1 haproxy[2113]: Server cart/cart-2 is DOWN, reason: Layer4 timeout"
    _write("haproxy/haproxy.log", lines, {100: down})


def service_log(rng: random.Random) -> None:
    lines = []
    for at, component, status, latency in _requests(rng, 300):
        local = at.astimezone(BERLIN).strftime("%Y-%m-%d %H:%M:%S.%f")[:-3]
        level = "ERROR" if status >= 500 else "INFO"
        lines.append(
            f"{local} {level} [{component}] handled request status: {status} time: {latency / 1000:.3f}"
        )
    started = "2026-11-05 10:59:58.201 INFO [main] listening on :8080"
    waiting = "2026-11-05 12:21:07.448 WARN [cart] pool exhausted, waiting for a connection"
    _write("service-log/service.log", lines, {0: started, 200: waiting})


def nested_json(rng: random.Random) -> None:
    lines = []
    for at, component, status, latency in _requests(rng, 300):
        start_ms = int(at.timestamp() * 1000)
        record = {
            "timing": {"start_ms": start_ms, "end_ms": start_ms + latency},
            "request": {"method": "GET", "url": rng.choice(PATHS[component])},
            "response": {"status": status},
            "attributes": {"service.name": component, "http.status_code": status},
        }
        lines.append(json.dumps(record, separators=(",", ":")))
    aborted = {
        "timing": {"start_ms": 1793879400000, "end_ms": 1793879400004},
        "request": {"url": "/api/cart"},
    }
    _write("nested-json/requests.jsonl", lines, {150: json.dumps(aborted, separators=(",", ":"))})


def parquet(rng: random.Random) -> None:
    """Typed columns as a warehouse export has them: a UTC timestamp, the service, status, duration."""
    import pyarrow as pa  # only this writer needs it
    import pyarrow.parquet as pq

    rows = _requests(rng, 300)
    table = pa.table(
        {
            "time": pa.array([at for at, *_ in rows], pa.timestamp("ms", tz="UTC")),
            "service": pa.array([component for _, component, *_ in rows], pa.string()),
            "status": pa.array([status for *_, status, _ in rows], pa.int16()),
            "duration_ms": pa.array([latency for *_, latency in rows], pa.int32()),
        }
    )
    pq.write_table(table, HERE / "parquet" / "requests.parquet", row_group_size=100)


def main() -> None:
    for name, write in [
        ("nginx-combined", nginx_combined),
        ("envoy", envoy),
        ("haproxy", haproxy),
        ("service-log", service_log),
        ("nested-json", nested_json),
        ("parquet", parquet),
    ]:
        (HERE / name).mkdir(exist_ok=True)
        write(random.Random(name))


if __name__ == "__main__":
    main()
