"""The four pipeline artifacts against their shipped JSON Schemas.

Real output of the bundled example validates (pipeline.run checks it before writing);
artifacts broken in one place each do not; and writing leaves nothing half-done behind.
"""

from __future__ import annotations

import copy
import dataclasses
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from conftest import EXAMPLE_CONFIG

from reliability import artifacts, pipeline
from reliability.actions.command import Outcome
from reliability.artifacts.models import MODELS
from reliability.config import load_config
from reliability.conventions import ARTIFACT_FILES, MANIFEST_FILE, Stage
from reliability.core.percentiles import PERCENTILE_KEYS
from reliability.errors import ReliabilityError

CONFIG_DIR = EXAMPLE_CONFIG
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
    """200 days before the telemetry begins, stopping before hooks: every null and no-data path
    (no objective for 'auto', no forecast, the no_data policy fallback, empty attribution).

    The half second also gives requested_now a fractional part.
    """
    folder = tmp_path_factory.mktemp("no-history")
    return _load(_run(folder, shift_seconds=-200 * DAY + 0.5, until=Stage.SLA))


@dataclasses.dataclass(frozen=True)
class Item:
    """A path step into a list: the element whose `key` is `value`, wherever the config put it."""

    key: str
    value: str


Step = str | int | Item


def _slo(slo_id: str) -> tuple[Step, ...]:
    return ("slos", Item("slo", slo_id))


def _component(component_id: str) -> tuple[Step, ...]:
    return ("components", Item("id", component_id))


def _step(node: Any, step: Step) -> Any:
    if isinstance(step, Item):
        return next(item for item in node if item[step.key] == step.value)
    return node[step]


def _mutated(data: dict[str, Any], path: tuple[Step, ...], value: Any) -> dict[str, Any]:
    """A deep copy of `data` with the value at `path` replaced, or removed for DELETE."""
    copied = copy.deepcopy(data)
    *parents, last = path
    assert not isinstance(last, Item)
    target: Any = copied
    for step in parents:
        target = _step(target, step)
    if value is DELETE:
        del target[last]
    else:
        target[last] = value
    return copied


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


def test_the_run_wrote_the_four_artifacts_their_manifest_and_nothing_else(example_dir: Path) -> None:
    assert sorted(p.name for p in example_dir.iterdir()) == sorted([*ARTIFACT_FILES.values(), MANIFEST_FILE])


@pytest.mark.parametrize("kind", KINDS)
def test_example_artifact_validates(example: dict[str, dict[str, Any]], kind: str) -> None:
    assert example[kind]["kind"] == kind
    assert artifacts.problems(kind, example[kind]) == []


@pytest.mark.parametrize("kind", KINDS)
def test_artifact_without_any_data_validates(no_history: dict[str, dict[str, Any]], kind: str) -> None:
    assert artifacts.problems(kind, no_history[kind]) == []


@pytest.mark.parametrize("kind", KINDS)
def test_artifact_without_any_data_round_trips_through_its_record(
    no_history: dict[str, dict[str, Any]], kind: str
) -> None:
    """The null shapes (no objective, no forecast, a fractional requested_now) read back unchanged."""
    record = MODELS[kind].from_json(no_history[kind])
    assert record.to_json() == no_history[kind]
    assert json.dumps(record.to_json()) == json.dumps(no_history[kind])


