"""Configuration loading: every problem at once, each with file, key path and line."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from reliability.config import load_config
from reliability.config.build import DEFAULT_HOOK_TIMEOUT, DEFAULT_SLO_WINDOW, config_schema
from reliability.config.defaults import BUILTIN_WINDOW_SETS, DEFAULT_WINDOW_SET
from reliability.config.limits import size_bytes
from reliability.config.model import (
    Adjustment,
    AlertmanagerSpec,
    Budgeting,
    ChangeEventSource,
    ColumnMapping,
    Component,
    CounterSnapshotSource,
    GoodRule,
    Hook,
    OtlpTracesSource,
    PrometheusSource,
    Settings,
    SliKind,
    SloWindow,
    TimestampFormat,
    WebhookSpec,
    field_default,
)
from reliability.durations import format_duration, parse_duration
from reliability.errors import ConfigError
from reliability.telemetry.change_events import DEFAULT_KIND
from reliability.vocabulary import Window

SOURCE = """
sources:
  - name: log
    type: events
    paths: [events.csv]
    columns:
      timestamp: {column: ts}
      status: status
"""


def line_of(text: str, needle: str) -> int:
    return next(i for i, line in enumerate(text.splitlines(), 1) if needle in line)


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(text)
    return path


def test_the_bundled_example_loads(example_config: Path) -> None:
    config = load_config(example_config)
    assert len(config.files) == 5
    assert {c.id for c in config.components} == {
        "storefront/catalog",
        "storefront/search",
        "storefront/recommendations",
        "orders/checkout",
        "edge/gateway",
        "orders/payments",
    }
    search = config.component("storefront", "search")
    assert search.slis[0].good == GoodRule(status_below=500)  # the default for a status column
    assert search.slis[1].kind is SliKind.LATENCY and search.slis[1].threshold_seconds == 0.4
    orders = config.source("orders-events")
    assert orders.columns.timestamp_format is TimestampFormat.RFC3339
    assert config.settings.evaluate_at is not None


def test_every_schema_problem_is_reported_with_its_line(tmp_path: Path) -> None:
    write(tmp_path, "events.csv", "ts,status\n")
    path = write(
        tmp_path,
        "bad.yaml",
        SOURCE
        + """
services:
  - name: web
    components:
      - name: api
        source: log
        slis:
          - {name: availability, kind: availability}
        slos:
          - name: api-availability
            sli: availability
            objectiv: 99.9
          - name: api-other
            sli: availability
            objective: 120
""",
    )
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    problems = caught.value.problems
    by_field = {p.field: p for p in problems}
    typo = by_field["services[0].components[0].slos[0].objectiv"]
    text = path.read_text()
    assert (
        typo.line == line_of(text, "objectiv: 99.9")
        and typo.message == "unknown key 'objectiv'; did you mean 'objective'?"
    )
    too_high = by_field["services[0].components[0].slos[1].objective"]
    assert too_high.line == line_of(text, "objective: 120") and too_high.file == str(path)
    assert too_high.message.startswith("120 is not an objective: expected a percent above 0 and at most 100")
    assert caught.value.exit_code == 2


def test_cross_references_are_checked(tmp_path: Path) -> None:
    write(tmp_path, "events.csv", "ts,status\n")
    path = write(
        tmp_path,
        "refs.yaml",
        SOURCE
        + """
services:
  - name: web
    components:
      - name: api
        source: nowhere
        slis:
          - {name: availability, kind: availability}
      - name: db
        source: log
        slis:
          - {name: latency, kind: latency, threshold: 100ms}
        slos:
          - {name: db-availability, sli: availability, objective: 99}
    slas:
      - {name: contract, component: cache, sli: availability, target: 99}
hooks:
  - {name: h, triggers: [page], slos: [web/missing], command: [/bin/true]}
