"""The four pipeline artifacts against their shipped JSON Schemas.

Real output of the bundled example validates (pipeline.run checks it before writing);
artifacts broken in one place each do not; and writing leaves nothing half-done behind.
"""

from __future__ import annotations

import copy
import dataclasses
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from reliability import artifacts, pipeline
from reliability.actions.command import Outcome
from reliability.config import load_config
from reliability.conventions import ARTIFACT_FILES, Stage
from reliability.errors import ReliabilityError

CONFIG_DIR = Path(__file__).parent.parent / "config"
KINDS = [file.removesuffix(".json") for file in ARTIFACT_FILES.values()]
DAY = 86400


def _run(out_dir: Path, *, shift_seconds: float = 0, until: Stage = Stage.HOOKS) -> Path:
    config = load_config(CONFIG_DIR)
    assert config.settings.evaluate_at is not None
    now = config.settings.evaluate_at.timestamp() + shift_seconds
    pipeline.run(config, pipeline.RunOptions(now=now, out_dir=out_dir, until=until))
    return out_dir


def _load(out_dir: Path) -> dict[str, dict[str, Any]]:
    return {kind: artifacts.read(out_dir / f"{kind}.json") for kind in KINDS}


@pytest.fixture(scope="module")
def example_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The bundled example at its pinned time: alerts fire, one SLA is breached, hooks are planned."""
    return _run(tmp_path_factory.mktemp("example"))


@pytest.fixture(scope="module")
def example(example_dir: Path) -> dict[str, dict[str, Any]]:
    return _load(example_dir)


@pytest.fixture(scope="module")
def no_history(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, Any]]:
    """200 days before the telemetry begins, stopping before hooks: every null and no-data path.

    The half second also gives requested_now a fractional part.
    """
    folder = tmp_path_factory.mktemp("no-history")
    return _load(_run(folder, shift_seconds=-200 * DAY + 0.5, until=Stage.SLA))


def _broken(data: dict[str, Any], kind: str) -> dict[str, Any]:
    """A deep copy of `data` that breaks the `kind` schema (a required key removed)."""
    copied = copy.deepcopy(data)
    del copied["run_id"]
    assert artifacts.problems(kind, copied)
    return copied


# --- the schemas themselves


def _object_schemas(node: Any, where: str = "#") -> Iterator[tuple[str, dict[str, Any]]]:
    """Every subschema that describes an object's properties, except `if` conditions."""
    if isinstance(node, dict):
        if node.get("type") == "object" and "properties" in node:
            yield where, node
        for key, value in node.items():
            if key != "if":
                yield from _object_schemas(value, f"{where}/{key}")
    elif isinstance(node, list):
        for index, item in enumerate(node):
            yield from _object_schemas(item, f"{where}/{index}")


@pytest.mark.parametrize("kind", KINDS)
def test_schema_is_valid_draft_2020_12_and_documented(kind: str) -> None:
    schema = artifacts.schema(kind)
    jsonschema.Draft202012Validator.check_schema(schema)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema["title"] and schema["description"]
    assert schema["properties"]["kind"] == {"const": kind, "description": "Which artifact this is."}


@pytest.mark.parametrize("kind", KINDS)
def test_every_object_is_closed(kind: str) -> None:
    """additionalProperties is false, or a schema for maps such as `skipped`."""
    objects = _object_schemas(artifacts.schema(kind))
    assert [where for where, node in objects if "additionalProperties" not in node] == []


@pytest.mark.parametrize("kind", KINDS)
def test_keys_allowed_as_true_are_typed_by_a_mixin(kind: str) -> None:
    """An object built from $defs mixins lists their keys as `true`; each must come from one of them."""
    schema = artifacts.schema(kind)
    for where, node in _object_schemas(schema):
        refs = [part["$ref"] for part in node.get("allOf", []) if "$ref" in part]
        mixins = [schema["$defs"][ref.removeprefix("#/$defs/")] for ref in refs]
        typed = {key for mixin in mixins for key in mixin.get("properties", {})}
        untyped = {key for key, sub in node["properties"].items() if sub is True} - typed
        assert untyped == set(), where


# --- real artifacts validate


def test_the_run_wrote_the_four_artifacts_and_nothing_else(example_dir: Path) -> None:
    assert sorted(p.name for p in example_dir.iterdir()) == sorted(ARTIFACT_FILES.values())


