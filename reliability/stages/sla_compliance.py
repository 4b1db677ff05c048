"""Stage 4: SLA attainment for the current calendar month so far and the last complete month."""

from __future__ import annotations

from typing import Any

from reliability.config.model import Config, Sla
from reliability.core.counts import Count
from reliability.core.grid import DAY
from reliability.core.sla import compliance, month_start, next_month_start, previous_month_start
from reliability.stages import lookup
from reliability.timefmt import parse_rfc3339, to_rfc3339


def _period(
    label: str, start: int, end: int, evaluated_at: int, sla: Sla, daily: list[dict[str, Any]]
) -> dict[str, Any]:
    first, last = to_rfc3339(start)[:10], to_rfc3339(end - 1)[:10]
    days = [d for d in daily if first <= d["date"] <= last]
    count = sum((Count(d["good"], d["total"]) for d in days), Count(0, 0))
    result = compliance(count, sla.target_percent, sla.credits)
    days_in_period = (end - start) // DAY
    return {
        "period": label,
        "month": first[:7],
        "start": to_rfc3339(start),
        "end": to_rfc3339(min(end, evaluated_at)),
        "complete": end <= evaluated_at,
        "days_in_period": days_in_period,
        "days_with_data": sum(not d["no_data"] for d in days),
        "good": count.good,
        "total": count.total,
        "attained_percent": result.attained_percent,
        "no_data": count.no_data,
        "breached": result.breached,
        "credit_percent": None if result.credit is None else result.credit.credit_percent,
    }


def _status(current: dict[str, Any]) -> str:
    if current["no_data"]:
        return "no_data"
    return "breached" if current["breached"] else "met"


def _sla(sla: Sla, sli_metrics: dict[str, Any], evaluated_at: int) -> dict[str, Any]:
    daily = lookup.sli_entry(sli_metrics, sla.service, sla.component, sla.sli)["daily"]
    this_month = month_start(evaluated_at)
    last_month = previous_month_start(this_month)
    current = _period("current_month", this_month, next_month_start(this_month), evaluated_at, sla, daily)
    previous = _period("last_month", last_month, this_month, evaluated_at, sla, daily)
    return {
        "sla": sla.id,
        "service": sla.service,
        "component": sla.component,
        "sli": sla.sli,
        "target_percent": sla.target_percent,
        "credits": [
            {"below_percent": t.below_percent, "credit_percent": t.credit_percent} for t in sla.credits
        ],
        "status": _status(current),
        "periods": [current, previous],
    }


def build(config: Config, sli_metrics: dict[str, Any]) -> dict[str, Any]:
    evaluated_at = int(parse_rfc3339(sli_metrics["history"]["end"]).timestamp())
    return {
        "calendar": "UTC months",
        "slas": [_sla(sla, sli_metrics, evaluated_at) for sla in config.slas],
        "actions": [],
    }
