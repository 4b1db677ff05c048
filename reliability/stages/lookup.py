"""Finding things in earlier artifacts, so every stage reads them the same way."""

from __future__ import annotations

from typing import Any

from reliability.core.counts import Count


def sli_entry(sli_metrics: dict[str, Any], service: str, component: str, sli: str) -> dict[str, Any]:
    for comp in sli_metrics["components"]:
        if comp["service"] == service and comp["component"] == component:
            for entry in comp["slis"]:
                if entry["name"] == sli:
                    return dict(entry)
    raise KeyError(f"{service}/{component}/{sli} is not in the SLI artifact")


def window(entry: dict[str, Any], name: str) -> dict[str, Any]:
    for item in entry["windows"]:
        if item["window"] == name:
            return dict(item)
    raise KeyError(f"window {name} is not in the SLI artifact")


def count_of(item: dict[str, Any]) -> Count:
    return Count(item["good"], item["total"])


def slo_measurements(sli_metrics: dict[str, Any], slo_id: str) -> dict[str, Any]:
    """The per-SLO section of the SLI artifact."""
    for item in sli_metrics["slos"]:
        if item["slo"] == slo_id:
            return dict(item)
    raise KeyError(f"SLO {slo_id} is not in the SLI artifact")


def measurement(entry: dict[str, Any], name: str) -> dict[str, Any]:
    for item in entry["measurements"]:
        if item["window"] == name:
            return dict(item)
    raise KeyError(f"window {name} is not measured for {entry['slo']}")


def slo_entry(artifact: dict[str, Any], slo_id: str) -> dict[str, Any]:
    for item in artifact["slos"]:
        if item["slo"] == slo_id:
            return dict(item)
    raise KeyError(f"SLO {slo_id} is not in the artifact")
