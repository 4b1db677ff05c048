"""Our configuration written as OpenSLO v1 documents, so that reading them back builds the same model.

Each source becomes a DataSource (Prometheus with connectionDetails.url; the others as type
`reliability.dev/<type>` with our keys in connectionDetails), each service a Service, each SLI of a
component an SLI (ratioMetric or thresholdMetric), each SLO an SLO. What OpenSLO has no field for is
kept in `reliability.dev/` annotations (settings, alert window sets, SLAs, hooks, alerting, policy,
the component an SLI belongs to); docs/openslo.md lists them.
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from reliability.config.build import config_files, load_config
from reliability.config.openslo import V1
from reliability.config.openslo_alert_export import policy_documents, policy_names, window_key
from reliability.config.openslo_composite_export import weighted_composites
from reliability.config.openslo_fields import ANNOTATION_PREFIX
from reliability.config.openslo_files import is_openslo
from reliability.config.openslo_queries import query_of
from reliability.config.yaml_source import load_yaml, load_yaml_documents
from reliability.durations import parse_duration
from reliability.errors import ConfigError

METRIC_SELECTOR_KEYS = {"total": "total", "good_counter": "good", "bad_counter": "bad"}
CALENDAR_DURATIONS = {"week": "1w", "month": "1M", "quarter": "1Q"}
CALENDAR_START = "2024-01-01 00:00:00"  # a Monday, the first of a month and of a quarter
_UNITS = (("w", 7 * 86400), ("d", 86400), ("h", 3600), ("m", 60))


@dataclass
class Export:
    documents: list[dict[str, Any]] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def _json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def _ratio(percent: float) -> float:
    return round(percent / 100, 12)


def _document(
    kind: str,
    name: str,
    spec: dict[str, Any],
    annotations: dict[str, Any] | None = None,
    labels: dict[str, str] | None = None,
) -> dict[str, Any]:
    metadata: dict[str, Any] = {"name": name}
    if labels:
        metadata["labels"] = dict(labels)
    if annotations:
        metadata["annotations"] = {ANNOTATION_PREFIX + k: v for k, v in annotations.items()}
    return {"apiVersion": V1, "kind": kind, "metadata": metadata, "spec": spec}


def openslo_duration(text: str) -> str:
    """Our duration as OpenSLO's shorthand (one number, one unit): 30d, 36h, 90m."""
    seconds = int(parse_duration(text))
    if re.fullmatch(r"[0-9]+[mhdw]", text):
        return text
    for unit, size in _UNITS:
        if seconds % size == 0:
            return f"{seconds // size}{unit}"
    raise ConfigError(f"{text!r} is not whole minutes: OpenSLO cannot write it")


def _window(raw: str | dict[str, Any]) -> dict[str, Any]:
    if isinstance(raw, str):
        return {"duration": openslo_duration(raw), "isRolling": True}
    calendar = {"startTime": CALENDAR_START, "timeZone": raw.get("time_zone", "UTC")}
    return {"duration": CALENDAR_DURATIONS[raw["calendar"]], "isRolling": False, "calendar": calendar}