""",
    )
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    messages = [str(p) for p in caught.value.problems]
    source_line = line_of(path.read_text(), "- name: api")
    assert any("unknown source 'nowhere'" in m and f":{source_line}:" in m for m in messages)
    assert any("latency SLI 'latency' needs a latency column" in m for m in messages)
    assert any("unknown SLI 'availability'" in m for m in messages)
    assert any("unknown component 'cache'" in m for m in messages)
    assert any("unknown SLO 'web/missing'" in m for m in messages)


def test_missing_telemetry_file_is_a_config_problem(tmp_path: Path) -> None:
    path = write(tmp_path, "c.yaml", SOURCE)
    with pytest.raises(ConfigError, match=r"no file matches 'events.csv'"):
        load_config(path)


def test_invalid_yaml_names_the_line(tmp_path: Path) -> None:
    path = write(tmp_path, "broken.yaml", "services:\n  - name: [unclosed\n")
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    assert "invalid YAML" in str(caught.value)
    assert caught.value.problems[0].line is not None


def test_yaml_is_loaded_safely(tmp_path: Path) -> None:
    path = write(tmp_path, "evil.yaml", "services: !!python/object/apply:os.system ['echo owned']\n")
    with pytest.raises(ConfigError, match="invalid YAML"):
        load_config(path)


def test_a_folder_merges_files_and_rejects_duplicates(tmp_path: Path) -> None:
    write(tmp_path, "events.csv", "ts,status\n")
    write(tmp_path, "a.yaml", SOURCE + "settings: {history: 30d}\n")
    write(tmp_path, "b.yaml", "settings: {history: 60d}\n")
    with pytest.raises(ConfigError, match="set in more than one file"):
        load_config(tmp_path)


# Each item is marked `#1` on its name's line so a test can look up where it stands.
SERVICE = """
services:
  - name: web  #1 service
    components:
      - name: api  #1 component
        source: log
        slis:
          - name: availability  #1 SLI
            kind: availability
        slos:
          - name: fast  #1 SLO
            sli: availability
            objective: 99
    slas:
      - name: contract  #1 SLA
        component: api
        sli: availability
        target: 99
hooks:
  - name: notify  #1 hook
    triggers: [page]
    command: [echo]
"""
SECOND_SOURCE = SOURCE.replace("- name: log", "- name: log  #2 source")
FIRST = SOURCE.replace("- name: log", "- name: log  #1 source") + SERVICE
# Second items that can stand in a file of their own or be added to FIRST's service `web`.
SECOND_SERVICE = """
services:
  - name: web  #2 service
    components:
      - name: cart
        source: log
        slis: [{name: availability, kind: availability}]
