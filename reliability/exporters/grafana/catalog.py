"""The panel catalog: the stats and graphs that differ only in their words, query and colours, as data.

See `specs` for the templates' placeholders. Panels whose queries depend on the configuration
(tables, error ratios per rule window, the user's own series, SLAs) are built in code.
"""

from __future__ import annotations

from dataclasses import replace

from reliability.exporters.grafana.specs import CountSpec, PanelSpec, QuerySpec
from reliability.exporters.grafana.thresholds import Colouring
from reliability.formulas import ALERT_CONDITION, BUDGET_REMAINING, BURN_RATE, CURRENT_BURN, EXHAUSTION, SLI


def _stat(
    key: str,
    title: str,
    description: str,
    expr: str,
    unit: str,
    colouring: Colouring,
    decimals: int | None = None,
) -> PanelSpec:
    return PanelSpec(key, title, description, (QuerySpec(expr),), unit, "stat", colouring, decimals)


def _trend(stat: PanelSpec) -> PanelSpec:
    """The stat's query as a graph over time, one line per SLO, with the thresholds dashed."""
    query = replace(stat.queries[0], legend="{by_slo}")
    return replace(
        stat,
        kind="timeseries",
        queries=(query,),
        height=9,
        show_thresholds=True,
        one_line_per_slo=True,
    )


SLO_STATS = (
    _stat(
        "sli",
        "SLI",
        f"{SLI.text}, over the SLO window ({{window}}). Green at or above the objective ({{objective}}), "
        "red below it.",
        "{sli}",
        "percentunit",
        Colouring.OBJECTIVE,
        decimals=3,
    ),
    _stat(
        "objective",
        "Objective",
        "The objective in force as a ratio; for `auto`, the one derived from history.",
        "{objective}",
        "percentunit",
        Colouring.PLAIN,
    ),
    _stat(
        "budget",
        "Budget remaining",
        f"{BUDGET_REMAINING.text}, over the window ({{window}}); negative when overspent. Coloured by this "
        "SLO's budget policy.",
        "{budget_remaining}",
        "percentunit",
        Colouring.BUDGET,
        decimals=1,
    ),
    _stat(
        "burn",
        "Burn rate ({burn_window})",
        f"{CURRENT_BURN.text}; {BURN_RATE.text}: 1 spends exactly the budget over the window. Yellow "
        "from 1{burn_colours}.",
        "{current_burn}",
        "suffix:x",
        Colouring.BURN,
        decimals=2,
    ),
    _stat(
        "alert",
        "Alert state",
        "The multiwindow burn-rate alert state ({alert_windows} windows): PAGE, ticket, no data (a window "
        f"without events) or ok; {ALERT_CONDITION.text}.",
        "{alert_state}",
        "none",
        Colouring.ALERT,
    ),
    _stat(
        "policy",
        "Policy",
        "The error budget policy's verdict: FREEZE stops releases until the budget recovers.",
        "{freeze}",
        "none",
        Colouring.FREEZE,
    ),
    _stat(
        "exhaustion",
        "Budget gone in",
        f"{EXHAUSTION.text}; {CURRENT_BURN.text}. 0 when spent, empty when nothing burns. Red within a "
        "day, orange within the 7-day forecast horizon.",
        "{exhaustion}",
        "s",
        Colouring.TIME_LEFT,
    ),
    _stat(
        "bad-events",
        "Bad events",
        "Bad events in the SLO window ({window}); slices for a time-slice SLO.",
        "sum({bad_events})",
        "short",
        Colouring.PLAIN,
    ),
)