@dataclass
class _Writer:
    folder: Path  # where the output goes: file paths are written relative to it
    sources: dict[str, dict[str, Any]] = field(default_factory=dict)
    result: Export = field(default_factory=Export)
    policies: dict[tuple[str, str], str] = field(default_factory=dict)  # (set, window key) -> policy

    def source_type(self, name: str) -> str:
        kind = str(self.sources.get(name, {}).get("type", "prometheus"))
        return "Prometheus" if kind == "prometheus" else f"{ANNOTATION_PREFIX}{kind}"

    def data_source(self, raw: dict[str, Any], base: Path, annotations: dict[str, Any]) -> None:
        details = {k: v for k, v in raw.items() if k not in ("name", "type")}
        if "paths" in details:
            details["paths"] = [self.rebased(base, p) for p in details["paths"]]
        spec = {"type": self.source_type(raw["name"]), "connectionDetails": details}
        self.result.documents.append(_document("DataSource", raw["name"], spec, annotations))

    def rebased(self, base: Path, pattern: str) -> str:
        if "://" in pattern or os.path.isabs(pattern):
            return pattern
        return os.path.relpath(base / pattern, self.folder)

    def metric_source(self, source: str, spec: dict[str, Any]) -> dict[str, Any]:
        return {"metricSource": {"metricSourceRef": source, "type": self.source_type(source), "spec": spec}}

    def sli_spec(self, raw: dict[str, Any], source: str) -> dict[str, Any]:
        spec: dict[str, Any] = {}
        if "description" in raw:
            spec["description"] = raw["description"]
        if raw["kind"] == "latency":
            histogram = raw.get("histogram")
            query = {"query": query_of(histogram, "_bucket")} if histogram else {}
            spec["thresholdMetric"] = self.metric_source(source, query)
        elif "total" in raw:
            ratio: dict[str, Any] = {"counter": True}
            for key, part in METRIC_SELECTOR_KEYS.items():
                if key in raw and key != "total":
                    ratio[part] = self.metric_source(source, {"query": query_of(raw[key])})
            ratio["total"] = self.metric_source(source, {"query": query_of(raw["total"])})
            spec["ratioMetric"] = ratio
        else:
            good = {"good": raw["good"]} if "good" in raw else {}
            spec["ratioMetric"] = {
                "good": self.metric_source(source, good),
                "total": self.metric_source(source, {}),
            }
        return spec

    def service(self, raw: dict[str, Any]) -> None:
        service = raw["name"]
        spec = {"description": raw["description"]} if "description" in raw else {}
        slas = {"slas": _json(raw["slas"])} if raw.get("slas") else None
        self.result.documents.append(_document("Service", service, spec, slas, raw.get("labels")))
        refs: dict[tuple[str, str], str] = {}
        thresholds: dict[tuple[str, str], str] = {}
        for comp in raw["components"]:
            for sli in comp.get("slis", []):
                name = f"{service}-{comp['name']}-{sli['name']}"
                refs[comp["name"], sli["name"]] = name
                notes = {"service": service, "component": comp["name"], "sli": sli["name"]}
                if "match" in comp:
                    notes["match"] = str(comp["match"])
                if sli["kind"] == "latency":
                    notes["threshold"] = sli["threshold"]
                    thresholds[comp["name"], sli["name"]] = sli["threshold"]
                if "interpolate" in sli:
                    notes["interpolate"] = "true" if sli["interpolate"] else "false"
                spec = self.sli_spec(sli, comp["source"])
                self.result.documents.append(_document("SLI", name, spec, notes))
        weighted = weighted_composites(raw)
        parts = {part["name"]: name for name, found in weighted.items() for _, part, _ in found}
        composites = {slo["name"]: slo for slo in raw.get("slos", [])}
        for comp in raw["components"]:
            for slo in comp.get("slos", []):
                if slo["name"] in parts:  # an objective of its composite, written where its first part was
                    name = parts[slo["name"]]
                    if weighted[name][0][1] is slo:
                        self.weighted(service, composites[name], weighted[name], refs, thresholds)
                    continue
                # OpenSLO has no component labels: each SLO carries them, as it inherits them
                labelled = slo | {"labels": (comp.get("labels") or {}) | (slo.get("labels") or {})}
                self.slo(service, labelled, comp["name"], refs, thresholds, {})
        for slo in raw.get("slos", []):
            if slo["name"] in weighted:
                continue
            if "composite" in slo:
                self.result.warnings.append(
                    f"{service}/{slo['name']}: a composite of SLOs has no OpenSLO spelling; written as the "
                    f"{ANNOTATION_PREFIX}composite annotation, without an indicator"
                )
                self.slo(service, slo, None, refs, thresholds, {"composite": _json(slo["composite"])})
            else:
                notes = {"components": _json(slo["components"])}
                self.slo(service, slo, slo["components"][0], refs, thresholds, notes)

    def weighted(
        self,
        service: str,
        raw: dict[str, Any],
        parts: list[tuple[str, dict[str, Any], float]],
        refs: dict[tuple[str, str], str],
        thresholds: dict[tuple[str, str], str],
    ) -> None:
        """A weighted composite as OpenSLO writes one: an objective per part, on its indicator."""
        self.slo(service, raw | {"objective": 100.0}, None, refs, thresholds, {})
        spec = self.result.documents[-1]["spec"]
        spec["objectives"] = []
        for component, part, weight in parts:
            objective = self.objective(service, part, part, thresholds.get((component, part["sli"])), {})
            objective["displayName"] = part["name"][len(raw["name"]) + 1 :]
            objective["indicatorRef"] = refs[component, part["sli"]]
            objective["compositeWeight"] = weight
            spec["objectives"].append(objective)

    def slo(
        self,
        service: str,
        raw: dict[str, Any],
        component: str | None,
        refs: dict[tuple[str, str], str],
        thresholds: dict[tuple[str, str], str],
        notes: dict[str, str],
    ) -> None:
        spec: dict[str, Any] = {}
        if "description" in raw:
            spec["description"] = raw["description"]
        spec["service"] = service
        if component is not None:
            spec["indicatorRef"] = refs[component, raw["sli"]]
        spec["timeWindow"] = [_window(raw.get("window", "30d"))]
        objectives = raw.get("objectives") or [raw]
        methods = {
            o.get("budgeting", raw.get("budgeting", {})).get("method", "occurrences") for o in objectives
        }
        if len(methods) > 1:
            raise ConfigError(
                f"SLO {service}/{raw['name']}: OpenSLO takes one budgeting method for all objectives"
            )
        spec["budgetingMethod"] = {
            "occurrences": "Occurrences",
            "timeslices": "Timeslices",
            "ratio_timeslices": "RatioTimeslices",
        }[methods.pop()]
        base = thresholds.get((component, raw.get("sli", ""))) if component else None
        spec["objectives"] = [self.objective(service, raw, o, base, notes) for o in objectives]
        alerting = dict(raw.get("alerting", {}))
        policy = self.policies.get((alerting.get("windows", ""), window_key(raw.get("window", "30d"))))
        if policy is not None:  # a declared set: an AlertPolicy
            spec["alertPolicies"] = [policy]
            del alerting["windows"]
        if alerting:
            notes["alerting"] = _json(alerting)
        if "policy" in raw:
            notes["policy"] = _json(raw["policy"])
        self.result.documents.append(_document("SLO", raw["name"], spec, notes, raw.get("labels")))

    def objective(
        self,
        service: str,
        slo: dict[str, Any],
        raw: dict[str, Any],
        threshold: str | None,
        notes: dict[str, str],
    ) -> dict[str, Any]:
        objective: dict[str, Any] = {"displayName": raw["name"]}
        if raw is not slo and "description" in raw:
            self.result.warnings.append(
                f"{service}/{slo['name']}: objective {raw['name']!r} has a description; OpenSLO objectives "
                "have none, so it is left out"
            )
        if threshold is not None:
            objective["op"] = "lte"
            objective["value"] = parse_duration(raw.get("threshold", threshold))
        if raw["objective"] == "auto":
            notes["objective"] = "auto"
            self.result.warnings.append(
                f"{service}/{slo['name']}: objective auto has no OpenSLO spelling; written as the "
                f"{ANNOTATION_PREFIX}objective annotation, without a target"
            )
        else:
            objective["target"] = _ratio(raw["objective"])
        budgeting = raw.get("budgeting", slo.get("budgeting"))
        if budgeting and budgeting["method"] != "occurrences":
            if "slice" in budgeting:
                objective["timeSliceWindow"] = openslo_duration(budgeting["slice"])
            if "target" in budgeting:
                objective["timeSliceTarget"] = _ratio(budgeting["target"])
        return objective


