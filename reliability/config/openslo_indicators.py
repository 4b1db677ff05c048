"""An OpenSLO SLI (ratioMetric or thresholdMetric) as our SLI keys and the name of its source."""

from __future__ import annotations

from typing import Any

from reliability.config.openslo_fields import OpenSloDoc
from reliability.config.openslo_queries import QueryError, histogram_of, selector_of
from reliability.config.yaml_source import KeyPath

PROMETHEUS = "prometheus"
OWN_TYPE_PREFIX = "reliability.dev/"  # a DataSource type naming one of our source types
REFUSED_RATIO = {
    "raw": "a precomputed ratio cannot be summed over a window: give good or bad, and total",
    "rawType": "belongs to raw, which is not supported",
}


def _metric_source(doc: OpenSloDoc, at: KeyPath) -> tuple[str, dict[str, Any]]:
    """(source name, spec) of a metricSource."""
    doc.known_keys(at, ("metricSourceRef", "type", "spec"))
    kind = str(doc.get((*at, "type")) or PROMETHEUS)
    if kind.lower() != PROMETHEUS and not kind.startswith(OWN_TYPE_PREFIX):
        doc.fail(
            (*at, "type"), f"metric source type {kind!r} cannot be read: Prometheus or reliability.dev/<type>"
        )
    ref = doc.get((*at, "metricSourceRef"))
    if ref is None:
        doc.fail(
            (*at, "metricSourceRef"),
            "missing: reliability reads the URL or files from a DataSource (or a source of our own config) "
            "named here",
        )
    return str(ref), doc.mapping((*at, "spec"))


def _query(doc: OpenSloDoc, at: KeyPath, histogram: bool = False) -> dict[str, Any]:
    doc.known_keys(at, ("query",))
    query = doc.text((*at, "query"))
    try:
        return histogram_of(query) if histogram else selector_of(query)
    except QueryError as exc:
        doc.fail((*at, "query"), str(exc))


def sli_of(doc: OpenSloDoc, at: KeyPath, name: str) -> tuple[dict[str, Any], str]:
    """Our SLI dictionary and its source's name, from an SLI spec."""
    doc.known_keys(at, ("description", "thresholdMetric", "ratioMetric"))
    sli: dict[str, Any] = {"name": name}
    if description := doc.optional_text((*at, "description")):
        sli["description"] = description
    if doc.has((*at, "thresholdMetric")):
        source, spec = _metric_source(doc, (*at, "thresholdMetric", "metricSource"))
        doc.known_keys((*at, "thresholdMetric"), ("metricSource",))
        sli["kind"] = "latency"
        if "query" in spec:  # a histogram's series; without a query, the events' latency column
            sli["histogram"] = _query(doc, (*at, "thresholdMetric", "metricSource", "spec"), histogram=True)
        else:
            doc.known_keys((*at, "thresholdMetric", "metricSource", "spec"), ())
        return sli, source
    ratio_at = (*at, "ratioMetric")
    if not doc.has(ratio_at):
        doc.fail(at, "needs thresholdMetric or ratioMetric")
    doc.known_keys(ratio_at, ("counter", "good", "bad", "total"), REFUSED_RATIO)
    if doc.has((*ratio_at, "good")) == doc.has((*ratio_at, "bad")):
        doc.fail(ratio_at, "needs exactly one of good and bad, and total")
    part = "good" if doc.has((*ratio_at, "good")) else "bad"
    sli["kind"] = "availability"
    sources = set()
    for key in (part, "total"):
        doc.known_keys((*ratio_at, key), ("metricSource",))
        source, spec = _metric_source(doc, (*ratio_at, key, "metricSource"))
        sources.add(source)
        spec_at = (*ratio_at, key, "metricSource", "spec")
        if "query" in spec:  # counters; without a query, events told good by our rule
            if doc.get((*ratio_at, "counter")) is False:
                doc.fail(
                    (*ratio_at, "counter"), "false: reliability reads cumulative counters (counter: true)"
                )
            target = {"good": "good_counter", "bad": "bad_counter", "total": "total"}[key]
            sli[target] = _query(doc, spec_at)
        elif key == "bad":
            doc.fail((*ratio_at, "bad"), "an events source tells good events by a rule: give good")
        elif key == "good" and spec:
            doc.known_keys(spec_at, ("good",))
            sli["good"] = doc.mapping((*spec_at, "good"))
        elif key == "total":
            doc.known_keys(spec_at, ())
    if len(sources) > 1:
        doc.fail(ratio_at, f"good or bad and total come from one source, not {', '.join(sorted(sources))}")
    return sli, sources.pop()
