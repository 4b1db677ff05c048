"""OpenSLO v1 documents (and v1alpha as Sloth reads it) as configuration documents of our own shape.

The documents of every OpenSLO file of a configuration are read together (an SLO may name an SLI,
DataSource or Service of another file) and translated into the dictionaries our YAML files hold, each
key's line kept; `load_config` then checks and builds them as it does our own files. What the model
cannot express is a problem naming the document, field and line, never a silent drop. The mapping,
field by field, is in docs/openslo.md.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from reliability.config.objectives import threshold_sli_name
from reliability.config.openslo_alerts import ANNOTATIONS as ALERT_ANNOTATIONS
from reliability.config.openslo_alerts import (
    Part,
    Policy,
    by_speed,
    hooks_of,
    period_seconds,
    policy_parts,
    ref_or_inline,
    window_pair,
)
from reliability.config.openslo_alpha import from_v1alpha
from reliability.config.openslo_composite import composite_of, is_weighted_composite, weight_of
from reliability.config.openslo_fields import OpenSloDoc, OpenSloProblem
from reliability.config.openslo_indicators import OWN_TYPE_PREFIX, PROMETHEUS, sli_of
from reliability.config.openslo_labels import labels_of
from reliability.config.openslo_objectives import objectives_of, threshold_of, window_of
from reliability.config.yaml_source import KeyPath, YamlDocument, load_yaml_documents
from reliability.durations import parse_duration
from reliability.errors import ConfigError, Problem
from reliability.vocabulary import item_id

V1 = "openslo/v1"
V1ALPHA = "openslo/v1alpha"
SLO_SPEC_KEYS = (
    "description",
    "service",
    "indicator",
    "indicatorRef",
    "timeWindow",
    "budgetingMethod",
    "objectives",
    "alertPolicies",
)
METADATA_KEYS = ("name", "displayName", "annotations", "labels")
KINDS = ("DataSource", "Service", "SLI", "AlertCondition", "AlertNotificationTarget", "AlertPolicy", "SLO")


@dataclass
class _Output:
    """One translated document, in the file its first item came from."""

    path: Path
    data: dict[str, Any] = field(default_factory=dict)
    lines: dict[KeyPath, int] = field(default_factory=dict)

    def add(self, key: str, item: Any, doc: OpenSloDoc, at: KeyPath = ()) -> KeyPath:
        items = self.data.setdefault(key, [])
        place: KeyPath = (key, len(items))
        items.append(item)
        self.note(place, doc, at)
        return place

    def note(self, place: KeyPath, doc: OpenSloDoc, at: KeyPath) -> None:
        line = doc.line(at)
        if doc.source.path == self.path and line is not None:
            self.lines[place] = line


@dataclass
class _Component:
    name: str
    source: str
    slis: list[dict[str, Any]] = field(default_factory=list)
    slos: list[dict[str, Any]] = field(default_factory=list)
    match: str | None = None


@dataclass
class _Service:
    name: str
    doc: OpenSloDoc
    description: str | None = None
    components: dict[str, _Component] = field(default_factory=dict)
    slos: list[dict[str, Any]] = field(default_factory=list)
    slas: list[Any] = field(default_factory=list)
    labels: dict[str, str] = field(default_factory=dict)


@dataclass
class _Reader:
    docs: list[OpenSloDoc]
    problems: list[Problem] = field(default_factory=list)
    sources: dict[str, tuple[OpenSloDoc, dict[str, Any]]] = field(default_factory=dict)
    services: dict[str, _Service] = field(default_factory=dict)
    slis: dict[str, OpenSloDoc] = field(default_factory=dict)
    settings: list[tuple[OpenSloDoc, dict[str, Any]]] = field(default_factory=list)
    hooks: list[tuple[OpenSloDoc, Any]] = field(default_factory=list)
    window_sets: list[tuple[OpenSloDoc, Any]] = field(default_factory=list)
    changes: list[tuple[OpenSloDoc, Any]] = field(default_factory=list)
    conditions: dict[str, Part] = field(default_factory=dict)
    targets: dict[str, Part] = field(default_factory=dict)
    policies: dict[str, Policy] = field(default_factory=dict)
    policy_sets: list[tuple[str, list[dict[str, Any]], dict[str, Any]]] = field(default_factory=list)

    def read(self) -> None:
        by_kind: dict[str, list[OpenSloDoc]] = {}
        for doc in self.docs:
            by_kind.setdefault(doc.kind, []).append(doc)
        for kind in KINDS:
            for doc in by_kind.pop(kind, []):
                try:
                    getattr(self, f"_{kind.lower()}")(doc)
                except OpenSloProblem as exc:
                    self.problems.extend(exc.problems)
        try:
            self._policy_hooks()
        except OpenSloProblem as exc:
            self.problems.extend(exc.problems)
        for docs in by_kind.values():
            for doc in docs:
                self.problems.append(
                    Problem(
                        str(doc.source.path),
                        f"unknown kind {doc.kind!r} (known: DataSource, Service, SLI, SLO, "
                        "AlertPolicy, AlertCondition, AlertNotificationTarget)",
                        doc.line(("kind",)),
                        "kind",
                    )
                )

    def _alertcondition(self, doc: OpenSloDoc) -> None:
        name = self._metadata(doc)
        self._unique(doc, self.conditions, name)
        self.conditions[name] = Part(doc)

    def _alertpolicy(self, doc: OpenSloDoc) -> None:
        name = self._metadata(doc)
        self._unique(doc, self.policies, name)
        doc.known_keys((), ("apiVersion", "kind", "metadata", "spec"))
        self.policies[name] = Policy(name, Part(doc))

    def _alert_windows(self, doc: OpenSloDoc, slo: dict[str, Any], ids: list[str]) -> None:
        """The SLO's alert policies as one window set, its name settled once all SLOs are read."""
        if (doc.annotation_json(("metadata",), "alerting") or {}).get("windows") is not None:
            doc.fail(
                ("spec", "alertPolicies"), "give alertPolicies or reliability.dev/alerting windows, not both"
            )
        policies, pairs = [], []
        for index in range(len(doc.items(("spec", "alertPolicies")))):
            part = ref_or_inline(
                doc,
                ("spec", "alertPolicies", index),
                "alertPolicyRef",
                "AlertPolicy",
                {n: p.part for n, p in self.policies.items()},
            )
            name = part.doc.text(part("metadata", "name"))
            policy = self.policies.setdefault(name, Policy(name, part))
            policy.slos += ids  # named, even if its conditions are refused below
            own = [
                window_pair(part, c, period_seconds(slo["window"]))
                for c in policy_parts(part, self.conditions)
            ]
            policies.append((policy, len(own)))
            pairs += own
        pairs = by_speed(pairs)
        start = 0
        for policy, count in policies:
            policy.severities |= {p["severity"] for p in pairs[start : start + count]}
            start += count
        if pairs:
            self.policy_sets.append(("+".join(p.name for p, _ in policies), pairs, slo))

    def _policy_hooks(self) -> None:
        for policy in self.policies.values():
            if not policy.slos:
                policy.part.doc.fail(
                    policy.part("kind"), "no SLO names this AlertPolicy in spec.alertPolicies"
                )
            self.hooks += [(policy.part.doc, hook) for hook in hooks_of(policy, self.targets)]
        used = {
            c.doc.name
            for p in self.policies.values()
            for c in policy_parts(p.part, self.conditions)
            if not c.at
        }
        for name, part in self.conditions.items():
            if name not in used:
                part.doc.fail(("kind",), "no AlertPolicy names this AlertCondition in spec.conditions")

    def _metadata(self, doc: OpenSloDoc, at: KeyPath = ("metadata",)) -> str:
        doc.known_keys(at, METADATA_KEYS)
        labels_of(doc, at)  # refused where the model has no labels
        for key in doc.mapping((*at, "annotations")):
            if key.startswith(OWN_TYPE_PREFIX) and key[len(OWN_TYPE_PREFIX) :] not in _ANNOTATIONS[doc.kind]:
                known = ", ".join(OWN_TYPE_PREFIX + k for k in _ANNOTATIONS[doc.kind]) or "none"
                doc.fail((*at, "annotations", key), f"unknown annotation on a {doc.kind} (known: {known})")
        return doc.text((*at, "name"))

    def _unique(self, doc: OpenSloDoc, seen: dict[str, Any], name: str) -> None:
        if name in seen:
            doc.fail(("metadata", "name"), f"a second {doc.kind} named {name!r}")

    def _datasource(self, doc: OpenSloDoc) -> None:
        name = self._metadata(doc)
        self._unique(doc, self.sources, name)
        doc.known_keys((), ("apiVersion", "kind", "metadata", "spec"))
        doc.known_keys(("spec",), ("type", "connectionDetails", "description"))
        kind = doc.text(("spec", "type"))
        details = dict(doc.mapping(("spec", "connectionDetails")))
        if kind.lower() == PROMETHEUS:
            own = PROMETHEUS
        elif kind.startswith(OWN_TYPE_PREFIX):
            own = kind[len(OWN_TYPE_PREFIX) :]
        else:
            doc.fail(
                ("spec", "type"),
                f"DataSource type {kind!r} cannot be read: reliability reads Prometheus "
                "(connectionDetails.url) or its own sources (type reliability.dev/events, ...)",
            )
        if own == "prometheus" and "url" not in details:
            doc.fail(("spec", "connectionDetails"), "a Prometheus DataSource needs connectionDetails.url")
        self.sources[name] = (doc, {"name": name, "type": own, **details})
        self.settings += [(doc, s) for s in [doc.annotation_json(("metadata",), "settings")] if s]
        self.window_sets += [(doc, s) for s in [doc.annotation_json(("metadata",), "alert-windows")] if s]
        self.changes += [(doc, c) for c in doc.annotation_json(("metadata",), "change-events") or []]

    def _service(self, doc: OpenSloDoc) -> None:
        name = self._metadata(doc)
        doc.known_keys((), ("apiVersion", "kind", "metadata", "spec"))
        doc.known_keys(("spec",), ("description",))
        if name in self.services and self.services[name].doc.kind == "Service":
            doc.fail(("metadata", "name"), f"a second Service named {name!r}")
        service = self.services.setdefault(name, _Service(name, doc))
        service.doc = doc
        service.description = doc.optional_text(("spec", "description"))
        service.slas = doc.annotation_json(("metadata",), "slas") or []
        service.labels = labels_of(doc)

    def _sli(self, doc: OpenSloDoc) -> None:
        name = self._metadata(doc)
        self._unique(doc, self.slis, name)
        doc.known_keys((), ("apiVersion", "kind", "metadata", "spec"))
        self.slis[name] = doc
        if (service := doc.annotation(("metadata",), "service")) is not None:  # written by `export openslo`
            owner = self.services.setdefault(service, _Service(service, doc))
            self._register(doc, ("metadata",), ("spec",), owner, None)

    def _alertnotificationtarget(self, doc: OpenSloDoc) -> None:
        hook = doc.annotation_json(("metadata",), "hook")
        if hook is None:  # a webhook, on the triggers of the policies naming it (named before any check)
            self.targets[doc.name] = Part(doc)
        self._metadata(doc)
        doc.known_keys(("spec",), ("target", "description"))
        if hook is not None:
            self.hooks.append((doc, hook))

    def _slo(self, doc: OpenSloDoc) -> None:
        name = self._metadata(doc)
        doc.known_keys((), ("apiVersion", "kind", "metadata", "spec"))
        doc.known_keys(("spec",), SLO_SPEC_KEYS)
        service_name = doc.text(("spec", "service"))
        service = self.services.setdefault(service_name, _Service(service_name, doc))
        slo: dict[str, Any] = {"name": name}
        if description := doc.optional_text(("spec", "description")):
            slo["description"] = description
        if labels := labels_of(doc):
            slo["labels"] = labels
        slo["window"] = window_of(doc)
        composite = doc.annotation_json(("metadata",), "composite")
        components = doc.annotation_json(("metadata",), "components")
        if composite is None and is_weighted_composite(doc):
            self._weighted_composite(doc, service, slo)
            return
        sli_name = component = None
        thresholds: list[str | None] = []
        if composite is None:
            component, sli_name, own_threshold = self._indicator(doc, service)
            thresholds = [own_threshold(i) for i in range(len(doc.items(("spec", "objectives"))))]
        elif doc.has(("spec", "indicator")) or doc.has(("spec", "indicatorRef")):
            doc.fail(("spec", "indicator"), "a composite SLO (reliability.dev/composite) has no indicator")
        if sli_name is not None:
            slo["sli"] = sli_name
        # after the SLI: one objective with a threshold of its own names the SLI counting it
        slo |= objectives_of(
            doc, thresholds, lambda value: _threshold_sli(service, component, sli_name, value)
        )
        _annotated(doc, slo)
        ids = [item_id(service_name, f"{name}_{o['name']}") for o in slo.get("objectives", [])]
        self._alert_windows(doc, slo, ids or [item_id(service_name, name)])
        if composite is not None:  # in place: the window set's name is settled into `slo` later
            slo["composite"] = composite
            service.slos.append(slo)
        elif components is not None:
            slo["components"] = components
            service.slos.append(slo)
        else:
            assert component is not None
            service.components[component].slos.append(slo)

    def _weighted_composite(self, doc: OpenSloDoc, service: _Service, slo: dict[str, Any]) -> None:
        """One SLO per objective, on its own indicator, and the weighted composite over them."""
        objectives = objectives_of(doc, [], lambda _: "", composite=True)["objectives"]
        parts = []
        for index, objective in enumerate(objectives):
            base: KeyPath = ("spec", "objectives", index)
            component, sli_name, own_threshold = self._indicator(doc, service, base, index)
            if objective["objective"] == "auto":
                doc.fail(("metadata", "annotations"), "a composite's parts need targets, not auto")
            if (threshold := own_threshold(index)) is not None:
                sli_name = _threshold_sli(service, component, sli_name, threshold)
            part = {k: v for k, v in slo.items() if k != "description"} | {
                "name": f"{slo['name']}_{objective['name']}",
                "sli": sli_name,
                "objective": objective["objective"],
            }
            if objective.get("budgeting"):
                part["budgeting"] = objective["budgeting"]
            service.components[component].slos.append(part)
            parts.append((item_id(service.name, part["name"]), weight_of(doc, index), objective))
        _annotated(doc, slo)
        self._alert_windows(doc, slo, [item_id(service.name, slo["name"])])
        slo |= composite_of(doc, parts)  # in place: the window set's name is settled into it later
        service.slos.append(slo)

    def _indicator(
        self, doc: OpenSloDoc, service: _Service, base: KeyPath = ("spec",), first_index: int = 0
    ) -> tuple[str, str, Any]:
        """The component and SLI an SLO (or a composite's objective, at `base`) counts, and per
        objective the threshold it adds (latency)."""
        if doc.has((*base, "indicatorRef")):
            ref = doc.text((*base, "indicatorRef"))
            if ref not in self.slis:
                doc.fail((*base, "indicatorRef"), f"no SLI document named {ref!r}")
            sli_doc = self.slis[ref]
            at: KeyPath = ("metadata",)
            spec_at: KeyPath = ("spec",)
        else:
            sli_doc, at, spec_at = doc, (*base, "indicator", "metadata"), (*base, "indicator", "spec")
            doc.known_keys((*base, "indicator"), ("metadata", "spec"))
            self._metadata(doc, at)
        latency = sli_doc.has((*spec_at, "thresholdMetric"))
        first = threshold_of(doc, first_index) if latency and doc.items(("spec", "objectives")) else None
        component, sli = self._register(sli_doc, at, spec_at, service, first)

        def own_threshold(index: int) -> str | None:
            if not latency:
                if doc.has(("spec", "objectives", index, "value")):
                    doc.fail(("spec", "objectives", index, "value"), "a ratioMetric objective takes no value")
                return None
            value = threshold_of(doc, index)
            return None if parse_duration(value) == parse_duration(sli["threshold"]) else value

        return component, sli["name"], own_threshold

    def _register(
        self, sli_doc: OpenSloDoc, at: KeyPath, spec_at: KeyPath, service: _Service, threshold: str | None
    ) -> tuple[str, dict[str, Any]]:
        """The component an SLI belongs to (made on first sight) and the SLI as it stands there."""
        indicator = sli_doc.text((*at, "name"))
        component_name = sli_doc.annotation(at, "component") or indicator
        sli, source = sli_of(sli_doc, spec_at, sli_doc.annotation(at, "sli") or indicator)
        if (interpolate := sli_doc.annotation(at, "interpolate")) is not None:
            sli["interpolate"] = interpolate == "true"
        known = service.components.get(component_name)
        earlier = next((s for s in known.slis if s["name"] == sli["name"]), {}) if known else {}
        if sli["kind"] == "latency":  # the first SLO counting an SLI sets its threshold; others add SLIs
            sli["threshold"] = sli_doc.annotation(at, "threshold") or earlier.get("threshold") or threshold
            if sli["threshold"] is None:
                sli_doc.fail(
                    spec_at, "a thresholdMetric needs an objective's value (or reliability.dev/threshold)"
                )
        component = service.components.setdefault(component_name, _Component(component_name, source))
        if component.source != source:
            message = f"component {component_name!r} reads source {component.source!r}, not {source!r}"
            sli_doc.fail(spec_at, message)
        if (match := sli_doc.annotation(at, "match")) is not None:
            component.match = match
        declared = next((s for s in component.slis if s["name"] == sli["name"]), None)
        if declared is None:
            component.slis.append(sli)
        elif declared != sli:
            message = f"SLI {sli['name']!r} of component {component_name!r} is declared twice, differently"
            sli_doc.fail(spec_at, message)
        return component_name, declared or sli

    def _settle_window_sets(self) -> list[tuple[OpenSloDoc, dict[str, Any]]]:
        """One set per distinct (policies, pairs); the policies' names, with the SLO window when the same
        policies give other pairs for an SLO of another period."""
        variants: dict[str, list[Any]] = {}
        for name, pairs, _ in self.policy_sets:
            if pairs not in variants.setdefault(name, []):
                variants[name].append(pairs)
        made: dict[str, Any] = {}
        for name, pairs, slo in self.policy_sets:
            window = slo["window"] if isinstance(slo["window"], str) else slo["window"]["calendar"]
            set_name = name if len(variants[name]) == 1 else f"{name}-{window}"
            made[set_name] = {"name": set_name, "pairs": pairs}
            slo["alerting"] = slo.get("alerting", {}) | {"windows": set_name}
        first = next(iter(self.policies.values()), None)
        return [(first.part.doc, s) for s in made.values()] if first else []

    def documents(self) -> list[YamlDocument]:
        outputs: dict[Path, _Output] = {}

        def output(doc: OpenSloDoc) -> _Output:
            return outputs.setdefault(doc.source.path, _Output(doc.source.path))

        for doc, settings in self.settings:
            output(doc).data.setdefault("settings", {}).update(settings)
        for doc, source in self.sources.values():
            out = output(doc)
            place = out.add("sources", source, doc)
            for key in source:
                out.note((*place, key), doc, ("spec", "connectionDetails", key))
        for doc, sets in self.window_sets:
            for item in sets:
                output(doc).add("alert_windows", item, doc)
        for doc, change_source in self.changes:
            output(doc).add("change_events", change_source, doc)
        for doc, window_set in self._settle_window_sets():
            output(doc).add("alert_windows", window_set, doc)
        for service in self.services.values():
            out = output(service.doc)
            raw: dict[str, Any] = {"name": service.name}
            if service.description:
                raw["description"] = service.description
            if service.labels:
                raw["labels"] = service.labels
            raw["components"] = [_component(c) for c in service.components.values()]
            if service.slos:
                raw["slos"] = service.slos
            if service.slas:
                raw["slas"] = service.slas
            out.add("services", raw, service.doc)
        for doc, hook in self.hooks:
            output(doc).add("hooks", hook, doc)
        return [YamlDocument(o.path, o.data, o.lines) for o in outputs.values()]