"""
SECOND_HOOK = "hooks:\n  - name: notify  #2 hook\n    triggers: [ticket]\n    command: [echo]\n"
SECOND_COMPONENT = "      - name: api  #2 component\n        source: log\n"
SECOND_SLO = (
    "    slos:\n      - name: fast  #2 SLO\n        components: [api]\n"
    "        sli: availability\n        objective: 99\n"
)
SECOND_SLA = (
    "      - name: contract  #2 SLA\n        component: api\n        sli: availability\n        target: 9\n"
)
SECOND_SLI = "          - name: availability  #2 SLI\n            kind: availability\n"


def problems_of(folder: Path) -> list[str]:
    with pytest.raises(ConfigError) as caught:
        load_config(folder)
    return [str(problem) for problem in caught.value.problems]


def duplicate(tmp_path: Path, kind: str, second_in: str, key_path: str, what: str) -> str:
    """The problem expected for the item marked `#2 kind`, first declared at `#1 kind` in a.yaml."""
    first = (tmp_path / "a.yaml").read_text()
    second = (tmp_path / second_in).read_text()
    return (
        f"{tmp_path / second_in}:{line_of(second, f'#2 {kind}')}: {key_path}: {what} is declared twice; "
        f"first at {tmp_path / 'a.yaml'}:{line_of(first, f'#1 {kind}')}"
    )


@pytest.mark.parametrize(
    ("kind", "second", "key_path", "what"),
    [
        ("source", SECOND_SOURCE, "sources[0].name", "source 'log'"),
        ("service", SECOND_SERVICE, "services[0].name", "service 'web'"),
        ("hook", SECOND_HOOK, "hooks[0].name", "hook 'notify'"),
    ],
)
def test_a_duplicate_in_a_second_file_is_reported_there(
    tmp_path: Path, kind: str, second: str, key_path: str, what: str
) -> None:
    write(tmp_path, "events.csv", "ts,status\n")
    write(tmp_path, "a.yaml", FIRST)
    write(tmp_path, "b.yaml", second)
    assert problems_of(tmp_path) == [duplicate(tmp_path, kind, "b.yaml", key_path, what)]


@pytest.mark.parametrize(
    ("kind", "second_after", "second", "key_path", "what"),
    [
        ("component", "    slas:", SECOND_COMPONENT, "services[0].components[1].name", "component 'web/api'"),
        ("SLO", "    slas:", SECOND_SLO, "services[0].slos[0].name", "SLO 'web/fast'"),
        ("SLA", "hooks:", SECOND_SLA, "services[0].slas[1].name", "SLA 'web/contract'"),
    ],
)
def test_a_duplicate_within_a_service_is_reported_at_the_second_one(
    tmp_path: Path, kind: str, second_after: str, second: str, key_path: str, what: str
) -> None:
    """The second item goes just before `second_after`: an SLO of the service repeats one of its component."""
    write(tmp_path, "events.csv", "ts,status\n")
    write(tmp_path, "a.yaml", FIRST.replace(second_after, second + second_after))
    assert problems_of(tmp_path) == [duplicate(tmp_path, kind, "a.yaml", key_path, what)]


def test_items_of_a_service_repeated_in_a_second_file_are_each_reported_there(tmp_path: Path) -> None:
    write(tmp_path, "events.csv", "ts,status\n")
    write(tmp_path, "a.yaml", FIRST)
    write(tmp_path, "b.yaml", SERVICE.replace("#1", "#2"))
    assert problems_of(tmp_path) == [
        duplicate(tmp_path, "service", "b.yaml", "services[0].name", "service 'web'"),
        duplicate(tmp_path, "component", "b.yaml", "services[0].components[0].name", "component 'web/api'"),
        duplicate(tmp_path, "SLO", "b.yaml", "services[0].components[0].slos[0].name", "SLO 'web/fast'"),
        duplicate(tmp_path, "SLA", "b.yaml", "services[0].slas[0].name", "SLA 'web/contract'"),
        duplicate(tmp_path, "hook", "b.yaml", "hooks[0].name", "hook 'notify'"),
    ]


def test_an_sli_repeated_in_one_component_is_reported_at_the_second(tmp_path: Path) -> None:
    write(tmp_path, "events.csv", "ts,status\n")
    write(tmp_path, "a.yaml", FIRST.replace("        slos:", SECOND_SLI + "        slos:"))
    key_path = "services[0].components[0].slis[1].name"
    [problem] = problems_of(tmp_path)
    assert problem == duplicate(tmp_path, "SLI", "a.yaml", key_path, "SLI 'availability'").replace(
        "is declared twice", "is declared twice in web/api"
    )


def test_a_setting_repeated_in_a_second_file_names_the_first(tmp_path: Path) -> None:
    write(tmp_path, "events.csv", "ts,status\n")
    first = write(tmp_path, "a.yaml", SOURCE + "settings: {history: 30d}\n")
    write(tmp_path, "b.yaml", "settings:\n  history: 60d\n")
    first_at = f"{first}:{line_of(first.read_text(), 'settings')}"
    assert problems_of(tmp_path) == [
        f"{tmp_path / 'b.yaml'}:2: settings.history: set in more than one file; first at {first_at}"
    ]


# Schema descriptions that state a default, and the default the loader applies: the code is the one
# place each default is written; the schema restates it for readers, and this keeps the two equal.
SCHEMA_DEFAULTS: dict[str, tuple[Any, Callable[[str], Any]]] = {
    "properties/settings/properties/history": (field_default(Settings, "history_seconds"), parse_duration),
    "properties/settings/properties/auto_objective_margin": (
        field_default(Settings, "auto_objective_margin"),
        yaml.safe_load,
    ),
    "properties/settings/properties/auto_objective_max_pages_per_30d": (
        field_default(Settings, "auto_objective_max_pages_per_30d"),
        yaml.safe_load,
    ),
    "properties/settings/properties/max_actions_per_run": (
        field_default(Settings, "max_actions_per_run"),
        yaml.safe_load,
    ),
    "$defs/timestamp_column/properties/format": (field_default(ColumnMapping, "timestamp_format"), str),
    "$defs/counter_snapshots_source/properties/timestamp/properties/format": (
        field_default(ColumnMapping, "timestamp_format"),
        str,
    ),
    "$defs/counter_snapshots_source/properties/key_label": (
        field_default(CounterSnapshotSource, "key_label"),
        str,
    ),
    "$defs/otlp_source/properties/component_attribute": (
        field_default(OtlpTracesSource, "component_attribute"),
        str,
    ),
    "$defs/slo/properties/window": (DEFAULT_SLO_WINDOW, str),
    "$defs/service_slo/properties/window": (DEFAULT_SLO_WINDOW, str),
    "$defs/slo/properties/budgeting/properties/slice": (
        field_default(Budgeting, "slice_seconds"),
        parse_duration,
    ),
    "$defs/service_slo/properties/budgeting/properties/slice": (
        field_default(Budgeting, "slice_seconds"),
        parse_duration,
    ),
    "$defs/slo/properties/alerting/properties/windows": (DEFAULT_WINDOW_SET, str),
    "$defs/service_slo/properties/alerting/properties/windows": (DEFAULT_WINDOW_SET, str),
    "$defs/slo_window/oneOf/1/properties/time_zone": (field_default(SloWindow, "time_zone"), str),
    "$defs/hook/properties/timeout": (DEFAULT_HOOK_TIMEOUT, str),
    "$defs/change_events_source": (DEFAULT_KIND, str),
    "$defs/change_events_source/properties/timeout": (
        field_default(ChangeEventSource, "timeout_seconds"),
        parse_duration,
    ),
    "$defs/change_events_source/properties/attribution_window": (
        field_default(ChangeEventSource, "attribution_seconds"),
        parse_duration,
    ),
    "$defs/adjustment/properties/time_zone": (field_default(Adjustment, "time_zone"), str),
    "$defs/hook/properties/cooldown": (field_default(Hook, "cooldown_seconds"), parse_duration),
    "$defs/hook/properties/min_confidence": (field_default(Hook, "min_confidence"), yaml.safe_load),
    "$defs/hook/properties/approval": (field_default(Hook, "approval_required"), lambda v: v == "required"),
    "$defs/hook/properties/destructive": (field_default(Hook, "destructive"), yaml.safe_load),
    "$defs/webhook/properties/retries": (field_default(WebhookSpec, "retries"), yaml.safe_load),
    "$defs/alertmanager/properties/retries": (field_default(AlertmanagerSpec, "retries"), yaml.safe_load),
    "$defs/webhook/properties/external_url": (
        field_default(WebhookSpec, "external_url"),
        lambda v: "" if v == "empty" else v,
    ),
    "$defs/prometheus_source/properties/timeout": (
        field_default(PrometheusSource, "timeout_seconds"),
        parse_duration,
    ),
    "$defs/prometheus_source/properties/retries": (
        field_default(PrometheusSource, "retries"),
        yaml.safe_load,
    ),
    "$defs/prometheus_source/properties/max_answer_size": (
        field_default(PrometheusSource, "max_answer_bytes"),
        size_bytes,
    ),
    "$defs/component/properties/max_groups": (field_default(Component, "max_groups"), yaml.safe_load),
    "$defs/prometheus_source/properties/concurrency": (
        field_default(PrometheusSource, "concurrency"),
        yaml.safe_load,
    ),
}


def _stated_defaults(node: Any, path: tuple[str, ...] = ()) -> Iterator[tuple[str, str]]:
    """(schema path, value) of every description saying `default VALUE`."""
    if isinstance(node, dict):
        found = re.search(r"\b[Dd]efault ([\w.-]*\w)[);.]", str(node.get("description", "")))
        if found:
            yield "/".join(path), found.group(1)
        for key, value in node.items():
            yield from _stated_defaults(value, (*path, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _stated_defaults(value, (*path, str(index)))


def test_every_default_the_schema_states_is_the_one_the_loader_applies() -> None:
    stated = dict(_stated_defaults(config_schema()))
    assert set(stated) == set(SCHEMA_DEFAULTS)
    for path, text in stated.items():
        code_default, read = SCHEMA_DEFAULTS[path]
        assert read(text) == code_default, path


def test_the_default_alert_window_set_is_built_in() -> None:
    assert DEFAULT_WINDOW_SET in BUILTIN_WINDOW_SETS


def test_a_config_leaving_out_every_optional_key_gets_the_model_defaults(tmp_path: Path) -> None:
    write(tmp_path, "events.csv", "ts,status\n")
    config = load_config(write(tmp_path, "c.yaml", SOURCE + SERVICE))
    [slo], [hook] = config.slos, config.hooks
    assert slo.window.rolling == Window.parse(DEFAULT_SLO_WINDOW)
    assert (slo.alert_windows, slo.min_events, slo.budgeting) == (DEFAULT_WINDOW_SET, 0, Budgeting())
    assert hook.timeout_seconds == parse_duration(DEFAULT_HOOK_TIMEOUT)
    assert hook == Hook(
        hook.name, hook.triggers, hook.command, hook.timeout_seconds, hook.origin, env=(), cwd=None
    )
    assert config.settings == Settings()


def test_the_index_resolves_every_reference_between_items(tmp_path: Path) -> None:
    write(tmp_path, "events.csv", "ts,component,status\n")
    source = SOURCE.replace("      status: status", "      status: status\n      component: component")
    extra = """\
      - name: db
        source: log
        slis: [{name: availability, kind: availability}, {name: errors, kind: availability}]
    slos:
      - {name: both, components: [api, db], sli: availability, objective: 99}
      - name: journey
        objective: 98
        composite: {method: weighted, of: [{slo: web/fast}, {slo: web/both, weight: 3}]}
    slas:"""
    config = load_config(write(tmp_path, "c.yaml", source + SERVICE.replace("    slas:", extra)))
    index = config.index
    api, db = config.component("web", "api"), config.component("web", "db")
    fast, both, journey = (index.slos[f"web/{name}"] for name in ("fast", "both", "journey"))
    assert index.components_reading == {"log": (api, db)}
    assert index.slos_on == {"web/api": (fast, both), "web/db": (both,)}
    assert index.slo_slis(both) == ((api, api.slis[0]), (db, db.slis[0]))
    assert index.composite_parts(journey) == ((fast, 1.0), (both, 3.0))
    assert index.composite_parts(fast) == ()
    assert index.sli(db, "errors") is db.slis[1] and index.sli(db, "latency") is None
    assert index.component("web", "cache") is None
    assert index.slas == {"web/contract": config.slas[0]} and index.hooks == {"notify": config.hooks[0]}
    assert config.source("log") is config.sources[0]


def test_the_readme_states_the_code_defaults(repo: Path) -> None:
    readme = " ".join((repo / "README.md").read_text().split())  # prose wraps anywhere
    settings, cooldown = Settings(), format_duration(field_default(Hook, "cooldown_seconds"))
    for phrase in [
        f"# rolling; default {DEFAULT_SLO_WINDOW};",
        f"(default {cooldown})",
        f"`cooldown` (default {cooldown},",
        f"`min_confidence` (default {field_default(Hook, 'min_confidence')})",
        f"`settings.history` (default {settings.history_seconds // 86400} days)",
        f"(margin {settings.auto_objective_margin} by default:",
        f"`settings.auto_objective_max_pages_per_30d` times per 30 days of replayed history "
        f"(default {settings.auto_objective_max_pages_per_30d:g};",
        f"`settings.max_actions_per_run` (default {settings.max_actions_per_run})",
    ]:
        assert phrase in readme, phrase
