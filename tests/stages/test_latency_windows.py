"""A window longer than the per-minute latency slots that is not whole hours reads exactly its
own minutes: the event source tells the fold where every configured window starts."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from support.configs import component, events_source, latency, service, slo, write_config

from reliability import pipeline
from reliability.config import load_config
from reliability.conventions import Stage

NOW = 1_793_880_000  # 2026-11-05T12:00:00Z, a whole hour
WINDOW_MINUTES = 7 * 60 + 30


def test_a_seven_and_a_half_hour_window_counts_only_its_own_latencies(tmp_path: Path) -> None:
    # One event a minute for 12 hours: the window's first minute falls mid-hour, in a part that
    # also holds 30 earlier minutes.
    stamps = NOW - 60 * np.arange(1, 12 * 60 + 1) + 7
    lines = ["ts,comp,status,ms", *(f"{s},checkout,200,{100 + i % 50}" for i, s in enumerate(stamps))]
    (tmp_path / "events.csv").write_text("\n".join(lines) + "\n")
    slos = [slo("quick", 95, sli="latency", window="7h30m")]
    services = [service("shop", component("checkout", *slos, source="log", slis=[latency("300ms")]))]
    source = events_source(path=str(tmp_path / "events.csv"), unix_seconds=True, latency="ms")
    config = load_config(write_config(tmp_path, *services, sources=[source], settings={"history": "1d"}))

    options = pipeline.RunOptions(now=float(NOW), out_dir=tmp_path / "out", until=Stage.SLI)
    artifact = pipeline.run(config, options).artifacts[Stage.SLI].to_json()

    (checkout,) = artifact["components"]
    window = next(w for w in checkout["latency"]["windows"] if w["window"] == "7h30m")
    assert window["count"] == WINDOW_MINUTES  # not the 30 minutes before it in the same hour part
    sli_window = next(w for w in checkout["slis"][0]["windows"] if w["window"] == "7h30m")
    assert sli_window["total"] == WINDOW_MINUTES