SLO_GRAPHS = (
    PanelSpec(
        "sli-vs-objective",
        "SLI vs objective",
        "The SLI over the SLO window ({window}) and the objective; below the dashed line the SLO is missed.",
        (QuerySpec("{sli}", "SLI ({window_name})"), QuerySpec("{objective}", "objective")),
        "percentunit",
        colouring=Colouring.OBJECTIVE,
        show_thresholds=True,
        decimals=3,
    ),
    PanelSpec(
        "burn-down",
        "Error budget burn-down",
        "The share of the error budget left over the SLO window ({window}), shown over that window. "
        "`reliability`: as the pipeline computes it; `recording rule`: Prometheus' estimate over the "
        "rolling period. Dashed lines: the budget policy's levels.",
        (
            QuerySpec("{budget_remaining}", "reliability"),
            QuerySpec("{rule_remaining}", "recording rule", needs_rules=True),
        ),
        "percentunit",
        colouring=Colouring.BUDGET,
        show_thresholds=True,
        over_slo_window=True,
    ),
    PanelSpec(
        "burn-rates",
        "Burn rate by window",
        f"{BURN_RATE.text}, over each alert window, the last {{burn_window}} and the SLO window. The "
        "{burn_window} line is the current burn rate, the same as the stats' and the recording rules'; "
        "`period` is the recording rules' estimate over the rolling period. At 1 (dashed) the budget "
        "lasts exactly the window.",
        (
            QuerySpec("{burn_by_window}", "{by_window}"),
            QuerySpec("{rule_period_burn}", "period (rule)", needs_rules=True),
        ),
        "suffix:x",
        colouring=Colouring.BURN,
        show_thresholds=True,
        decimals=2,
    ),
    PanelSpec(
        "sli-by-window",
        "SLI by window",
        f"{SLI.text}, over each alert window and the SLO window, as the pipeline exports them.",
        (QuerySpec("{sli_by_window}", "{by_window}"),),
        "percentunit",
        colouring=Colouring.OBJECTIVE,
        show_thresholds=True,
        decimals=3,
    ),
    PanelSpec(
        "events",
        "Events in the SLO window",
        "Good and bad events counted over the SLO window ({window}); slices for a time-slice SLO.",
        (QuerySpec("{events}", "{by_kind}"),),
        "short",
    ),
)

TRENDS = (
    _trend(
        _stat(
            "trend-margin",
            "SLI minus objective",
            "Each SLO's SLI over its own window minus its objective: above the dashed line at 0 the SLO is "
            "met, below it missed.",
            "{sli} - {objective}",
            "percentunit",
            Colouring.MARGIN,
            decimals=3,
        )
    ),
    _trend(
        _stat(
            "trend-budget",
            "Error budget remaining",
            f"{BUDGET_REMAINING.text}, over each SLO's own window; negative when overspent. Dashed lines: "
            "the budget policy's levels.",
            "{budget_remaining}",
            "percentunit",
            Colouring.BUDGET,
        )
    ),
    _trend(
        _stat(
            "trend-burn",
            "Burn rate ({burn_window})",
            f"{CURRENT_BURN.text}; {BURN_RATE.text}. At 1 (dashed) the budget lasts exactly the SLO "
            "window.{pages_from}",
            "{current_burn}",
            "suffix:x",
            Colouring.BURN,
            decimals=2,
        )
    ),
    PanelSpec(
        "trend-alert",
        "Alert state",
        "Each SLO's multiwindow burn-rate alert state over time: ok, no data (a window without events), "
        "ticket or PAGE.",
        (QuerySpec("{alert_state}", "{by_slo}"),),
        "none",
        kind="state-timeline",
        colouring=Colouring.ALERT,
        height=9,
    ),
)

STATUS_COUNTS = (
    CountSpec(
        "count-page",
        "SLOs paging",
        "SLOs whose multiwindow burn-rate alert state is page: the budget burns fast enough to wake someone "
        "up.",
        "{page} == 1",
        "red",
    ),
    CountSpec(
        "count-ticket",
        "SLOs with a ticket",
        "SLOs whose alert state is ticket: a slower, steady burn that needs attention within days.",
        "{ticket} == 1",
        "orange",
    ),
    CountSpec(
        "count-exhausted",
        "Budgets exhausted",
        "SLOs with no error budget left over their window (remaining at or below 0).",
        "{budget_remaining} <= 0",
        "red",
    ),
    CountSpec(
        "count-no-data",
        "SLOs without data",
        "SLOs whose window holds no events: no SLI, no budget. Silence is never counted as good.",
        "{no_data} == 1",
        "purple",
    ),
    CountSpec(
        "count-sla-breach",
        "SLAs breached",
        "SLAs whose attainment this calendar month (UTC) so far is below the contracted target.",
        "{sla_breach} == 1",
        "red",
    ),
)