def export_openslo(path: Path, out_folder: Path) -> Export:
    """OpenSLO v1 documents for the configuration at `path`; file paths relative to `out_folder`."""
    load_config(path)  # only a valid configuration is exported
    writer = _Writer(out_folder.absolute())
    ours = [load_yaml(f) for f in config_files(path) if not is_openslo(f)]
    passed = [d.data for f in config_files(path) if is_openslo(f) for d in load_yaml_documents(f)]
    for doc in ours:
        for source in doc.data.get("sources") or []:
            writer.sources[source["name"]] = source
    globals_: dict[str, Any] = {}
    settings = {k: v for doc in ours for k, v in (doc.data.get("settings") or {}).items()}
    if settings:
        globals_["settings"] = _json(settings)
    window_sets = {s["name"]: s for doc in ours for s in doc.data.get("alert_windows") or []}
    uses = {
        (slo["alerting"]["windows"], window_key(slo.get("window", "30d"))): slo.get("window", "30d")
        for slo in _slos(ours)
        if slo.get("alerting", {}).get("windows") in window_sets
    }
    writer.policies = policy_names((name, window) for (name, _), window in uses.items())
    writer.result.warnings += [
        f"alert window set {name!r} is used by SLOs of several periods: one AlertPolicy {policy!r} each "
        "(a burn-rate threshold is relative to the period), read back as a set of that name"
        for (name, _), policy in writer.policies.items()
        if policy != name
    ]
    changes = [
        c | ({"file": writer.rebased(doc.path.parent.absolute(), c["file"])} if "file" in c else {})
        for doc in ours
        for c in doc.data.get("change_events") or []
    ]
    if changes:
        globals_["change-events"] = _json(changes)
    if unused := [s for name, s in window_sets.items() if name not in {n for n, _ in uses}]:
        globals_["alert-windows"] = _json(unused)
    for doc in ours:
        for source in doc.data.get("sources") or []:
            writer.data_source(source, doc.path.parent.absolute(), globals_)
            globals_ = {}
    if globals_:
        writer.result.warnings.append(
            "no source to carry settings, alert window sets and change events: they are left out"
        )
    for doc in ours:
        for service in doc.data.get("services") or []:
            writer.service(service)
    for (name, key), window in uses.items():
        pairs = window_sets[name]["pairs"]
        documents = policy_documents(writer.policies[name, key], pairs, window, _document)
        writer.result.documents.extend(documents)
    for doc in ours:
        for hook in doc.data.get("hooks") or []:
            target = next(k for k in ("command", "webhook", "alertmanager") if k in hook)
            spec = {"target": target, "description": f"reliability hook on {', '.join(hook['triggers'])}"}
            writer.result.documents.append(
                _document("AlertNotificationTarget", hook["name"], spec, {"hook": _json(hook)})
            )
    writer.result.documents.extend(passed)
    return writer.result


def _slos(ours: list[Any]) -> list[dict[str, Any]]:
    """Every SLO of our documents, of components and of services."""
    return [
        slo
        for doc in ours
        for service in doc.data.get("services") or []
        for slos in [service.get("slos") or [], *[c.get("slos") or [] for c in service["components"]]]
        for slo in slos
    ]


class _PlainDumper(yaml.SafeDumper):
    def ignore_aliases(self, data: Any) -> bool:
        return True


def openslo_yaml(documents: list[dict[str, Any]], header: str) -> str:
    body = yaml.dump_all(
        documents,
        Dumper=_PlainDumper,
        sort_keys=False,
        allow_unicode=True,
        width=1_000_000,
        explicit_start=True,
    )
    return f"# {header}\n{body}"
