"""Grouped components: expansion into one item per group, and the checks on group_by."""

from __future__ import annotations

from pathlib import Path

import pytest
from support.configs import component, counter_availability, prometheus_source, service, slo, write_config

from reliability.config import Config, load_config
from reliability.config.groups import expand_groups, group_suffix, split_group
from reliability.errors import ConfigError

CONFIG = """
sources:
  - name: web
    type: events
    paths: [events.csv]
    columns: {timestamp: {column: ts, format: rfc3339}, component: comp, status: status}
services:
  - name: shop
    components:
      - name: api
        source: web
        group_by: [tenant, {label: path, column: url, pattern: "^/([^/?]+)"}]
        slis: [{name: availability, kind: availability}]
        slos: [{name: avail, sli: availability, objective: 99.5, window: 1d}]
      - name: static
        source: web
        slis: [{name: availability, kind: availability}]
        slos: [{name: static-avail, sli: availability, objective: 99.0, window: 1d}]
    slas:
      - {name: contract, component: api, sli: availability, target: 99.0}
hooks:
  - name: pager
    triggers: [page]
    command: [/bin/true]
    slos: [shop/avail, shop/static-avail]
"""

GROUP_BY = 'group_by: [tenant, {label: path, column: url, pattern: "^/([^/?]+)"}]'


def _config(tmp_path: Path, text: str = CONFIG) -> Config:
    (tmp_path / "events.csv").write_text("ts,comp,status,tenant,url\n")
    path = tmp_path / "config.yaml"
    path.write_text(text)
    return load_config(path)


def test_a_grouped_slo_becomes_one_slo_per_group_with_keys_in_group_by_order(tmp_path: Path) -> None:
    config = _config(tmp_path)
    expanded = expand_groups(config, {"shop/api": frozenset({("b", "cart"), ("a", "cart"), ("a", "search")})})
    assert [s.id for s in expanded.slos] == [
        "shop/avail{tenant=a,path=cart}",
        "shop/avail{tenant=a,path=search}",
        "shop/avail{tenant=b,path=cart}",
        "shop/static-avail",
    ]
    first = expanded.index.slos["shop/avail{tenant=a,path=cart}"]
    assert first.components == ("api{tenant=a,path=cart}",)
    assert first.group == (("tenant", "a"), ("path", "cart"))
    assert expanded.index.component("shop", "api{tenant=a,path=cart}") is not None
    assert expanded.index.component("shop", "api") is None


def test_slas_and_hook_filters_follow_the_groups(tmp_path: Path) -> None:
    expanded = expand_groups(_config(tmp_path), {"shop/api": frozenset({("a", "x"), ("b", "x")})})
    assert [s.id for s in expanded.slas] == [
        "shop/contract{tenant=a,path=x}",
        "shop/contract{tenant=b,path=x}",
    ]
    assert expanded.slas[0].component == "api{tenant=a,path=x}"
    (hook,) = expanded.hooks
    assert hook.slos == ("shop/avail{tenant=a,path=x}", "shop/avail{tenant=b,path=x}", "shop/static-avail")


def test_an_adjustment_naming_a_grouped_slo_applies_to_each_group(tmp_path: Path) -> None:
    text = (
        CONFIG
        + """
adjustments:
  - name: migration
    reason: planned move
    start: "2026-11-01T00:00:00Z"
    end: "2026-11-01T02:00:00Z"
    applies_to: {slos: [shop/avail]}
"""
    )
    expanded = expand_groups(_config(tmp_path, text), {"shop/api": frozenset({("a", "x"), ("b", "x")})})
    (adjustment,) = expanded.adjustments
    assert [s.id for s in expanded.slos if adjustment.applies_to(s)] == [
        "shop/avail{tenant=a,path=x}",
        "shop/avail{tenant=b,path=x}",
    ]


def test_an_ungrouped_config_is_returned_as_it_is(tmp_path: Path) -> None:
    config = _config(tmp_path, CONFIG.replace(GROUP_BY, ""))
    assert expand_groups(config, {}) is config


def test_a_value_that_would_break_the_id_is_escaped_and_read_back() -> None:
    pairs = (("path", "a,b{c}=d e"),)
    assert group_suffix(pairs) == "{path=a%2Cb%7Bc%7D%3Dd%20e}"
    assert split_group("avail" + group_suffix(pairs)) == ("avail", pairs)
    assert group_suffix((("path", ""), ("region", "eu/west"))) == "{path=,region=eu/west}"
    assert split_group("avail{path=,region=eu/west}") == ("avail", (("path", ""), ("region", "eu/west")))
    assert split_group("avail") == ("avail", ())


@pytest.mark.parametrize(
    ("group_by", "message"),
    [
        ('group_by: [{label: path, column: url, pattern: "^/[^/?]+"}]', "needs a (group)"),
        ("group_by: [tenant, tenant]", "appears twice"),
        ("group_by: [window]", "is a label of its own metrics"),
        ('group_by: [{label: path, column: url, pattern: "^/(["}]', "is invalid"),
    ],
)
def test_group_by_mistakes_name_the_file_line_and_field(tmp_path: Path, group_by: str, message: str) -> None:
    with pytest.raises(ConfigError) as raised:
        _config(tmp_path, CONFIG.replace(GROUP_BY, group_by))
    (problem,) = raised.value.problems
    assert message in problem.message
    assert (Path(problem.file).name, problem.line, problem.field) == ("config.yaml", 10, "group_by")


def test_a_composite_of_a_grouped_slo_is_refused(tmp_path: Path) -> None:
    composite = """
    slos:
      - name: both
        composite: {method: all_must_succeed, of: [{slo: shop/avail}, {slo: shop/static-avail}]}
        objective: 99
        window: 1d
    slas:"""
    with pytest.raises(ConfigError, match="names the grouped SLO shop/avail"):
        _config(tmp_path, CONFIG.replace("\n    slas:", composite, 1))


def test_a_group_over_metrics_narrows_every_selector_to_its_label_value(tmp_path: Path) -> None:
    config = load_config(
        write_config(
            tmp_path,
            service(
                "shop",
                component(
                    "gw",
                    slo("avail", 99.9),
                    source="prom",
                    slis=[counter_availability("gateway")],
                    group_by=["path"],
                ),
            ),
            sources=[prometheus_source()],
        )
    )
    expanded = expand_groups(config, {"shop/gw": frozenset({("a.b",)})})
    (comp,) = expanded.components
    counters = comp.slis[0].counters
    assert counters is not None and counters.bad is not None
    assert counters.total.labels == (("job", "gateway"), ("path", "a\\.b"))  # the value, not a regex
    assert counters.bad.labels[-1] == ("path", "a\\.b")
