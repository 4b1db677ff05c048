"""promtool unit tests for generated rules: each SLO pages on a fast burn and stays silent when healthy,
and its current burn rate is its 1h error ratio over the budget.

Inputs are counters rising by whole events each minute in fixed proportions, so every window's error
ratio is exactly 0.5 (fast burn) or exactly 0 (healthy): promtool compares values exactly. Inputs of
one SLO can also move other SLOs of the file (two SLOs on one SLI), so the expected alerts are worked
out for every SLO, matching series the way PromQL does; an SLO whose inputs cannot be built with
certainty gets no test and a note, rather than a test that is wrong.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from reliability.config.model import CounterSelectors, Selector
from reliability.conventions import CURRENT_BURN, RULE_CURRENT_BURN
from reliability.durations import format_duration
from reliability.exporters.rules import (
    PERIOD_BASE_WINDOW_SECONDS,
    SloRuleSpec,
    alert_rule,
    number,
    quoted,
    series_labels,
    sli_error_record,
    slo_selector,
)

EVENTS_PER_MINUTE = 120
SCENARIOS = (("fast burn", 60), ("healthy", 0))  # and the bad events per minute in each
RUN_MINUTES = 60  # the inputs run this long (plus any `for`) before the check
# Strings tried as label values when a regex must (or must not) match; each is checked with re.
_FALLBACK_VALUES = ("200", "ok", "true", "false", "0", "x", "500", "")
_ESCAPES = {"d": "0", "w": "a", "s": " "}
_REPEAT = re.compile(r"\{(\d+)(?:,\d*)?\}")


def _series(metric: str, labels: Iterable[tuple[str, str]]) -> str:
    inner = ",".join(f"{k}={quoted(v)}" for k, v in labels if v)  # an empty value is an absent label
    return f"{metric}{{{inner}}}"


@dataclass(frozen=True)
class InputSeries:
    metric: str
    labels: tuple[tuple[str, str], ...]
    per_minute: int


def _matches(selector: Selector, series: InputSeries) -> bool:
    labels = dict(series.labels)
    return series.metric == selector.metric and all(
        re.fullmatch(regex, labels.get(name, "")) for name, regex in selector.labels
    )


def _simplified(pattern: str) -> str:
    """A guess at a string the pattern matches: 5.. -> 500, [0-9] -> 0, x{3} -> xxx, x* -> x."""
    out: list[str] = []
    index = 0
    while index < len(pattern):
        char = pattern[index]
        if char == "\\" and index + 1 < len(pattern):
            out.append(_ESCAPES.get(pattern[index + 1], pattern[index + 1]))
            index += 2
            continue
        if char == "[":
            close = pattern.find("]", index + 2)
            first = pattern[index + 1 : index + 2]
            out.append("x" if first == "^" else first)
            index = len(pattern) if close < 0 else close + 1
            continue
        repeat = _REPEAT.match(pattern, index)
        if repeat and out:
            out.append(out[-1] * (int(repeat[1]) - 1))
            index = repeat.end()
            continue
        if pattern.startswith("(?:", index):
            index += 3
            continue
        if char not in "?*+()^$":
            out.append("0" if char == "." else char)
        index += 1
    return "".join(out)


def _candidates(regex: str) -> Iterator[str]:
    body = regex[1:-1] if regex.startswith("(") and regex.endswith(")") else regex
    alternatives = body.removeprefix("?:").split("|")
    yield from (_simplified(a) for a in alternatives)
    yield regex  # many label regexes match themselves: 5.., api-.*
    yield from alternatives
    yield from _FALLBACK_VALUES


def _example(regex: str, also: str = ".*", avoid: str | None = None) -> str | None:
    """A value matching `regex` and `also` but not `avoid`, or None when none is found."""
    try:
        for value in _candidates(regex):
            avoided = avoid is not None and re.fullmatch(avoid, value)
            if re.fullmatch(regex, value) and re.fullmatch(also, value) and not avoided:
                return value
    except re.error:  # a regex Python reads differently from Prometheus: no guess
        return None
    return None


def _labels_for(selector: Selector, also: Selector | None) -> dict[str, str] | None:
    """Labels matching `selector` and, on the same metric, `also` as well."""
    extra = dict(also.labels) if also is not None and also.metric == selector.metric else {}
    labels: dict[str, str] = {}
    for name, regex in (extra | dict(selector.labels)).items():
        value = _example(regex, also=extra.get(name, ".*"))
        if value is None:
            return None
        labels[name] = value
    return labels


def _apart_from(labels: dict[str, str], total: Selector, counted: Selector) -> dict[str, str] | None:
    """The labels changed so that the series still counts in `total` but no longer in `counted`."""
    if counted.metric != total.metric:
        return labels
    within = dict(total.labels)
    for name, regex in counted.labels:
        if name in within:
            value = _example(within[name], avoid=regex)
        else:
            value = next((v for v in _FALLBACK_VALUES if not re.fullmatch(regex, v)), None)
        if value is not None:
            return labels | {name: value}
    return None


def _component_inputs(counters: CounterSelectors, bad_per_minute: int) -> list[InputSeries] | None:
    """Two series: the good (or bad) counter's and the rest of the total's."""
    counted = counters.bad or counters.good
    assert counted is not None
    # Counted within the total where one series can be (a bad code among all requests), else apart
    # (a histogram's bucket at the threshold is not its +Inf bucket).
    counted_labels = _labels_for(counted, counters.total) or _labels_for(counted, None)
    total_labels = _labels_for(counters.total, None)
    if counted_labels is None or total_labels is None:
        return None
    rest_labels = _apart_from(total_labels, counters.total, counted)
    if rest_labels is None:
        return None
    events = bad_per_minute if counters.bad else EVENTS_PER_MINUTE - bad_per_minute
    series = InputSeries(counted.metric, tuple(sorted(counted_labels.items())), events)
    rest_events = EVENTS_PER_MINUTE - events if _matches(counters.total, series) else EVENTS_PER_MINUTE
    rest = InputSeries(counters.total.metric, tuple(sorted(rest_labels.items())), rest_events)
    return [series, rest]


def _inputs(spec: SloRuleSpec, bad_per_minute: int) -> list[InputSeries] | None:
    inputs: list[InputSeries] = []
    for counters in spec.counters:
        found = _component_inputs(counters, bad_per_minute)
        if found is None:
            return None
        inputs.extend(found)
    distinct = {(s.metric, s.labels) for s in inputs}
    return inputs if len(distinct) == len(inputs) else None


def _error_ratio(spec: SloRuleSpec, inputs: list[InputSeries]) -> float | None:
    """The spec's error ratio under constant inputs, None when PromQL would have no value."""

    def events(selector: Selector) -> int | None:
        matched = [s.per_minute for s in inputs if _matches(selector, s)]
        return sum(matched) if matched else None  # sum() of nothing is no series, not 0

    bad = total = 0
    for counters in spec.counters:
        selector = counters.bad or counters.good
        assert selector is not None
        counted = events(selector)
        component_total = events(counters.total)
        if counted is None or component_total is None:
            return None
        bad += counted if counters.bad else component_total - counted
        total += component_total
    return bad / total if total else None