def test_the_example_exercises_the_interesting_shapes(example: dict[str, dict[str, Any]]) -> None:
    """Guards the mutations below: they rely on these being present in the example."""
    states = {slo["alert"]["state"] for slo in example["error-budgets"]["slos"]}
    assert {"page", "ticket", "no_data"} <= states
    assert example["sla-compliance"]["actions"]
    assert example["sla-compliance"]["actions"][0]["event"]["trigger"] == "page"
    assert example["sla-compliance"]["actions_mode"] == "dry_run"

    measured = {slo["slo"]: slo for slo in example["sli-metrics"]["slos"]}
    assert measured[CHECKOUT]["budgeting"]["method"] == "occurrences"
    assert measured[CHECKOUT]["min_events"] == 0
    assert measured[GOOD_MINUTES]["budgeting"]["method"] == "timeslices"
    assert measured[JOURNEY]["composite"]["method"] == "all_must_succeed"
    assert measured[BROWSE]["components"] == ["catalog", "search"]
    assert measured[MONTHLY]["window"]["name"] == "calendar-month"
    assert measured[RECOMMENDATIONS]["min_events"] > 0
    goods = [m["good"] for m in measured[JOURNEY]["measurements"]]
    assert any(isinstance(good, float) and not good.is_integer() for good in goods)

    latency = {c["id"]: c["latency"] for c in example["sli-metrics"]["components"]}
    assert latency[CATALOG]["windows"][0]["estimated"] is True  # log-linear buckets of events
    assert set(latency[CATALOG]["windows"][0]["bounds_seconds"]) == set(PERCENTILE_KEYS)
    assert latency[CATALOG]["worst_hours"] and latency[CATALOG]["slow_share"]
    assert latency[GATEWAY]["windows"][0]["estimated"] is True
    assert latency[GATEWAY]["windows"][0]["no_data"] is False

    budgets = {slo["slo"]: slo for slo in example["error-budgets"]["slos"]}
    assert budgets[CHECKOUT]["forecast"]["available"] is True
    assert budgets[CHECKOUT]["policy"]["rule"] is not None
    assert {"day", "hour"} <= set(budgets[CHECKOUT]["attribution"])
    assert budgets[CHECKOUT]["attribution"]["day"]["shares"]
    assert budgets[RECOMMENDATIONS]["alert"]["state"] == "no_data"
    assert budgets[RECOMMENDATIONS]["policy"] == {
        "state": "no_data",
        "rule": None,
        "reason": "no data to judge the budget by",
    }
    assert any(pair["low_confidence"] for pair in budgets[RECOMMENDATIONS]["alert"]["pairs"])
    assert set(budgets[JOURNEY]["attribution"]) == {"dependency"}
    assert set(budgets[BROWSE]["attribution"]) == {"status", "component", "day", "hour"}
    assert budgets[GOOD_MINUTES]["attribution"] == {}
    assert "sre-workbook" in example["error-budgets"]["alert_window_sets"]


def test_the_run_without_history_exercises_the_null_shapes(no_history: dict[str, dict[str, Any]]) -> None:
    """Guards NO_DATA_MUTATIONS: they rely on these being present in the run without history."""
    budgets = {slo["slo"]: slo for slo in no_history["error-budgets"]["slos"]}
    assert budgets[CHECKOUT]["no_data"] is True
    assert budgets[CHECKOUT]["forecast"] == {
        "available": False,
        "reason": "no budget to forecast (no traffic, or a 100 % objective)",
    }
    assert budgets[CHECKOUT]["policy"]["state"] == "no_data"
    assert budgets[JOURNEY]["attribution"] == {"dependency": {"total_bad": 0.0, "shares": []}}
    measured = {slo["slo"]: slo for slo in no_history["sli-metrics"]["slos"]}
    assert measured[GOOD_MINUTES]["measurements"][0]["slices_without_data"] > 0
    latency = {c["id"]: c["latency"] for c in no_history["sli-metrics"]["components"]}
    assert latency[GATEWAY]["windows"][0]["bounds_seconds"] == {}
    assert latency[GATEWAY]["slow_share"][0]["slow_share"] is None


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
PAIR_SET = ("alert_window_sets", "sre-workbook", 0)

# SLOs and components of the bundled example with a shape worth breaking.
CHECKOUT = "orders/checkout-availability"  # occurrences, rolling 30d, pages; forecast and policy rule
GOOD_MINUTES = "orders/checkout-good-minutes"  # timeslices
JOURNEY = "orders/order-journey"  # composite (all_must_succeed): fractional good units
BROWSE = "storefront/browse-availability"  # two components: attribution by component
MONTHLY = "storefront/catalog-availability-monthly"  # calendar month in Europe/Berlin
RECOMMENDATIONS = "storefront/recommendations-availability"  # min_events: low-confidence windows
CATALOG = "storefront/catalog"  # raw latencies: bucket estimates with bounds, worst hours
GATEWAY = "edge/gateway"  # a histogram: estimated percentiles with their buckets

