"""An OpenSLO composite SLO (objectives with their own indicators and `compositeWeight`) as our
weighted composite: one SLO per objective (`slo_objective`, as for several objectives) and the SLO
itself a weighted composite over them, its objective the weighted mean of theirs."""

from __future__ import annotations

from typing import Any

from reliability.config.openslo_fields import OpenSloDoc

_OWN_INDICATOR = ("indicator", "indicatorRef")


def is_weighted_composite(doc: OpenSloDoc) -> bool:
    """Whether any objective has its own indicator; then all do, and the SLO gives none."""
    objectives = doc.items(("spec", "objectives"))
    own = [any(doc.has(("spec", "objectives", i, k)) for k in _OWN_INDICATOR) for i in range(len(objectives))]
    if not any(own):
        return False
    for key in _OWN_INDICATOR:
        if doc.has(("spec", key)):
            doc.fail(("spec", key), "a composite SLO's objectives give their indicators: the SLO gives none")
    if not all(own):
        doc.fail(
            ("spec", "objectives", own.index(False)), "a composite SLO's objectives each give an indicator"
        )
    return True


def weight_of(doc: OpenSloDoc, index: int) -> float:
    at = ("spec", "objectives", index, "compositeWeight")
    return doc.number(at, 0, 1e9) if doc.has(at) else 1.0


def composite_of(doc: OpenSloDoc, parts: list[tuple[str, float, dict[str, Any]]]) -> dict[str, Any]:
    """The composite keys of the SLO: method weighted over the parts, the weighted mean objective.

    Our weighted composite budgets the weighted mean of the parts' SLIs against one objective; the
    weighted mean of the parts' targets is the objective their all being met implies."""
    total = sum(weight for _, weight, _ in parts)
    objective = round(sum(weight * o["objective"] for _, weight, o in parts) / total, 10)
    budgets = {repr(o.get("budgeting")) for _, _, o in parts}
    if len(budgets) > 1:
        doc.fail(("spec", "objectives"), "a composite's objectives share one time slice (its budgeting)")
    raw: dict[str, Any] = {
        "composite": {
            "method": "weighted",
            "of": [{"slo": slo, "weight": weight} for slo, weight, _ in parts],
        },
        "objective": objective,
    }
    if parts[0][2].get("budgeting"):
        raw["budgeting"] = parts[0][2]["budgeting"]
    return raw
