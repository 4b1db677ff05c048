"""Counters of one SLI read at hour points and minute by minute give the figures of every minute.

A real Prometheus holds 5 days of 1-minute counters (the run needs the last 2 minute by minute).
Each case is one SLI whose counters differ in what they allow: only its bad, total or good counter
resets (so that one must be read minute by minute), its counters grow by fractions of an event, or
a counter holds NaN samples between hour points (one of them hiding a reset). `run`, which reads
at hour points where it may, must write the same figures and skip the same samples as a run that
reads every minute.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from support import configs
from support.real_servers import prometheus_holding

from reliability import pipeline
from reliability.config import load_config
from reliability.config.model import PrometheusSource
from reliability.core.grid import MinuteGrid
from reliability.stages import minute_detail
from reliability.telemetry import prometheus_api
from reliability.telemetry.report import ReadReport
from reliability.timefmt import parse_rfc3339

NOW = "2026-11-05T12:17:00Z"
END = int(parse_rfc3339(NOW).timestamp())
MINUTES = 5 * 1440
DAY = 86400
RESET_AT = 4 * 1440 + 43  # minutes before END, not on an hour point and before the minute detail
NAN_AT = (3 * 1440 + 23, 3 * 1440 + 200)  # NaN samples off hour points; a reset right after the second
# case -> (counters of its SLI, the counter that resets)
CASES = {
    "bad-resets": ("err", "err"),
    "total-resets": ("err", "req"),
    "good-resets": ("ok", "ok"),
    "total-resets-good": ("ok", "req"),
    "fractional": ("err", ""),
    "nan": ("err", ""),
}
SCALE = {"fractional": 0.37}  # a counter of seconds, say: increases are not whole


def _values(case: str, family: str) -> tuple[np.ndarray, list[str]]:
    """(minutes before END, counter value as written) of one case's counter."""
    ago = np.arange(MINUTES, -1, -1)
    rng = np.random.default_rng(sorted(CASES).index(case))
    requests = rng.poisson(60, ago.size)
    errors = rng.binomial(requests, 0.02)
    growth = {"req": requests, "err": errors, "ok": requests - errors}[family]
    values = np.cumsum(growth) * SCALE.get(case, 1.0)
    if CASES[case][1] == family:
        values[ago <= RESET_AT] -= values[ago == RESET_AT + 1]
    written = [f"{value:.10g}" for value in values]
    if case == "nan" and family == "req":
        for at in NAN_AT:
            written[int(np.flatnonzero(ago == at)[0])] = "NaN"
        after = ago < NAN_AT[1]  # a reset hidden next to the NaN: Prometheus' resets() misses it
        written = [
            f"{value - values[ago == NAN_AT[1]][0]:.10g}" if hide and text != "NaN" else text
            for value, hide, text in zip(values, after, written, strict=True)
        ]
    return ago, written


def openmetrics() -> str:
    lines = []
    for family in ("req", "err", "ok"):
        lines.append(f"# TYPE {family} counter")
        for case in sorted(CASES):
            if family not in ("req", CASES[case][0]):
                continue
            ago, written = _values(case, family)
            for minutes, text in zip(ago, written, strict=True):
                lines.append(f'{family}_total{{case="{case}"}} {text} {END - 60 * int(minutes)}')
    return "\n".join([*lines, "# EOF", ""])


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with prometheus_holding(openmetrics(), tmp_path_factory.mktemp("prometheus-mixed")) as base:
        yield base


# A page on whole 5-minute windows: the alert timeline is replayed from counts at step points.
STEP_WINDOWS = {
    "name": "steps",
    "pairs": [{"severity": "page", "long": "1h", "short": "5m", "budget_share": 0.02}],
}


def write_config(folder: Path, url: str, steps: bool = False) -> Path:
    def case(name: str) -> configs.Node:
        other = CASES[name][0]
        counter = "bad_counter" if other == "err" else "good_counter"
        sli = configs.availability(
            total=configs.selector("req_total", case=name),
            **{counter: configs.selector(f"{other}_total", case=name)},
        )
        alerting = {"alerting": {"windows": "steps"}} if steps else {}
        slo = configs.slo(f"{name}-day", 99, window="1d", **alerting)
        return configs.component(name, slo, source="prom", slis=[sli])

    services = [configs.service("shop", *(case(name) for name in sorted(CASES)))]
    sections = {"alert_windows": [STEP_WINDOWS]} if steps else {}
    source = configs.prometheus_source(url, timeout="10s")
    return configs.write_config(folder, *services, sources=[source], **sections)


def outcome(out: Path) -> dict[str, Any]:
    """Each component's figures in every artifact, and the samples skipped."""
    found: dict[str, Any] = {}
    for name in ("sli-metrics.json", "slo-targets.json", "error-budgets.json"):
        document = json.loads((out / name).read_text())
        for entry in document.get("components", []) + document.get("slos", []):
            found[f"{name} {entry.get('id', entry.get('slo'))}"] = entry
    [source] = json.loads((out / "sli-metrics.json").read_text())["inputs"]
    found["skipped"] = source["skipped"]
    return found


@pytest.mark.real
@pytest.mark.parametrize("steps", [False, True], ids=["hour-points", "step-points"])
def test_counters_of_one_sli_read_alike_give_the_figures_of_every_minute(
    server: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, steps: bool
) -> None:
    config = load_config(write_config(tmp_path, server, steps))
    by_hours = pipeline.run(config, pipeline.RunOptions(now=END, out_dir=tmp_path / "hours"))
    assert by_hours.telemetry is not None
    grid = by_hours.telemetry.grid
    # With whole 5-minute alert windows, minutes for the last hours only and step points before.
    assert minute_detail.minute_detail_from(config, grid) == END - (6 * 3600 if steps else 2 * DAY)
    assert minute_detail.alert_step_detail_from(config, grid) == (END - 2 * DAY if steps else grid.end)
    monkeypatch.setattr(pipeline, "minute_detail_from", lambda _config, grid: grid.origin)
    monkeypatch.setattr(pipeline, "alert_step_detail_from", lambda _config, grid: grid.end)
    pipeline.run(config, pipeline.RunOptions(now=END, out_dir=tmp_path / "minutes"))
    hours, minutes = outcome(tmp_path / "hours"), outcome(tmp_path / "minutes")
    assert minutes["skipped"] == {"NaN or infinite sample value": 2}
    assert len(minutes) == 4 * len(CASES) + 1  # components and SLOs in sli-metrics, SLOs in the others
    assert [name for name, figures in minutes.items() if hours.get(name) != figures] == []


@pytest.mark.real
def test_only_slis_whose_counters_all_allow_it_are_read_at_hour_points(server: str, tmp_path: Path) -> None:
    grid = MinuteGrid(END - 6 * DAY - (END % DAY), (6 * DAY + END % DAY) // 60)
    config = load_config(write_config(tmp_path, server))
    [source] = [source for source in config.sources if isinstance(source, PrometheusSource)]
    components, report = list(config.index.components_reading["prom"]), ReadReport("prom")
    client = prometheus_api.PrometheusClient(source)
    samples = prometheus_api.fetch_samples(client, components, grid, report, detail_from=END - 2 * DAY)
    at_hours = {
        (name, dict(labels)["case"])
        for (name, labels), (stamps, _) in samples.series.items()
        if stamps.size < 4000
    }
    assert at_hours == {("req_total", "fractional"), ("err_total", "fractional")}
    assert len(samples.series) == 2 * len(CASES)
    assert report.skipped == {prometheus_api.NON_FINITE: 2}
