"""The OpenMetrics file source: counters and histograms give the same SLIs as the raw events."""

from __future__ import annotations

import gzip
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from support.configs import (
    Node,
    availability,
    component,
    counter_availability,
    events_source,
    histogram_latency,
    latency,
    openmetrics_source,
    selector,
    service,
    slo,
    write_config,
)

from reliability import pipeline
from reliability.config import load_config
from reliability.conventions import Stage
from reliability.errors import InputError
from reliability.timefmt import parse_rfc3339

NOW = int(parse_rfc3339("2026-11-05T12:00:00Z").timestamp())
BOUNDS = (0.05, 0.1, 0.25, 0.5, 1.0)
MINUTES = 6 * 60

SLOS = (slo("availability", 99), slo("latency", 95, "latency", window="1d"))


def services(threshold: str, interpolate: bool) -> list[Node]:
    """The same two SLOs measured from the raw events and from the counters sampled from them."""
    histogram = {"interpolate": True} if interpolate else {}
    return [
        service(
            "from-events",
            component("api", *SLOS, source="events", slis=(availability(), latency(threshold))),
        ),
        service(
            "from-metrics",
            component(
                "api",
                *SLOS,
                source="metrics",
                slis=(counter_availability("api"), histogram_latency("api", threshold, **histogram)),
            ),
        ),
    ]


