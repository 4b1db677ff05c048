"""Which of a service's weighted composites OpenSLO can write as a composite SLO, and their parts.

OpenSLO's composite holds its parts as objectives, so a part is written there only when reading it
back makes the same SLO: named `composite_objective`, on the composite's window, budgeting and labels,
with nothing of its own beyond its SLI and target, part of no other composite; and the composite's
objective is the weighted mean of the parts' (what reading a composite gives). Others keep the
`reliability.dev/composite` annotation.
"""

from __future__ import annotations

from typing import Any

from reliability.config.openslo_objectives import slug

PART_KEYS = {"name", "sli", "objective", "budgeting", "window", "labels"}
Part = tuple[str, dict[str, Any], float]  # component, SLO, weight


def weighted_composites(service: dict[str, Any]) -> dict[str, list[Part]]:
    """Composite name -> its parts, for the weighted composites of `service` OpenSLO can write."""
    name = service["name"]
    slos = {
        f"{name}/{slo['name']}": (comp, slo) for comp in service["components"] for slo in comp.get("slos", [])
    }
    uses: dict[str, int] = {}
    for slo in service.get("slos", []):
        for part in slo.get("composite", {}).get("of", []):
            uses[part["slo"]] = uses.get(part["slo"], 0) + 1
    found = {}
    for slo in service.get("slos", []):
        composite = slo.get("composite", {})
        if composite.get("method") != "weighted":
            continue
        parts = []
        for part in composite["of"]:
            comp, raw = slos.get(part["slo"], ({}, {}))
            if not _fits(slo, comp, raw) or uses[part["slo"]] > 1:
                break
            parts.append((str(comp["name"]), raw, float(part.get("weight", 1.0))))
        else:
            total = sum(weight for *_, weight in parts)
            mean = round(sum(w * p["objective"] for _, p, w in parts) / total, 10)
            if abs(mean - float(slo["objective"])) < 1e-9:
                found[slo["name"]] = parts
    return found


def _fits(composite: dict[str, Any], component: dict[str, Any], part: dict[str, Any]) -> bool:
    prefix = f"{composite['name']}_"
    labels = (component.get("labels") or {}) | (part.get("labels") or {})
    return (
        bool(part)
        and set(part) <= PART_KEYS
        and part["name"].startswith(prefix)
        and slug(part["name"][len(prefix) :]) == part["name"][len(prefix) :]
        and part["objective"] != "auto"
        and part.get("window", "30d") == composite.get("window", "30d")
        and part.get("budgeting") == composite.get("budgeting")
        and labels == (composite.get("labels") or {})
    )