def _expected_alerts(
    specs: list[SloRuleSpec], inputs: list[InputSeries], for_seconds: int
) -> dict[str, list[dict[str, Any]]] | None:
    """Alert name -> the alerts every SLO of the file fires on these inputs; None if a call is too close."""
    expected: dict[str, list[dict[str, Any]]] = {}
    for spec in specs:
        ratio = _error_ratio(spec, inputs)
        for alert in spec.alerts:
            firing = expected.setdefault(alert.name, [])
            for pair in spec.pairs(alert.severity):
                if ratio is None:
                    continue
                threshold = float(number(pair.factor(spec.period.seconds))) * spec.objective.budget_fraction
                if abs(ratio - threshold) <= 1e-9 * max(threshold, 1e-12):
                    return None
                if ratio > threshold:
                    rule = alert_rule(spec, alert, pair, for_seconds)
                    long = pair.long.name  # the series the alert keeps labels of
                    firing.append(
                        {
                            "exp_labels": series_labels(spec, long) | rule["labels"],
                            "exp_annotations": rule["annotations"],
                        }
                    )
    return expected


def _test_group(
    spec: SloRuleSpec, specs: list[SloRuleSpec], scenario: str, bad_per_minute: int, for_seconds: int
) -> dict[str, Any] | str:
    """The promtool test group of one scenario, or why there is none."""
    inputs = _inputs(spec, bad_per_minute)
    wanted = bad_per_minute / EVENTS_PER_MINUTE
    if inputs is None or _error_ratio(spec, inputs) != wanted:
        return "no series found that match its selectors as intended"
    expected = _expected_alerts(specs, inputs, for_seconds)
    if expected is None:
        return "the inputs land too close to an alert threshold of another SLO"
    minutes = RUN_MINUTES + math.ceil(for_seconds / 60)
    eval_time = format_duration(minutes * 60)
    pages = sorted({a.name for a in spec.alerts if a.severity == "page"})
    return {
        "name": f"{spec.slo_id}: {scenario}",
        "interval": "1m",
        "input_series": [
            {"series": _series(s.metric, s.labels), "values": f"0+{s.per_minute}x{minutes}"} for s in inputs
        ],
        "alert_rule_test": [
            {"eval_time": eval_time, "alertname": name, "exp_alerts": expected[name]} for name in pages
        ],
        "promql_expr_test": _record_tests(spec, wanted, eval_time),
    }