MEASUREMENT = (*_slo(CHECKOUT), "measurements", 0)
BUDGET = _slo(CHECKOUT)
FORECAST = (*BUDGET, "forecast")
A_FORECAST = {
    "available": True,
    "method": "bootstrap",
    "horizon_end": "2026-11-12T12:00:00Z",
    "horizon_seconds": 604800,
    "days_sampled_from": 28,
    "remaining_ratio_p10": 0.5,
    "remaining_ratio_p50": 0.6,
    "remaining_ratio_p90": 0.7,
    "exhaustion_probability": 0.0,
}

MUTATIONS: list[tuple[str, str, tuple[Step, ...], Any]] = [
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
    ("unknown severity", "error-budgets", (*PAIR_SET, "severity"), "info"),
    ("boolean as a string", "error-budgets", (*SLO, "budget", "exhausted"), "false"),
    ("remaining ratio as a string", "error-budgets", (*SLO, "budget", "remaining_ratio"), "0.5"),
    ("negative burn rate", "error-budgets", (*SLO, "burn_rates", 0, "burn_rate"), -1.0),
    ("null objective with a full budget", "error-budgets", (*SLO, "objective_percent"), None),
    ("exhaustion at not a timestamp", "error-budgets", (*SLO, "exhaustion", "at"), "soon"),
    ("unknown key in a policy pair", "error-budgets", (*PAIR_SET, "extra"), True),
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
    # sli-metrics: latency analytics and histogram estimates
    ("p90 removed", "sli-metrics", (*_component(CATALOG), "latency", "windows", 0, "p90_seconds"), DELETE),
    (
        "p99.9 as a string",
        "sli-metrics",
        (*_component(CATALOG), "latency", "daily", -1, "p99_9_seconds"),
        "1",
    ),
    (
        "estimated missing",
        "sli-metrics",
        (*_component(CATALOG), "latency", "windows", 0, "estimated"),
        DELETE,
    ),
    (
        "exact percentiles with buckets",
        "sli-metrics",
        (*_component(CATALOG), "latency", "windows", 0, "estimated"),
        False,
    ),
    (
        "estimate without buckets",
        "sli-metrics",
        (*_component(GATEWAY), "latency", "windows", 0, "bounds_seconds"),
        DELETE,
    ),
    (
        "bucket with three edges",
        "sli-metrics",
        (*_component(GATEWAY), "latency", "windows", 0, "bounds_seconds", "p50_seconds"),
        [0.05, 0.1, 0.25],
    ),
    (
        "bucket for an unknown percentile",
        "sli-metrics",
        (*_component(GATEWAY), "latency", "windows", 0, "bounds_seconds", "p42_seconds"),
        [0, 1],
    ),
    (
        "analysis window not a duration",
        "sli-metrics",
        (*_component(CATALOG), "latency", "analysis_window"),
        "a month",
    ),
    (
        "worst hour not on the hour",
        "sli-metrics",
        (*_component(CATALOG), "latency", "worst_hours", 0, "hour"),
        "2026-11-05T14:30:00Z",
    ),
    (
        "worst hour without events",
        "sli-metrics",
        (*_component(CATALOG), "latency", "worst_hours", 0, "count"),
        0,
    ),
    (
        "slow share above one",
        "sli-metrics",
        (*_component(CATALOG), "latency", "slow_share", 0, "slow_share"),
        1.5,
    ),
    (
        "slow share without threshold",
        "sli-metrics",
        (*_component(CATALOG), "latency", "slow_share", 0, "threshold_seconds"),
        DELETE,
    ),
    # sli-metrics: per-SLO measurements
    ("slos section removed", "sli-metrics", ("slos",), DELETE),
    ("measurement missing events", "sli-metrics", (*MEASUREMENT, "events"), DELETE),
    ("fractional event count", "sli-metrics", (*MEASUREMENT, "events"), 35.5),
    ("fractional good events for occurrences", "sli-metrics", (*MEASUREMENT, "good"), 23.5),
    ("fractional total", "sli-metrics", (*_slo(JOURNEY), "measurements", 0, "total"), 54.5),
    ("negative good units in a composite", "sli-metrics", (*_slo(JOURNEY), "measurements", 0, "good"), -1.0),
    (
        "low_confidence not boolean",
        "sli-metrics",
        (*_slo(RECOMMENDATIONS), "measurements", 0, "low_confidence"),
        "yes",
    ),
    ("low confidence without min_events", "sli-metrics", (*MEASUREMENT, "low_confidence"), True),
    ("low confidence on a day", "sli-metrics", (*_slo(RECOMMENDATIONS), "daily", -1, "low_confidence"), True),
    ("slices without data for occurrences", "sli-metrics", (*MEASUREMENT, "slices_without_data"), 3),
    ("unknown measurement window", "sli-metrics", (*MEASUREMENT, "window"), "last-week"),
    ("unknown budgeting method", "sli-metrics", (*_slo(CHECKOUT), "budgeting", "method"), "percentile"),
    (
        "timeslices without a slice target",
        "sli-metrics",
        (*_slo(GOOD_MINUTES), "budgeting", "slice_target"),
        None,
    ),
    ("slice target above one", "sli-metrics", (*_slo(GOOD_MINUTES), "budgeting", "slice_target"), 95),
    ("unknown calendar window", "sli-metrics", (*_slo(MONTHLY), "window", "name"), "calendar-year"),
    ("window without period end", "sli-metrics", (*_slo(MONTHLY), "window", "period_end"), DELETE),
    ("composite with an sli", "sli-metrics", (*_slo(JOURNEY), "sli"), "availability"),
    ("composite without dependencies", "sli-metrics", (*_slo(JOURNEY), "composite", "depends_on"), []),
    ("unknown composite method", "sli-metrics", (*_slo(JOURNEY), "composite", "method"), "any_may_fail"),
    ("ordinary SLO without components", "sli-metrics", (*_slo(CHECKOUT), "components"), []),
    ("bad hour not an hour", "sli-metrics", (*_slo(CHECKOUT), "bad_units", "by_hour", "yesterday"), 1),
    ("bad statuses for timeslices", "sli-metrics", (*_slo(GOOD_MINUTES), "bad_units", "by_status", "500"), 1),
    (
        "bad components of one component",
        "sli-metrics",
        (*_slo(CHECKOUT), "bad_units", "by_component", "checkout"),
        1,
    ),
    (
        "composite parts of an ordinary SLO",
        "sli-metrics",
        (*_slo(CHECKOUT), "bad_units", "parts"),
        [{"slo": JOURNEY, "weight": 1.0, "error_ratio": 0.0}],
    ),
    # slo-targets
    ("unknown window name", "slo-targets", (*_slo(MONTHLY), "window"), "calendar-year"),
    ("composite with a component", "slo-targets", (*_slo(JOURNEY), "component"), "checkout"),
    ("ordinary SLO marked composite", "slo-targets", (*_slo(CHECKOUT), "component"), "*"),
    ("fractional history total", "slo-targets", (*_slo(JOURNEY), "history", "total"), 1.5),
    # error-budgets
    ("alert_policy instead of window sets", "error-budgets", ("alert_policy",), {"name": "sre-workbook"}),
    (
        "window set name not a name",
        "error-budgets",
        ("alert_window_sets", "SRE Workbook"),
        [{"severity": "page", "long_window": "1h", "short_window": "5m", "budget_share": 0.02}],
    ),
    ("alert factor removed", "error-budgets", ("alert_factor",), DELETE),
    ("unknown budgeting method in a budget", "error-budgets", (*BUDGET, "budgeting", "method"), "percentile"),
    ("window detail with an unknown key", "error-budgets", (*BUDGET, "window_detail", "zone"), "UTC"),
    ("budget fraction of one", "error-budgets", (*BUDGET, "budget_fraction"), 1.0),
    ("fractional events", "error-budgets", (*BUDGET, "events"), 1.5),
    ("fractional bad events for occurrences", "error-budgets", (*BUDGET, "budget", "consumed_events"), 79.5),
    (
        "negative bad units in a composite",
        "error-budgets",
        (*_slo(JOURNEY), "budget", "consumed_events"),
        -1.0,
    ),
    ("burn rate entry missing events", "error-budgets", (*BUDGET, "burn_rates", 0, "events"), DELETE),
    (
        "burn rate low_confidence not boolean",
        "error-budgets",
        (*BUDGET, "burn_rates", 0, "low_confidence"),
        "no",
    ),
    (
        "unknown pair key",
        "error-budgets",
        (*BUDGET, "alert", "pairs", 0, "pending_since"),
        "2026-11-05T11:00:00Z",
    ),
    (
        "pair without low_confidence",
        "error-budgets",
        (*BUDGET, "alert", "pairs", 0, "low_confidence"),
        DELETE,
    ),
    ("alert without window set", "error-budgets", (*BUDGET, "alert", "window_set"), DELETE),
    ("forecast available true without figures", "error-budgets", (*FORECAST, "remaining_ratio_p50"), DELETE),
    ("available forecast with a reason", "error-budgets", (*FORECAST, "reason"), "why not"),
    ("forecast available false with figures", "error-budgets", (*FORECAST, "available"), False),
    ("forecast share left above one", "error-budgets", (*FORECAST, "remaining_ratio_p90"), 1.5),
    ("exhaustion probability above one", "error-budgets", (*FORECAST, "exhaustion_probability"), 1.01),
    ("forecast horizon not a timestamp", "error-budgets", (*FORECAST, "horizon_end"), "next week"),
    ("policy rule as a string", "error-budgets", (*BUDGET, "policy", "rule"), "1"),
    ("negative policy rule", "error-budgets", (*BUDGET, "policy", "rule"), -1),
    ("policy state not a name", "error-budgets", (*BUDGET, "policy", "state"), "Freeze!"),
    ("configured state without a rule", "error-budgets", (*BUDGET, "policy", "rule"), None),
    ("ok without data to judge by", "error-budgets", (*_slo(RECOMMENDATIONS), "policy", "state"), "ok"),
    (
        "attribution share above 1",
        "error-budgets",
        (*BUDGET, "attribution", "day", "shares", 0, "share"),
        1.5,
    ),
    ("attribution of nothing bad", "error-budgets", (*BUDGET, "attribution", "day", "shares", 0, "bad"), 0),
    (
        "attribution day not a date",
        "error-budgets",
        (*BUDGET, "attribution", "day", "shares", 0, "key"),
        "yesterday",
    ),
    ("attribution without shares", "error-budgets", (*BUDGET, "attribution", "day", "shares"), []),
    (
        "unknown attribution dimension",
        "error-budgets",
        (*BUDGET, "attribution", "region"),
        {"total_bad": 0.0, "shares": []},
    ),
    (
        "dependency attribution of an ordinary SLO",
        "error-budgets",
        (*BUDGET, "attribution", "dependency"),
        {"total_bad": 0.0, "shares": []},
    ),
    (
        "composite attributed by day",
        "error-budgets",
        (*_slo(JOURNEY), "attribution", "day"),
        {"total_bad": 0.0, "shares": []},
    ),
    (
        "timeslices attributed by day",
        "error-budgets",
        (*_slo(GOOD_MINUTES), "attribution", "day"),
        {"total_bad": 0.0, "shares": []},
    ),
    # sla-compliance
    (
        "fired pair without low_confidence",
        "sla-compliance",
        (*ACTION, "event", "details", "fired_pairs", 0, "low_confidence"),
        DELETE,
    ),
    ("event component not a component", "sla-compliance", (*ACTION, "event", "component"), "Checkout"),
]