@pytest.mark.parametrize("kind", KINDS)
def test_example_artifact_validates(example: dict[str, dict[str, Any]], kind: str) -> None:
    assert example[kind]["kind"] == kind
    assert artifacts.problems(kind, example[kind]) == []


@pytest.mark.parametrize("kind", KINDS)
def test_artifact_without_any_data_validates(no_history: dict[str, dict[str, Any]], kind: str) -> None:
    assert artifacts.problems(kind, no_history[kind]) == []


def test_the_example_exercises_the_interesting_shapes(example: dict[str, dict[str, Any]]) -> None:
    """Guards the mutations below: they rely on these being present in the example."""
    states = {slo["alert"]["state"] for slo in example["error-budgets"]["slos"]}
    assert {"page", "ticket", "no_data"} <= states
    assert example["sla-compliance"]["actions"]
    assert example["sla-compliance"]["actions"][0]["event"]["trigger"] == "page"
    assert example["sla-compliance"]["actions_mode"] == "dry_run"


def test_slo_without_objective_has_the_reduced_shape(no_history: dict[str, dict[str, Any]]) -> None:
    budgets = no_history["error-budgets"]
    index, entry = next((i, s) for i, s in enumerate(budgets["slos"]) if s["objective_percent"] is None)
    reduced = {"slo", "service", "component", "sli", "window", "window_seconds", "objective_percent"}
    reduced |= {"no_data", "reason"}
    assert set(entry) == reduced

    with_budget = copy.deepcopy(budgets)
    with_budget["slos"][index]["budget"] = None
    assert artifacts.problems("error-budgets", with_budget)

    with_data = copy.deepcopy(budgets)
    with_data["slos"][index]["no_data"] = False
    assert artifacts.problems("error-budgets", with_data)


def test_sla_without_hooks_stage_has_no_actions_mode(no_history: dict[str, dict[str, Any]]) -> None:
    sla = no_history["sla-compliance"]
    assert "actions_mode" not in sla
    assert sla["actions"] == []


@pytest.mark.parametrize(
    "outcome",
    [
        Outcome("succeeded", 0, 0.1, "restarting checkout\n", ""),
        Outcome("failed", 1, 0.2, "", "boom\n"),
        Outcome("failed", -9, 0.2),
        Outcome("timed_out", None, 30.0, "partial", "", "killed after 30s"),
        Outcome("error", None, 0.001, error="cannot start: [Errno 2] No such file or directory: 'nope'"),
    ],
    ids=lambda o: f"{o.status}-{o.exit_code}",
)
def test_executed_action_outcomes_validate(example: dict[str, dict[str, Any]], outcome: Outcome) -> None:
    sla = copy.deepcopy(example["sla-compliance"])
    sla["actions_mode"] = "executed"
    for action in sla["actions"]:
        action.update(dataclasses.asdict(outcome))
    assert artifacts.problems("sla-compliance", sla) == []


# --- broken artifacts do not

DELETE = object()
WINDOW = ("components", 0, "slis", 0, "windows", 0)
SLO = ("slos", 0)
PERIOD = ("slas", 0, "periods", 0)
ACTION = ("actions", 0)

