"""Configuration loading: every problem at once, each with file, key path and line."""

from __future__ import annotations

from pathlib import Path

import pytest

from reliability.config import load_config
from reliability.config.model import GoodRule, SliKind, TimestampFormat
from reliability.errors import ConfigError

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
    assert typo.line == line_of(text, "objectiv: 99.9") and "'objectiv' was unexpected" in typo.message
    too_high = by_field["services[0].components[0].slos[1].objective"]
    assert too_high.line == line_of(text, "objective: 120") and too_high.file == str(path)
    assert "greater than the maximum of 100" in too_high.message
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