# Broken in the run without history: the rules between no_data and the figures that need data.
NO_DATA_MUTATIONS: list[tuple[str, str, tuple[Step, ...], Any]] = [
    (
        "percentile without data",
        "sli-metrics",
        (*_component(CATALOG), "latency", "windows", 0, "p99_9_seconds"),
        0.2,
    ),
    (
        "bucket without data",
        "sli-metrics",
        (*_component(GATEWAY), "latency", "windows", 0, "bounds_seconds"),
        {"p50_seconds": [0.05, 0.1]},
    ),
    ("ratio without data", "sli-metrics", (*MEASUREMENT, "ratio"), 1.0),
    ("good units without data", "sli-metrics", (*MEASUREMENT, "good"), 1),
    ("available forecast without data", "error-budgets", FORECAST, A_FORECAST),
    ("unavailable forecast without a reason", "error-budgets", (*FORECAST, "reason"), DELETE),
    ("unavailable forecast with figures", "error-budgets", (*FORECAST, "remaining_ratio_p50"), 0.5),
    ("ok policy without data", "error-budgets", (*BUDGET, "policy", "state"), "ok"),
    (
        "shares missing for a total",
        "error-budgets",
        (*_slo(JOURNEY), "attribution", "dependency", "total_bad"),
        0.5,
    ),
]


