"""Configuration problems say what is wrong with the value, the forms accepted and the nearest known
key or name, at the file and line of the value; reference problems come in the same pass as schema
problems."""

from __future__ import annotations

from pathlib import Path

import pytest

from reliability.config import load_config
from reliability.errors import ConfigError, Problem

CONFIG = """\
services:
  - name: store
    components:
      - name: books
        source: web
        slis:
          - {name: availability, kind: availability}
          - name: latency
            kind: latency
            threshold: 300ms
        slos:
          - name: books-availability
            sli: availability
            objective: 99.9
            window: 1d
          - {name: books-latency, sli: latency, objective: 99}
sources:
  - name: web
    type: events
    paths: [events.csv]
    columns:
      component: component
      latency: {column: latency_ms, unit: ms}
      status: status
      timestamp: {column: ts, format: unix_s}
"""


def problems(tmp_path: Path, *edits: tuple[str, str]) -> list[Problem]:
    text = CONFIG
    for old, new in edits:
        assert old in text
        text = text.replace(old, new)
    (tmp_path / "events.csv").write_text("ts,component,status,latency_ms\n1704067200,catalog,200,12\n")
    path = tmp_path / "config.yaml"
    path.write_text(text)
    with pytest.raises(ConfigError) as raised:
        load_config(path)
    found = raised.value.problems
    assert all(p.file == str(path) and p.line for p in found)  # file:line on every one
    return found


def line_of(text: str) -> int:
    return 1 + CONFIG.splitlines().index(text)


@pytest.mark.parametrize(
    ("threshold", "says"),
    [
        (
            "fast",
            "'fast' is not a duration: expected a whole number and a unit (ms, s, m, h, d or w), "
            "such as 300ms, 30s, 5m or 1h30m",
        ),
        ("400", "400 is not a duration: a number needs a unit, such as 400ms or 400s"),
    ],
)
def test_a_bad_latency_threshold_says_what_a_duration_is(tmp_path: Path, threshold: str, says: str) -> None:
    [problem] = problems(tmp_path, ("threshold: 300ms", f"threshold: {threshold}"))
    assert problem.message == says
    assert (problem.line, problem.field) == (
        line_of("            threshold: 300ms"),
        "services[0].components[0].slis[1].threshold",
    )
    assert "Additional properties" not in problem.message


@pytest.mark.parametrize("window", ["{days: 30}", "30 days", "monthly"])
def test_a_bad_window_shows_the_accepted_forms(tmp_path: Path, window: str) -> None:
    [problem] = problems(tmp_path, ("window: 1d", f"window: {window}"))
    assert (
        "is not a window: expected a rolling duration such as 30d or 4w, or {calendar: week|month|quarter}"
        in (problem.message)
    )
    assert "is not of type" not in problem.message
    assert problem.line == line_of("            window: 1d")


def test_a_bad_objective_shows_the_accepted_forms(tmp_path: Path) -> None:
    [problem] = problems(tmp_path, ("objective: 99.9", "objective: high"))
    assert (
        problem.message
        == "'high' is not an objective: expected a percent above 0 and at most 100, such as 99.9, or auto"
    )


def test_a_misspelt_key_is_one_problem_with_the_nearest_key(tmp_path: Path) -> None:
    [problem] = problems(tmp_path, ("            objective: 99.9", "            objectiv: 99.9"))
    assert problem.message == "unknown key 'objectiv'; did you mean 'objective'?"
    assert problem.field == "services[0].components[0].slos[0].objectiv"
    assert problem.line == line_of("            objective: 99.9")


def test_an_unknown_key_with_no_near_one_lists_the_known_keys(tmp_path: Path) -> None:
    [problem] = problems(tmp_path, ("            window: 1d", "            zzz: 1d"))
    assert problem.message.startswith("unknown key 'zzz'; known keys: alerting, budgeting, description")


def test_unknown_names_suggest_the_nearest_one(tmp_path: Path) -> None:
    [source] = problems(tmp_path, ("        source: web", "        source: wbe"))
    assert source.message.endswith("uses unknown source 'wbe'; did you mean 'web'?")
    [sli] = problems(tmp_path, ("sli: latency, objective", "sli: latncy, objective"))
    assert sli.message.endswith("unknown SLI 'latncy' of store/books; did you mean 'latency'?")


def test_reference_problems_come_with_the_schema_problems(tmp_path: Path) -> None:
    found = problems(
        tmp_path, ("        source: web", "        source: wbe"), ("window: 1d", "window: 30 days")
    )
    messages = [p.message for p in found]
    assert len(found) == 2, messages
    assert "is not a window" in messages[0] and "unknown source 'wbe'; did you mean 'web'?" in messages[1]


def test_a_reference_to_an_item_with_a_schema_problem_is_not_reported_unknown(tmp_path: Path) -> None:
    # The latency SLI is cut for its bad threshold; the SLO naming it must not add "unknown SLI".
    found = problems(
        tmp_path,
        ("threshold: 300ms", "threshold: fast"),
        ("sli: availability\n            objective: 99.9", "sli: availabilty\n            objective: 99.9"),
    )
    messages = [p.message for p in found]
    assert len(found) == 2 and not any("'latency'" in m for m in messages), messages
    assert "unknown SLI 'availabilty' of store/books; did you mean 'availability'?" in messages[1]