_ANNOTATIONS = {
    "DataSource": ("settings", "alert-windows", "change-events"),
    "Service": ("slas",),
    "SLI": ("service", "component", "sli", "match", "threshold", "interpolate"),
    "SLO": (
        "alerting",
        "policy",
        "objective",
        "composite",
        "components",
        "component",
        "sli",
        "match",
        "threshold",
        "interpolate",
    ),
    **ALERT_ANNOTATIONS,
}


def _annotated(doc: OpenSloDoc, slo: dict[str, Any]) -> None:
    for key in ("alerting", "policy"):
        if (value := doc.annotation_json(("metadata",), key)) is not None:
            slo[key] = value


def _component(component: _Component) -> dict[str, Any]:
    raw: dict[str, Any] = {"name": component.name, "source": component.source}
    if component.match is not None:
        raw["match"] = component.match
    raw["slis"] = component.slis
    if component.slos:
        raw["slos"] = component.slos
    return raw


def _threshold_sli(service: _Service, component: str | None, sli: str | None, threshold: str) -> str:
    assert component is not None and sli is not None
    slis = service.components[component].slis
    name = threshold_sli_name(sli, threshold)
    if not any(s["name"] == name for s in slis):
        base = next(s for s in slis if s["name"] == sli)
        slis.append(base | {"name": name, "threshold": threshold})
    return name


def openslo_documents(files: list[Path]) -> list[YamlDocument]:
    """Our configuration documents for the OpenSLO files; ConfigError lists every problem found."""
    docs = []
    problems: list[Problem] = []
    for file in files:
        for source in load_yaml_documents(file):
            doc = OpenSloDoc(source)
            if not isinstance(source.data, dict):
                problems.append(Problem(str(file), "expected a mapping at the top", source.line_of(())))
                continue
            version = source.data.get("apiVersion")
            try:
                if version == V1ALPHA:
                    doc = from_v1alpha(doc)
                elif version != V1:
                    doc.fail(("apiVersion",), f"expected {V1!r} or {V1ALPHA!r}, got {version!r}")
            except OpenSloProblem as exc:
                problems.extend(exc.problems)
                continue
            docs.append(doc)
    reader = _Reader(docs)
    reader.read()
    problems += reader.problems
    if problems:
        count = len(problems)
        more = f" (and {count - 1} more)" if count > 1 else ""
        raise ConfigError(f"invalid OpenSLO: {problems[0]}{more}", problems)
    return reader.documents()
