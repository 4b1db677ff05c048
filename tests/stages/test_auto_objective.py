"""`objective: auto` rests on the backtest engine: the same history spread evenly or on one day.

Both components see one event a minute for 20 days and the same 57 errors (0.2 %): the
error-ratio rule would give both 99.5 %. Spread evenly, every 7-day window holds about 20
errors of 10,080 events (0.2 %, 40 % of a 99.5 % budget). Packed into one day, the windows
holding that day have 57 errors (0.57 %): 99.5 % is missed there, and 99 % (57 % of its budget
used) is the highest step met. That day's 4 % errors burn a 99 % budget at 4x: under the 14.4x and
6x of the page pairs scaled to a 7-day period (14m/1m, 1h24m/7m), so it never pages and the budget
alone decides. (Pages counted per incident are tested in test_auto_objective_incidents.py.)
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from support.configs import Node, component, events_source, service, slo, write_config

from reliability import pipeline
from reliability.config import load_config
from reliability.conventions import Stage
from reliability.core.counts import Count
from reliability.core.targets import highest_met_step
from reliability.timefmt import parse_rfc3339

NOW = int(parse_rfc3339("2026-11-05T12:00:00Z").timestamp())
DAYS = 20
ERRORS = 57

STEADY_AND_BURSTY = service(
    "web",
    component(
        "steady",
        slo("steady-week", "auto", window="7d"),
        slo("steady-month", "auto", window="30d"),
    ),
    component("bursty", slo("bursty-week", "auto", window="7d")),
)
SETTINGS = {"history": "20d", "auto_objective_max_pages_per_30d": 10}


def events() -> str:
    first = NOW - DAYS * 86400
    minutes = DAYS * 1440
    bad_steady = {int(i * minutes / ERRORS) for i in range(ERRORS)}
    bursty_day = 10 * 1440
    bad_bursty = {bursty_day + int(i * 1440 / ERRORS) for i in range(ERRORS)}
    lines = ["ts,comp,status"]
    for minute in range(minutes):
        ts = first + minute * 60 + 30
        lines.append(f"{ts},steady,{503 if minute in bad_steady else 200}")
        lines.append(f"{ts},bursty,{503 if minute in bad_bursty else 200}")
    return "\n".join(lines) + "\n"


def derive(
    folder: Path, web: Node, settings: Node | None = None, event_rows: str | None = None
) -> dict[str, dict[str, Any]]:
    """The targets of the service `web`, read from one events file (epoch seconds)."""
    (folder / "events.csv").write_text(events() if event_rows is None else event_rows)
    path = write_config(folder, web, sources=[events_source(unix_seconds=True)], settings=settings)
    config = load_config(path)
    options = pipeline.RunOptions(now=NOW, out_dir=folder / "out", until=Stage.TARGETS)
    result = pipeline.run(config, options)
    return {t["slo"]: t for t in result.as_json()[Stage.TARGETS]["slos"]}


@pytest.fixture(scope="module")
def targets(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, Any]]:
    return derive(tmp_path_factory.mktemp("auto"), STEADY_AND_BURSTY, SETTINGS)


def test_the_error_ratio_alone_cannot_tell_them_apart() -> None:
    history = Count(DAYS * 1440 - ERRORS, DAYS * 1440)
    assert highest_met_step(history, 0.75) == 99.5


def test_steady_errors_keep_the_higher_objective(targets: dict[str, dict[str, Any]]) -> None:
    steady = targets["web/steady-week"]
    assert steady["objective_percent"] == 99.5
    by_step = {c["objective_percent"]: c for c in steady["backtest"]["candidates"]}
    assert by_step[99.5]["qualified"] and by_step[99.5]["met_share"] == 1.0
    assert by_step[99.5]["period_ends"] == DAYS - 7 + 1 - 1  # day ends with a whole 7-day window of data
    assert not by_step[99.9]["qualified"]
    assert "reliability backtest web/steady-week --objectives 90,95,99" in steady["rationale"]


def test_errors_on_one_day_lower_the_objective(targets: dict[str, dict[str, Any]]) -> None:
    bursty = targets["web/bursty-week"]
    assert bursty["objective_percent"] == 99.0
    by_step = {c["objective_percent"]: c for c in bursty["backtest"]["candidates"]}
    assert by_step[99.5]["met_share"] < 1.0
    assert "99.5%: missed at" in bursty["rationale"]
    assert by_step[99.0]["lowest_budget_left"] == pytest.approx(1 - ERRORS / (0.01 * 7 * 1440))
    assert by_step[99.0]["pages"] == 0  # a 4x burn stays under the scaled 7-day page pairs


def test_a_bad_day_under_the_page_factors_never_pages(tmp_path: Path) -> None:
    strict = derive(tmp_path, STEADY_AND_BURSTY, {"history": "20d"})
    bursty = strict["web/bursty-week"]
    assert bursty["objective_percent"] == 99.0
    by_step = {c["objective_percent"]: c for c in bursty["backtest"]["candidates"]}
    assert (by_step[99.0]["pages"], by_step[99.0]["paged_incidents"]) == (0, 0)
    assert by_step[99.0]["qualified"]
    assert strict["web/steady-week"]["objective_percent"] == 99.5  # never paged: unchanged


def test_history_shorter_than_the_window_falls_back_to_the_error_ratio(
    targets: dict[str, dict[str, Any]],
) -> None:
    month = targets["web/steady-month"]
    assert month["backtest"] is None
    assert month["objective_percent"] == 99.5
    assert "history shorter than one rolling 30d window, so no backtest" in month["rationale"]


MONTHLY = service("web", component("shop", slo("monthly", "auto", window={"calendar": "month"})))


def one_a_minute(first: str, error_every: int, errors_until: str) -> str:
    """One event a minute from `first` to NOW; every `error_every`-th minute fails before `errors_until`."""
    start = int(parse_rfc3339(first).timestamp())
    stop = int(parse_rfc3339(errors_until).timestamp())
    lines = ["ts,comp,status"]
    for ts in range(start + 30, NOW, 60):
        failed = ts < stop and (ts - start) // 60 % error_every == 0
        lines.append(f"{ts},shop,{503 if failed else 200}")
    return "\n".join(lines) + "\n"


def test_a_calendar_period_the_data_began_in_counts(tmp_path: Path) -> None:
    # Data from September 15th; 0.5 % errors until October, none after. September to date is
    # judged on what it recorded: 99.5 % is missed there (the first day ends hold 0.56 % errors),
    # so 99 % is kept; judging only October and November would have kept 99.99 %.
    rows = one_a_minute("2026-09-15T00:00:00Z", 200, "2026-10-01T00:00:00Z")
    monthly = derive(tmp_path, MONTHLY, event_rows=rows)["web/monthly"]
    assert monthly["objective_percent"] == 99.0
    by_step = {c["objective_percent"]: c for c in monthly["backtest"]["candidates"]}
    assert by_step[99.5]["lowest_budget_left"] < 0
    assert by_step[99.5]["reason"].startswith("missed at")


def test_a_calendar_window_over_days_of_data_is_not_backtested(tmp_path: Path) -> None:
    rows = one_a_minute("2026-11-01T00:00:00Z", 1000, "2026-11-06T00:00:00Z")
    monthly = derive(tmp_path, MONTHLY, event_rows=rows)["web/monthly"]
    assert monthly["backtest"] is None
    assert "history shorter than one calendar month (UTC) window, so no backtest" in monthly["rationale"]
