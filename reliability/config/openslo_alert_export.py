"""Our declared alert window sets written as OpenSLO AlertPolicy and AlertCondition documents.

A pair's burn-rate factor depends on the SLO's period, so a set becomes one policy per period of the
SLOs using it: named as the set, or `set-<window>` when SLOs of several periods share it.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from reliability.config.openslo_alerts import SHORT_WINDOW_RATIO, period_seconds
from reliability.durations import parse_duration

Window = str | dict[str, Any]


def window_key(window: Window) -> str:
    """What tells SLO periods apart: the rolling window's text, or the calendar unit."""
    return window if isinstance(window, str) else str(window["calendar"])


def policy_names(uses: Iterable[tuple[str, Window]]) -> dict[tuple[str, str], str]:
    """(set, window key) -> policy name, for each set an SLO uses with the window of that SLO."""
    periods: dict[str, set[str]] = {}
    for name, window in uses:
        periods.setdefault(name, set()).add(window_key(window))
    return {
        (name, key): name if len(keys) == 1 else f"{name}-{key}"
        for name, keys in periods.items()
        for key in keys
    }


def policy_documents(
    policy: str, pairs: list[dict[str, Any]], window: Window, document: Any
) -> list[dict[str, Any]]:
    """An AlertPolicy and its AlertConditions (one per pair, `policy-1`...) for SLOs of `window`."""
    period = period_seconds(window)
    documents = []
    for index, pair in enumerate(pairs, 1):
        long_seconds = parse_duration(pair["long"])
        factor = round(float(pair["budget_share"]) * period / long_seconds, 12)
        condition = {
            "kind": "burnrate",
            "op": "gt",
            "threshold": factor,
            "lookbackWindow": pair["long"],
            "alertAfter": "0m",
        }
        short = {}
        if parse_duration(pair["short"]) * SHORT_WINDOW_RATIO != long_seconds:
            short = {"short-window": pair["short"]}
        spec = {"severity": pair["severity"], "condition": condition}
        documents.append(document("AlertCondition", f"{policy}-{index}", spec, short))
    spec = {
        "alertWhenBreaching": True,
        "alertWhenResolved": False,
        "alertWhenNoData": False,
        "conditions": [{"conditionRef": f"{policy}-{i}"} for i in range(1, len(pairs) + 1)],
    }
    documents.append(document("AlertPolicy", policy, spec))
    return documents
