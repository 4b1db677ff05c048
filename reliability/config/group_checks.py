"""Reading and checking `group_by`: which components are grouped, by what, and where that can work."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from typing import Any

from reliability.config.model import (
    Component,
    Config,
    CounterSnapshotSource,
    EventSource,
    GroupKey,
    OpenMetricsSource,
    OtlpMetricsSource,
    PrometheusSource,
    ScrapeFilesSource,
)
from reliability.conventions import SLA_LABELS, SLO_LABELS
from reliability.errors import ConfigError, Problem

# Labels the exported metrics and rules already give every series: a group key must not take one.
RESERVED_LABELS = frozenset((*SLO_LABELS, *SLA_LABELS, "window", "severity", "kind", "le", "job", "instance"))
# Sources whose series Prometheus holds: their groups are metric labels the rules sum by.
RULE_SOURCES = (PrometheusSource, OpenMetricsSource, ScrapeFilesSource)
# Sources of labelled counter series: their groups are label values, each group's selectors narrowed.
LABEL_SOURCES = (*RULE_SOURCES, CounterSnapshotSource, OtlpMetricsSource)


def group_keys(raw: Iterable[str | dict[str, Any]]) -> tuple[GroupKey, ...]:
    """`group_by` as the YAML gives it: a column name, or {label, column, pattern}."""
    return tuple(
        GroupKey(item, item)
        if isinstance(item, str)
        else GroupKey(item["label"], item["column"], item.get("pattern"))
        for item in raw
    )


def labels_of(component: Component) -> tuple[str, ...]:
    return tuple(key.label for key in component.group_by)


def group_problems(config: Config) -> Iterator[Problem]:
    """Grouping is read from event files; an SLO's components are grouped alike; no composite names one."""
    index = config.index
    for comp in config.components:
        if not comp.group_by:
            continue

        def at(field_name: str, message: str, comp: Component = comp) -> Problem:
            return Problem(comp.origin.file, message, comp.origin.line, field_name)

        source = index.sources.get(comp.source)
        if isinstance(source, LABEL_SOURCES):
            if any(key.pattern or key.label != key.column for key in comp.group_by):
                yield at(
                    "group_by", f"component {comp.id}: group by metric labels by name (no pattern, no label)"
                )
        elif source is not None and not isinstance(source, EventSource):
            yield at("group_by", f"component {comp.id}: group_by needs event files or labelled counters")
        labels = labels_of(comp)
        if taken := [
            label for label in labels if label in RESERVED_LABELS or label.startswith(("__", "sloth_"))
        ]:
            yield at(
                "group_by", f"component {comp.id}: group_by label {taken[0]!r} is a label of its own metrics"
            )
        if len(set(labels)) != len(labels):
            yield at("group_by", f"component {comp.id}: a group_by label appears twice in {list(labels)}")
        for key in comp.group_by:
            if key.pattern is None:
                continue
            try:
                groups = re.compile(key.pattern).groups
            except re.error as exc:
                yield at(
                    "group_by", f"component {comp.id}: group_by pattern {key.pattern!r} is invalid: {exc}"
                )
                continue
            if groups < 1:
                yield at("group_by", f"component {comp.id}: group_by pattern {key.pattern!r} needs a (group)")
    for slo in config.slos:
        parts = (
            index.slo_components(slo) if all(index.component(slo.service, n) for n in slo.components) else ()
        )
        if len({labels_of(c) for c in parts}) > 1:
            yield Problem(
                slo.origin.file,
                f"SLO {slo.id} sums components grouped differently; give them the same group_by",
                slo.origin.line,
                "components",
            )
        for part in slo.composite.parts if slo.composite else ():
            named = index.slos.get(part.slo)
            if named is not None and any(c.group_by for c in index.slo_components(named)):
                yield Problem(
                    slo.origin.file,
                    f"composite SLO {slo.id} names the grouped SLO {part.slo}: not supported",
                    slo.origin.line,
                    "composite",
                )


def too_many_groups(comp: Component) -> ConfigError:
    """More distinct groups than max_groups were read: said where the component is declared."""
    message = (
        f"component {comp.id} has more than max_groups={comp.max_groups} groups by "
        f"{', '.join(labels_of(comp))}; raise max_groups or group by a coarser key"
    )
    problem = Problem(comp.origin.file, message, comp.origin.line, "max_groups")
    return ConfigError(str(problem), [problem])