def _expr_test(expr: str, series: str, value: float, eval_time: str) -> dict[str, Any]:
    return {"expr": expr, "eval_time": eval_time, "exp_samples": [{"labels": series, "value": value}]}


def _record_tests(spec: SloRuleSpec, wanted: float, eval_time: str) -> list[dict[str, Any]]:
    """The period's base (5m) and the current burn window's (1h) error ratios are `wanted`; the
    current burn rate is the 1h ratio over the budget, divided as PromQL divides it."""
    selector = slo_selector(spec)
    tests = []
    for window in (format_duration(PERIOD_BASE_WINDOW_SECONDS), CURRENT_BURN.name):
        record = sli_error_record(window)
        series = _series(record, series_labels(spec, window).items())
        tests.append(_expr_test(record + selector, series, wanted, eval_time))
    # The division keeps the 1h ratio's labels (sloth_window too) under the new record's name.
    current = series_labels(spec, CURRENT_BURN.name).items()
    burn = wanted / float(number(spec.objective.exact_budget))
    tests.append(
        _expr_test(RULE_CURRENT_BURN + selector, _series(RULE_CURRENT_BURN, current), burn, eval_time)
    )
    return tests


def unit_tests(
    rule_file: str, specs: list[SloRuleSpec], for_seconds: int = 0
) -> tuple[dict[str, Any], list[str]]:
    """A promtool test file for one rule file (path relative to the test file) and why SLOs lack tests."""
    groups: list[dict[str, Any]] = []
    untested: list[str] = []
    unknown = [s for s in specs if not s.counters]
    for spec in specs:
        reason: str | None = None
        if unknown:
            reason = f"the inputs of {unknown[0].slo_id} are free PromQL"
        elif not any(spec.pairs(a.severity) for a in spec.alerts if a.severity == "page"):
            reason = "it has no page alert"
        found = [] if reason else [_test_group(spec, specs, n, bad, for_seconds) for n, bad in SCENARIOS]
        reason = reason or next((g for g in found if isinstance(g, str)), None)
        if reason:
            untested.append(f"{spec.slo_id}: no test: {reason}")
        else:
            groups.extend(g for g in found if isinstance(g, dict))
    return {"rule_files": [rule_file], "evaluation_interval": "1m", "tests": groups}, untested
