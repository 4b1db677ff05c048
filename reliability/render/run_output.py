"""`run --format json`: the summary as numbers, and everything the table and its notes show.

Ratios are 0..1, durations in seconds, counts end in `_total`; states are the artifacts' own
words. Shape: reliability/schemas/output-run.schema.json.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from reliability.artifacts.error_budgets import ErrorBudgets, Forecast, SloBudget, UnjudgedBudget
from reliability.artifacts.models import Artifact, stage_artifact
from reliability.artifacts.sla_compliance import ActionRecord, SlaCompliance, SlaEntry
from reliability.artifacts.sli_metrics import InputReport, SliMetrics
from reliability.artifacts.slo_targets import SloTargets
from reliability.conventions import CURRENT_BURN_WINDOW, Stage
from reliability.stages.sla_compliance import slas_covering
from reliability.summary import notable_shares
from reliability.timefmt import format_rfc3339
from reliability.vocabulary import Objective


def _ratio(percent: float | None) -> float | None:
    return None if percent is None else Objective(percent).ratio


def sla_json(entry: SlaEntry) -> dict[str, Any]:
    current = entry.current
    return {
        "sla": entry.sla,
        "status": entry.status,
        "month": current.month,
        "target_ratio": _ratio(entry.target_percent),
        "attained_ratio": _ratio(current.attained_percent),
        "credit_ratio": _ratio(current.credit_percent),
    }


def _budget_went_to(entry: SloBudget) -> list[dict[str, Any]] | None:
    if not entry.attribution:  # time slices, or no data: nothing attributed
        return None
    return [
        {"dimension": dimension, "key": share.key, "share_ratio": share.share}
        for dimension, share in notable_shares(entry)
    ]


def _forecast(entry: SloBudget) -> dict[str, Any] | None:
    forecast = entry.forecast
    if not isinstance(forecast, Forecast):
        return None
    return {
        "method": forecast.method,
        "horizon_end": None if forecast.horizon_end is None else format_rfc3339(forecast.horizon_end),
        "horizon_seconds": forecast.horizon_seconds,
        "days_sampled_from_total": forecast.days_sampled_from,
        "budget_remaining_p10_ratio": forecast.remaining_ratio_p10,
        "budget_remaining_p50_ratio": forecast.remaining_ratio_p50,
        "budget_remaining_p90_ratio": forecast.remaining_ratio_p90,
        "exhaustion_probability_ratio": forecast.exhaustion_probability,
    }


def _latency(entry: SloBudget, sli: SliMetrics | None) -> list[dict[str, Any]]:
    """For a latency SLI, per component: what good means, and p99 over the SLO window and the last hour."""
    found = []
    for component in sli.components if sli else ():
        if component.service != entry.service or component.component != entry.component:
            continue
        for s in component.slis:
            if s.name == entry.sli and s.kind == "latency":
                p99 = {w.window: w.figures.p99_seconds for w in component.latency.windows}
                found.append(
                    {
                        "good_when": s.good_when,
                        "p99_seconds": p99.get(entry.window),
                        "p99_last_hour_seconds": p99.get(CURRENT_BURN_WINDOW),
                    }
                )
    return found


def _slo(
    entry: SloBudget | UnjudgedBudget,
    objective_source: str,
    slas: Sequence[SlaEntry],
    sli: SliMetrics | None,
) -> dict[str, Any]:
    common = {
        "slo": entry.slo,
        "service": entry.service,
        "component": entry.component,
        "sli_name": entry.sli,
        "window": entry.window,
        "window_seconds": entry.window_seconds,
        "objective_ratio": _ratio(entry.objective_percent),
        "objective_source": objective_source,
        "no_data": entry.no_data,
        "slas": [sla_json(s) for s in slas],
    }
    if isinstance(entry, UnjudgedBudget):
        return common | {"no_data_reason": entry.reason}
    budget = entry.budget
    return common | {
        "no_data_reason": None,
        "sli_ratio": entry.sli_ratio,
        "good_total": entry.good,
        "events_total": entry.total,
        "hours_with_data_total": entry.hours_with_data,
        "hours_total": entry.hours,
        "budget_remaining_ratio": budget.remaining_ratio,
        "budget_consumed_ratio": budget.consumed_ratio,
        "budget_exhausted": budget.exhausted,
        "burn_rate": entry.current_burn_rate,
        "burn_rate_unbounded": entry.current_burn_unbounded,
        "burn_rate_window": entry.current_burn_window,
        "exhaustion_seconds": entry.exhaustion.seconds,
        "exhaustion_at": None if entry.exhaustion.at is None else format_rfc3339(entry.exhaustion.at),
        "forecast": _forecast(entry),
        "latency": _latency(entry, sli),
        "alert_state": entry.alert.state,
        "policy_state": entry.policy.state,
        "policy_reason": entry.policy.reason,
        "budget_went_to": _budget_went_to(entry),
    }


def _input(source: InputReport) -> dict[str, Any]:
    return {
        "source": source.source,
        "unavailable": source.unavailable,
        "records_total": source.records,
        "used_total": source.used,
        "filtered_out_total": source.filtered_out,
        "before_history_total": source.before_history,
        "after_evaluation_time_total": source.after_evaluation_time,
        "out_of_order_total": source.out_of_order,
        "skipped_total": source.skipped_total,
        "skipped_by_reason_total": dict(source.skipped),
        "skipped_examples": [
            {"file": e.file, "line": e.line, "reason": e.reason, "field": e.field or None, "value": e.value}
            for e in source.skipped_examples
        ],
        "files": [{"path": f.path, "records_total": f.records} for f in source.files],
    }


def action_json(action: ActionRecord) -> dict[str, Any]:
    return {
        "id": action.id,
        "hook": action.hook,
        "trigger": action.trigger,
        "subject": action.subject,
        "kind": action.kind,
        "status": action.status,
        "reason": action.reason,
        "reason_detail": action.reason_detail,
        "exit_code": action.exit_code,
        "http_status": action.http_status,
        "attempts_total": action.attempts,
        "duration_seconds": action.duration_seconds,
        "confidence_ratio": action.confidence,
        "error": action.error,
    }


def run_json(
    artifacts: Mapping[Stage, Artifact],
    written: Sequence[Path],
    metrics: Mapping[str, str | None],
) -> dict[str, Any]:
    """The run's summary: per SLO, per source read, per hook action; the files written."""
    sli = stage_artifact(artifacts, Stage.SLI, SliMetrics)
    targets = stage_artifact(artifacts, Stage.TARGETS, SloTargets)
    budgets = stage_artifact(artifacts, Stage.BUDGETS, ErrorBudgets)
    sla = stage_artifact(artifacts, Stage.SLA, SlaCompliance)
    sources = {t.slo: t.objective_source for t in targets.slos} if targets else {}
    slos = [
        _slo(e, sources[e.slo], slas_covering(sla, e.service, e.component, e.sli), sli)
        for e in (budgets.slos if budgets else ())
    ]
    header = sli.header if sli else None
    return {
        "evaluated_at": None if header is None else format_rfc3339(header.evaluated_at),
        "run_id": None if header is None else header.run_id,
        "slos": slos,
        "inputs": [_input(source) for source in (sli.inputs if sli else ())],
        "actions": [action_json(a) for a in (sla.actions if sla else ())],
        "artifacts": [str(p) for p in written],
        "metrics": dict(metrics),
    }
