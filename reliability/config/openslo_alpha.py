"""OpenSLO v1alpha `SLO` documents, as Sloth reads them, rewritten as v1 documents.

Sloth takes `ratioMetrics` objectives (good or bad, and total, each `source: prometheus` with a
PromQL `query`), `timeWindows` of `count` and `unit`, and Occurrences budgeting. The v1 document names
its metric source `metricSourceRef: <source>` (e.g. `prometheus`): a DataSource or a source of our own
configuration by that name supplies the URL.
"""

from __future__ import annotations

from typing import Any

from reliability.config.openslo_fields import OpenSloDoc
from reliability.config.yaml_source import KeyPath, YamlDocument

_UNITS = {"Minute": "m", "Hour": "h", "Day": "d", "Week": "w", "Month": "M", "Quarter": "Q", "Year": "Y"}


def _metric(doc: OpenSloDoc, at: KeyPath) -> dict[str, Any]:
    doc.known_keys(at, ("source", "queryType", "query"))
    query_type = doc.get((*at, "queryType")) or "promql"
    if str(query_type).lower() != "promql":
        doc.fail((*at, "queryType"), f"expected promql, got {query_type!r}")
    source = doc.text((*at, "source"))
    return {
        "metricSource": {
            "metricSourceRef": source,
            "type": "Prometheus",
            "spec": {"query": doc.text((*at, "query"))},
        }
    }


def from_v1alpha(doc: OpenSloDoc) -> OpenSloDoc:
    """The v1 document a v1alpha SLO stands for; a problem naming the field for what Sloth does not read."""
    if doc.kind != "SLO":
        doc.fail(("kind",), f"openslo/v1alpha is read for kind SLO only (as Sloth does), not {doc.kind!r}")
    doc.known_keys((), ("apiVersion", "kind", "metadata", "spec"))
    doc.known_keys(("spec",), ("service", "description", "budgetingMethod", "objectives", "timeWindows"))
    objectives = doc.items(("spec", "objectives"))
    if not objectives:
        doc.fail(("spec", "objectives"), "expected at least one objective")
    ratio: dict[str, Any] | None = None
    v1_objectives = []
    for index, _ in enumerate(objectives):
        at: KeyPath = ("spec", "objectives", index)
        doc.known_keys(at, ("displayName", "target", "ratioMetrics"))
        r_at = (*at, "ratioMetrics")
        doc.known_keys(r_at, ("good", "bad", "total"))
        parts = {k: _metric(doc, (*r_at, k)) for k in ("good", "bad", "total") if doc.has((*r_at, k))}
        if ratio is not None and parts != ratio:
            doc.fail(r_at, "objectives with different ratioMetrics: write one SLO per indicator")
        ratio = parts
        one: dict[str, Any] = {"target": doc.get((*at, "target"))}
        if doc.has((*at, "displayName")):
            one["displayName"] = doc.get((*at, "displayName"))
        v1_objectives.append(one)
    windows = doc.items(("spec", "timeWindows"))
    v1_windows = []
    for index, _ in enumerate(windows):
        at = ("spec", "timeWindows", index)
        doc.known_keys(at, ("count", "unit", "isRolling"))
        unit = doc.text((*at, "unit"))
        if unit not in _UNITS:
            doc.fail((*at, "unit"), f"expected one of {', '.join(_UNITS)}, got {unit!r}")
        window: dict[str, Any] = {"duration": f"{doc.get((*at, 'count'))}{_UNITS[unit]}"}
        window["isRolling"] = doc.get((*at, "isRolling")) is not False
        v1_windows.append(window)
    metadata = doc.mapping(("metadata",))
    spec = {
        "service": doc.get(("spec", "service")),
        "indicator": {"metadata": {"name": metadata.get("name")}, "spec": {"ratioMetric": ratio}},
        "timeWindow": v1_windows,
        "budgetingMethod": doc.get(("spec", "budgetingMethod")) or "Occurrences",
        "objectives": v1_objectives,
    }
    if doc.has(("spec", "description")):
        spec["description"] = doc.get(("spec", "description"))
    data = {"apiVersion": "openslo/v1", "kind": "SLO", "metadata": metadata, "spec": spec}
    # v1 key paths that v1alpha spells alike keep their lines; the rest fall back to the document's
    return OpenSloDoc(YamlDocument(doc.source.path, data, dict(doc.source.lines)))
