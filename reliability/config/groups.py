"""Grouped components and SLOs made concrete: one per discovered value of their `group_by` keys.

A grouped SLO is defined once; `expand_groups` turns it, its components, the SLAs on them and the
hooks naming it into one item per group, named `name{key=value,...}` (keys in group_by order), so
every later stage runs unchanged on the expanded configuration. Pure: the values come from the reader.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import replace
from urllib.parse import quote, unquote

from reliability.config.model import (
    Component,
    Config,
    CounterSelectors,
    EventSource,
    Selector,
    Sla,
    Sli,
    Slo,
)
from reliability.vocabulary import item_id

GroupValues = tuple[str, ...]  # one value per group_by key, in its order
Discovered = Mapping[str, frozenset[GroupValues]]  # grouped component id -> the values its events had


def group_suffix(pairs: tuple[tuple[str, str], ...]) -> str:
    """`{key=value,other=value}`; a value's `,{}=%` and other unsafe characters are %-escaped."""
    inner = ",".join(f"{key}={quote(value, safe='-_.~:@!$*+;/')}" for key, value in pairs)
    return f"{{{inner}}}"


def grouped_name(name: str, pairs: tuple[tuple[str, str], ...]) -> str:
    return name + group_suffix(pairs)


def split_group(name: str) -> tuple[str, tuple[tuple[str, str], ...]]:
    """A name or id and its group: 'api{path=a%2Cb}' -> ('api', (('path', 'a,b'),)); none: ()."""
    if not name.endswith("}") or "{" not in name:
        return name, ()
    base, _, inner = name[:-1].partition("{")
    pairs = (item.partition("=") for item in inner.split(",")) if inner else ()
    return base, tuple((key, unquote(value)) for key, _, value in pairs)


def _pairs(component: Component, values: GroupValues) -> tuple[tuple[str, str], ...]:
    return tuple(zip((key.label for key in component.group_by), values, strict=True))


def _slo_groups(config: Config, slo: Slo, discovered: Discovered) -> list[GroupValues]:
    """Every group any of the SLO's components was seen with, sorted."""
    parts = config.index.slo_components(slo)
    return sorted(set().union(*(discovered.get(c.id, frozenset()) for c in parts)))


def slo_group_labels(config: Config, slo: Slo) -> tuple[str, ...]:
    """The group keys of an SLO as written (its components are grouped alike); () if not grouped."""
    parts = config.index.slo_components(slo) if slo.composite is None else ()
    return tuple(key.label for key in parts[0].group_by) if parts else ()


def _is_grouped(config: Config, slo: Slo) -> bool:
    return slo.composite is None and any(c.group_by for c in config.index.slo_components(slo))


def expand_groups(config: Config, discovered: Discovered) -> Config:
    """The configuration with each grouped item replaced by its groups (unchanged if none is grouped)."""
    if not any(c.group_by for c in config.components):
        return config
    component_groups: dict[str, set[GroupValues]] = {
        c.id: set(discovered.get(c.id, ())) for c in config.components if c.group_by
    }
    slos: list[Slo] = []
    expanded_ids: dict[str, list[str]] = {}
    for slo in config.slos:
        if not _is_grouped(config, slo):
            slos.append(slo)
            continue
        groups = _slo_groups(config, slo, discovered)
        for c in config.index.slo_components(slo):
            component_groups[c.id].update(groups)  # a part without events in a group is counted as none
        first = config.index.slo_components(slo)[0]
        for values in groups:
            pairs = _pairs(first, values)
            grouped = replace(
                slo,
                name=grouped_name(slo.name, pairs),
                components=tuple(grouped_name(n, pairs) for n in slo.components),
                group=pairs,
            )
            slos.append(grouped)
            expanded_ids.setdefault(slo.id, []).append(grouped.id)
    components: list[Component] = []
    for comp in config.components:
        if not comp.group_by:
            components.append(comp)
            continue
        from_events = isinstance(config.index.sources.get(comp.source), EventSource)
        for values in sorted(component_groups[comp.id]):
            pairs = _pairs(comp, values)
            slis = comp.slis if from_events else tuple(_narrowed(sli, pairs) for sli in comp.slis)
            components.append(replace(comp, name=grouped_name(comp.name, pairs), group=pairs, slis=slis))
    return replace(
        config,
        components=tuple(components),
        slos=tuple(slos),
        slas=tuple(_expanded_slas(config, component_groups)),
        hooks=tuple(replace(h, slos=_each_group(h.slos, expanded_ids)) for h in config.hooks),
        adjustments=tuple(replace(a, slos=_each_group(a.slos, expanded_ids)) for a in config.adjustments),
    )


def _narrowed(sli: Sli, pairs: tuple[tuple[str, str], ...]) -> Sli:
    """A metric SLI of one group: every selector also matches the group's label values exactly."""

    def narrow(selector: Selector | None) -> Selector | None:
        if selector is None:
            return None
        return replace(selector, labels=(*selector.labels, *((k, re.escape(v)) for k, v in pairs)))

    counters = sli.counters
    if counters is not None:
        total = narrow(counters.total)
        assert total is not None
        counters = CounterSelectors(total, narrow(counters.good), narrow(counters.bad))
    return replace(sli, counters=counters, histogram=narrow(sli.histogram))


def _expanded_slas(config: Config, component_groups: Mapping[str, set[GroupValues]]) -> list[Sla]:
    slas: list[Sla] = []
    for sla in config.slas:
        comp = config.index.component(sla.service, sla.component)
        if comp is None or not comp.group_by:
            slas.append(sla)
            continue
        for values in sorted(component_groups[item_id(sla.service, sla.component)]):
            pairs = _pairs(comp, values)
            slas.append(
                replace(sla, name=grouped_name(sla.name, pairs), component=grouped_name(sla.component, pairs))
            )
    return slas


def _each_group(slo_ids: tuple[str, ...], expanded_ids: Mapping[str, list[str]]) -> tuple[str, ...]:
    """SLO ids as a hook or an adjustment names them, a grouped SLO's standing for each of its groups."""
    return tuple(grouped for slo_id in slo_ids for grouped in expanded_ids.get(slo_id, [slo_id]))


def groups_named(config: Config, component_ids: Iterable[str]) -> Discovered:
    """The groups that expanded component ids ('shop/api{path=x}', as artifacts list them) name:
    the run's configuration made concrete again without reading its telemetry."""
    found: dict[str, set[GroupValues]] = {}
    for comp_id in component_ids:
        base, pairs = split_group(comp_id)
        comp = config.index.components.get(base)
        if comp is not None and tuple(k for k, _ in pairs) == tuple(key.label for key in comp.group_by):
            found.setdefault(base, set()).add(tuple(value for _, value in pairs))
    return {comp_id: frozenset(values) for comp_id, values in found.items()}
