"""Latencies past the buckets' ceiling (2**40 us, about 12.7 days): still slow events, and a
percentile among them is a lower bound with no upper one, never a false exact value."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from support.configs import availability, component, events_source, latency, service, slo, write_config
from typer.testing import CliRunner

from reliability.cli import app
from reliability.core import latency_buckets as lb

T0 = 1_704_067_200  # 2024-01-01T00:00:00Z
NOW = "2024-01-02T00:00:00Z"
CEILING_SECONDS = lb.CEILING_MICROS / 1e6


def _run(folder: Path, latencies_ms: list[str]) -> dict[str, Any]:
    lines = [f"{T0 + 60 * i},catalog,200,{ms}" for i, ms in enumerate(latencies_ms)]
    (folder / "events.csv").write_text("ts,comp,status,latency_ms\n" + "\n".join(lines) + "\n")
    log = events_source(path="events.csv", unix_seconds=True, component="comp", latency="latency_ms")
    catalog = component("catalog", slo("catalog-a"), slis=[availability(), latency("100ms")])
    config = write_config(folder, service("shop", catalog), sources=[log], settings={"history": "1d"})
    out = folder / "out"
    result = CliRunner().invoke(app, ["run", str(config), "--until", "sli", "--now", NOW, "--out", str(out)])
    assert result.exit_code == 0, result.output  # the run checks the artifact against its schema
    document: dict[str, Any] = json.loads((out / "sli-metrics.json").read_text())
    return document["components"][0]


def _window(found: dict[str, Any], name: str = "1d") -> dict[str, Any]:
    return next(w for w in found["latency"]["windows"] if w["window"] == name)


def test_a_percentile_past_the_ceiling_is_the_ceiling_with_no_upper_bound(tmp_path: Path) -> None:
    found = _run(tmp_path, ["0.1"] * 98 + ["1e300", "9e9"])
    window = _window(found)
    assert window["p50_seconds"] == 0.0001  # 100 us: an exact bucket
    assert window["bounds_seconds"]["p50_seconds"] == [0.0001, 0.0001]
    assert window["p99_seconds"] == window["p99_9_seconds"] == CEILING_SECONDS
    assert window["bounds_seconds"]["p99_seconds"] == [CEILING_SECONDS, None]
    assert window["bounds_seconds"]["p99_9_seconds"] == [CEILING_SECONDS, None]
    slow = next(s for s in found["slis"] if s["kind"] == "latency")
    assert next(w for w in slow["windows"] if w["window"] == "1d")["bad"] == 2  # exact counts


def test_a_latency_just_below_the_ceiling_keeps_a_closed_bucket(tmp_path: Path) -> None:
    below_ms = (lb.CEILING_MICROS - 1) / 1000  # 2**40 - 1 us
    window = _window(_run(tmp_path, [f"{below_ms:.3f}"]))
    lower, upper = window["bounds_seconds"]["p99_seconds"]
    assert lower <= window["p99_seconds"] <= upper == (lb.CEILING_MICROS - 1) / 1e6