def traffic() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Events in the last 6 hours, never in the last second of a minute (where samples are taken)."""
    rng = np.random.default_rng(3)
    minute = rng.integers(0, MINUTES, 20_000)
    stamps = NOW - MINUTES * 60 + minute * 60 + rng.uniform(0, 58, minute.size)
    status = np.where(rng.uniform(size=minute.size) < 0.02, 503, 200)
    latency = np.round(rng.lognormal(np.log(0.08), 0.8, minute.size), 4)
    return stamps, status, latency


def openmetrics(stamps: np.ndarray, status: np.ndarray, latency: np.ndarray) -> str:
    """Counters sampled at second 59.5 of every minute (from zero, just before the first event),
    with a counter reset half-way."""
    start = NOW - MINUTES * 60
    sample_times = np.concatenate(([start - 0.5], start + np.arange(MINUTES) * 60 + 59.5))
    lines = ["# TYPE http_requests counter"]
    reset_at = MINUTES // 2

    def cumulative(mask: np.ndarray) -> np.ndarray:
        counts = np.searchsorted(np.sort(stamps[mask]), sample_times, side="right").astype(float)
        counts[reset_at:] -= counts[reset_at - 1]  # the process restarted: the counter begins again
        return counts

    for code in ("200", "503"):
        for t, v in zip(sample_times, cumulative(status == int(code)), strict=True):
            lines.append(f'http_requests_total{{code="{code}",job="api"}} {v:g} {t}')
    lines.append("# TYPE http_request_duration_seconds histogram")
    # a histogram's buckets go together, one timestamp at a time (as OpenMetrics requires)
    bounds = (*BOUNDS, float("inf"))
    per_bound = [cumulative(latency <= bound) for bound in bounds]
    for index, t in enumerate(sample_times):
        for bound, counts in zip(bounds, per_bound, strict=True):
            le = "+Inf" if bound == float("inf") else f"{bound:g}"
            lines.append(f'http_request_duration_seconds_bucket{{job="api",le="{le}"}} {counts[index]:g} {t}')
    return "\n".join([*lines, "# EOF", ""])


def run(folder: Path, threshold: str = "250ms", interpolate: bool = False) -> pipeline.RunResult:
    stamps, status, latency = traffic()
    rows = ["ts,status,latency"] + [f"{t},{s},{v}" for t, s, v in zip(stamps, status, latency, strict=True)]
    (folder / "events.csv").write_text("\n".join(rows) + "\n")
    (folder / "metrics.om.gz").write_bytes(gzip.compress(openmetrics(stamps, status, latency).encode()))
    sources = [
        events_source("events", component=None, unix_seconds=True, latency="latency", latency_unit="s"),
        openmetrics_source("metrics", "metrics.om.gz"),
    ]
    config = load_config(write_config(folder, *services(threshold, interpolate), sources=sources))
    return pipeline.run(config, pipeline.RunOptions(now=NOW, out_dir=folder / "out"))


def budgets(result: pipeline.RunResult) -> dict[str, dict[str, Any]]:
    return {s["slo"]: s for s in result.as_json()[Stage.BUDGETS]["slos"]}


def test_counters_and_buckets_match_the_events(tmp_path: Path) -> None:
    entries = budgets(run(tmp_path))
    for name in ("availability", "latency"):
        events, metrics = entries[f"from-events/{name}"], entries[f"from-metrics/{name}"]
        assert (metrics["good"], metrics["total"]) == (events["good"], events["total"]), name
        assert metrics["total"] == 20_000
        burn = {b["window"]: b["burn_rate"] for b in events["burn_rates"]}
        assert {b["window"]: b["burn_rate"] for b in metrics["burn_rates"]} == burn


def test_percentiles_from_buckets_are_estimates_with_bounds(tmp_path: Path) -> None:
    result = run(tmp_path)
    components = {c["service"]: c for c in result.as_json()[Stage.SLI]["components"]}
    events = next(w for w in components["from-events"]["latency"]["windows"] if w["window"] == "1d")
    estimated = next(w for w in components["from-metrics"]["latency"]["windows"] if w["window"] == "1d")
    assert events["estimated"] and estimated["estimated"]
    assert events["count"] == estimated["count"]
    for key in ("p50_seconds", "p95_seconds", "p99_seconds"):
        # the events' fine bucket holds the true value, so it meets the metrics' coarse one
        lower, upper = estimated["bounds_seconds"][key]
        events_lower, events_upper = events["bounds_seconds"][key]
        assert lower <= events_upper and (upper is None or events_lower <= upper), key


def test_a_threshold_between_buckets_is_refused_unless_interpolated(tmp_path: Path) -> None:
    with pytest.raises(InputError, match=r"0\.3"):
        run(tmp_path, threshold="300ms")
    result = run(tmp_path, threshold="300ms", interpolate=True)
    metrics = budgets(result)["from-metrics/latency"]
    # linear within the 0.25..0.5 bucket: between the shares at the bucket's two boundaries
    _, _, latency = traffic()
    assert np.mean(latency <= 0.25) < metrics["sli_ratio"] < np.mean(latency <= 0.5)
    component = next(c for c in result.as_json()[Stage.SLI]["components"] if c["service"] == "from-metrics")
    latency_sli = next(s for s in component["slis"] if s["name"] == "latency")
    assert "estimate" in latency_sli["good_when"]


def test_bad_samples_are_counted_with_their_lines(tmp_path: Path) -> None:
    from reliability.config.model import OpenMetricsSource, Origin
    from reliability.telemetry.openmetrics_files import read_samples
    from reliability.telemetry.report import ReadReport

    path = tmp_path / "m.om"
    path.write_text(
        "# TYPE c counter\n"
        'c_total{job="a"} 1 100\n'
        'c_total{job="a"} 2\n'  # line 3: no timestamp
        "this is not a sample\n"  # line 4
        'c_total{job="a"} many 160\n'  # line 5
        'c_total{job="a",path="/x\\"}"} 3 220\n'  # an escaped quote and a brace in a label value
        "# EOF\n"
    )
    report = ReadReport("m")
    samples = read_samples(OpenMetricsSource("m", (path,), Origin("c.yaml", 1)), report)
    assert dict(report.skipped) == {
        "sample without timestamp": 1,
        "malformed sample": 1,
        "invalid sample value": 1,
    }
    assert sorted((e.line, e.reason) for e in report.examples) == [
        (3, "sample without timestamp"),
        (4, "malformed sample"),
        (5, "invalid sample value"),
    ]
    assert set(samples.series) == {
        ("c_total", (("job", "a"),)),
        ("c_total", (("job", "a"), ("path", '/x"}'))),
    }
    with pytest.raises(InputError, match=r"m\.om:3"):
        read_samples(OpenMetricsSource("m", (path,), Origin("c.yaml", 1)), ReadReport("m"), strict=True)


@pytest.mark.parametrize(
    ("sli", "says"),
    [
        (latency("1s"), "needs `histogram`"),
        (availability("a"), "needs `total` and `good_counter` or `bad_counter`"),
        (
            availability("a", total=selector("t"), good_counter=selector("g"), bad_counter=selector("b")),
            "exactly one of `good_counter` and `bad_counter`",
        ),
    ],
)
def test_metric_slis_are_validated(tmp_path: Path, sli: Node, says: str) -> None:
    from reliability.errors import ConfigError

    (tmp_path / "m.om").write_text("# EOF\n")
    path = write_config(
        tmp_path,
        service("s", component("c", source="m", slis=[sli])),
        sources=[openmetrics_source("m", "m.om")],
        name="c.yaml",
    )
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    assert any(says in str(p) for p in caught.value.problems), caught.value.problems