MUTATIONS: list[tuple[str, str, tuple[str | int, ...], Any]] = [
    # (test id, artifact kind, path to the value, new value or DELETE)
    ("required key removed", "sli-metrics", (*WINDOW, "ratio"), DELETE),
    ("header key removed", "sli-metrics", ("run_id",), DELETE),
    ("ratio as a string", "sli-metrics", (*WINDOW, "ratio"), "0.99"),
    ("ratio above one", "sli-metrics", (*WINDOW, "ratio"), 1.5),
    ("negative count", "sli-metrics", (*WINDOW, "good"), -1),
    ("fractional count", "sli-metrics", (*WINDOW, "total"), 1.5),
    ("no_data with events", "sli-metrics", (*WINDOW, "no_data"), True),
    ("unknown key in a composed object", "sli-metrics", (*WINDOW, "p42"), 1),
    ("negative latency", "sli-metrics", ("components", 0, "latency", "windows", 0, "p99_seconds"), -0.1),
    ("skipped count as a string", "sli-metrics", ("inputs", 0, "skipped", "malformed record"), "1"),
    ("timestamp not RFC 3339", "sli-metrics", ("evaluated_at",), "2026-11-05 12:00:00"),
    ("timestamp with an offset", "sli-metrics", ("requested_now",), "2026-11-05T12:00:00+01:00"),
    ("kind of another artifact", "sli-metrics", ("kind",), "slo-targets"),
    ("unknown schema version", "sli-metrics", ("schema_version",), 2),
    ("unknown verdict", "slo-targets", (*SLO, "verdict"), "maybe"),
    ("declared objective marked auto", "slo-targets", (*SLO, "objective_source"), "auto"),
    ("objective above 100", "slo-targets", (*SLO, "objective_percent"), 100.1),
    (
        "first day with data not a date",
        "slo-targets",
        (*SLO, "history", "first_day_with_data"),
        "2026-10-01T00:00:00Z",
    ),
    ("budget key removed", "slo-targets", (*SLO, "budget", "fraction"), DELETE),
    ("unknown alert state", "error-budgets", (*SLO, "alert", "state"), "warning"),
    ("unknown pair status", "error-budgets", (*SLO, "alert", "pairs", 0, "status"), "pending"),
    ("unknown severity", "error-budgets", ("alert_policy", "pairs", 0, "severity"), "info"),
    ("boolean as a string", "error-budgets", (*SLO, "budget", "exhausted"), "false"),
    ("remaining ratio as a string", "error-budgets", (*SLO, "budget", "remaining_ratio"), "0.5"),
    ("negative burn rate", "error-budgets", (*SLO, "burn_rates", 0, "burn_rate"), -1.0),
    ("null objective with a full budget", "error-budgets", (*SLO, "objective_percent"), None),
    ("exhaustion at not a timestamp", "error-budgets", (*SLO, "exhaustion", "at"), "soon"),
    ("unknown key in a policy pair", "error-budgets", ("alert_policy", "pairs", 0, "extra"), True),
    ("unknown sla status", "sla-compliance", ("slas", 0, "status"), "late"),
    ("unknown period", "sla-compliance", (*PERIOD, "period"), "last_week"),
    ("periods out of order", "sla-compliance", ("slas", 0, "periods", 1, "period"), "current_month"),
    ("negative days with data", "sla-compliance", (*PERIOD, "days_with_data"), -1),
    ("month as a date", "sla-compliance", (*PERIOD, "month"), "2026-11-01"),
    ("unknown action status", "sla-compliance", (*ACTION, "status"), "skipped"),
    ("dry run with an exit code", "sla-compliance", (*ACTION, "exit_code"), 0),
    ("unknown state in an event", "sla-compliance", (*ACTION, "event", "details", "alert_state"), "warn"),
    ("executed mode with a dry-run action", "sla-compliance", ("actions_mode",), "executed"),
    ("actions without actions_mode", "sla-compliance", ("actions_mode",), DELETE),
    ("unknown top-level key", "sla-compliance", ("notes",), "hi"),
]


@pytest.mark.parametrize(("kind", "path", "value"), [pytest.param(*m[1:], id=m[0]) for m in MUTATIONS])
def test_broken_artifact_does_not_validate(
    example: dict[str, dict[str, Any]], kind: str, path: tuple[str | int, ...], value: Any
) -> None:
    data = copy.deepcopy(example[kind])
    *parents, last = path
    target: Any = data
    for key in parents:
        target = target[key]
    if value is DELETE:
        del target[last]
    else:
        target[last] = value
    assert artifacts.problems(kind, data) != []


@pytest.mark.parametrize("kind", KINDS)
def test_check_raises_on_a_broken_artifact(example: dict[str, dict[str, Any]], kind: str) -> None:
    artifacts.check(kind, example[kind])  # the unbroken one passes
    with pytest.raises(ReliabilityError, match=f"the {kind} artifact does not match its schema"):
        artifacts.check(kind, _broken(example[kind], kind))


# --- atomic writes


def test_write_atomically_replaces_the_file_and_leaves_no_temporary_file(tmp_path: Path) -> None:
    path = tmp_path / "out" / "sli-metrics.json"
    artifacts.write_atomically(path, "first\n")
    artifacts.write_atomically(path, "second\n")
    assert [p.name for p in path.parent.iterdir()] == ["sli-metrics.json"]
    assert path.read_text(encoding="utf-8") == "second\n"


def test_failed_write_keeps_the_old_file_and_leaves_no_temporary_file(tmp_path: Path) -> None:
    path = tmp_path / "sli-metrics.json"
    artifacts.write_atomically(path, "old\n")
    with pytest.raises(UnicodeEncodeError):
        artifacts.write_atomically(path, "a lone surrogate cannot be UTF-8: \udc80")
    assert [p.name for p in tmp_path.iterdir()] == ["sli-metrics.json"]
    assert path.read_text(encoding="utf-8") == "old\n"
