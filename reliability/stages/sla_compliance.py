"""Stage 4: SLA attainment for the current calendar month so far and the last complete month."""

from __future__ import annotations

from reliability.artifacts.header import Header
from reliability.artifacts.sla_compliance import Credit, SlaCompliance, SlaEntry, SlaPeriod
from reliability.artifacts.sli_metrics import SliDay, SliMetrics
from reliability.config.model import Config, Sla
from reliability.core.counts import Count
from reliability.core.grid import DAY
from reliability.core.sla import compliance, month_start, next_month_start, previous_month_start
from reliability.timefmt import moment


def _period(
    label: str, start: int, end: int, evaluated_at: int, sla: Sla, daily: tuple[SliDay, ...]
) -> SlaPeriod:
    first, last = moment(start).date(), moment(end - 1).date()
    days = [d for d in daily if first <= d.date <= last]
    count = sum((d.count.as_count() for d in days), Count(0, 0))
    result = compliance(count, sla.target_percent, sla.credits)
    return SlaPeriod(
        period=label,
        month=f"{first:%Y-%m}",
        start=moment(start),
        end=moment(min(end, evaluated_at)),
        complete=end <= evaluated_at,
        days_in_period=(end - start) // DAY,
        days_with_data=sum(not d.count.no_data for d in days),
        good=count.good,
        total=count.total,
        attained_percent=result.attained_percent,
        no_data=count.no_data,
        breached=result.breached,
        credit_percent=None if result.credit is None else result.credit.credit_percent,
    )


def _status(current: SlaPeriod) -> str:
    if current.no_data:
        return "no_data"
    return "breached" if current.breached else "met"


def _sla(sla: Sla, sli_metrics: SliMetrics, evaluated_at: int) -> SlaEntry:
    daily = sli_metrics.component(sla.service, sla.component).sli(sla.sli).daily
    this_month = month_start(evaluated_at)
    last_month = previous_month_start(this_month)
    current = _period("current_month", this_month, next_month_start(this_month), evaluated_at, sla, daily)
    previous = _period("last_month", last_month, this_month, evaluated_at, sla, daily)
    return SlaEntry(
        sla=sla.id,
        service=sla.service,
        component=sla.component,
        sli=sla.sli,
        target_percent=sla.target_percent,
        credits=tuple(Credit(t.below_percent, t.credit_percent) for t in sla.credits),
        status=_status(current),
        periods=(current, previous),
    )


def slas_covering(sla: SlaCompliance | None, service: str, component: str, sli: str | None) -> list[SlaEntry]:
    """The SLAs an SLO answers to: those on its component and SLI. An SLA reads one component's
    SLI, so a composite SLO (no SLI) or a multi-component one ('a+b') has none."""
    if sla is None:
        return []
    return [s for s in sla.slas if (s.service, s.component, s.sli) == (service, component, sli)]


def build(header: Header, config: Config, sli_metrics: SliMetrics) -> SlaCompliance:
    """The SLAs; their hook actions are added by the hooks stage, when it runs."""
    evaluated_at = int(sli_metrics.history.end.timestamp())
    return SlaCompliance(
        header, "UTC months", tuple(_sla(sla, sli_metrics, evaluated_at) for sla in config.slas), ()
    )