def test_mutation_ids_are_unique() -> None:
    ids = [m[0] for m in MUTATIONS] + [m[0] for m in NO_DATA_MUTATIONS]
    assert len(ids) == len(set(ids))


@pytest.mark.parametrize(("kind", "path", "value"), [pytest.param(*m[1:], id=m[0]) for m in MUTATIONS])
def test_broken_artifact_does_not_validate(
    example: dict[str, dict[str, Any]], kind: str, path: tuple[Step, ...], value: Any
) -> None:
    assert artifacts.problems(kind, _mutated(example[kind], path, value)) != []


@pytest.mark.parametrize(
    ("kind", "path", "value"), [pytest.param(*m[1:], id=m[0]) for m in NO_DATA_MUTATIONS]
)
def test_broken_artifact_without_data_does_not_validate(
    no_history: dict[str, dict[str, Any]], kind: str, path: tuple[Step, ...], value: Any
) -> None:
    assert artifacts.problems(kind, _mutated(no_history[kind], path, value)) != []


ALLOWED: list[tuple[str, str, tuple[Step, ...], Any]] = [
    # (test id, artifact kind, path to the value, new value): shapes the example does not show
    (
        "fractional good units of a composite",
        "sli-metrics",
        (*_slo(JOURNEY), "measurements", 0, "good"),
        37.25,
    ),
    (
        "fractional bad units of a composite",
        "error-budgets",
        (*_slo(JOURNEY), "budget", "consumed_events"),
        16.75,
    ),
    (
        "custom policy state",
        "error-budgets",
        (*BUDGET, "policy"),
        {"state": "release-gate", "rule": 7, "reason": "x"},
    ),
    ("unavailable forecast", "error-budgets", FORECAST, {"available": False, "reason": "no complete day"}),
    ("calendar window at its very start", "error-budgets", (*_slo(MONTHLY), "burn_rates", -1, "seconds"), 0),
    ("weighted composite", "sli-metrics", (*_slo(JOURNEY), "composite", "method"), "weighted"),
    ("ratio_timeslices", "sli-metrics", (*_slo(GOOD_MINUTES), "budgeting", "method"), "ratio_timeslices"),
]


@pytest.mark.parametrize(("kind", "path", "value"), [pytest.param(*m[1:], id=m[0]) for m in ALLOWED])
def test_allowed_variations_validate(
    example: dict[str, dict[str, Any]], kind: str, path: tuple[Step, ...], value: Any
) -> None:
    assert artifacts.problems(kind, _mutated(example[kind], path, value)) == []


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
