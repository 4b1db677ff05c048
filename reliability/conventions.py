"""Names that appear in more than one place: windows, stages, artifact files."""

from __future__ import annotations

from enum import StrEnum

from reliability.vocabulary import Window

# The recent windows every SLI is measured over: the Workbook's alert windows, shortest first.
RECENT_WINDOWS = tuple(Window.parse(text) for text in ("5m", "30m", "1h", "2h", "6h", "1d", "3d"))
HISTORY_WINDOW = "history"
# The burn rate that counts as "current" everywhere (summary, metrics, hooks, rules, dashboards):
# long enough not to flap, short enough to react within the hour. Every SLO is measured over it,
# whatever its alert windows.
CURRENT_BURN = Window.parse("1h")
CURRENT_BURN_WINDOW = CURRENT_BURN.name  # as artifacts, labels and texts name it
# A rolling window's budget is forecast this far ahead; the "carry" window is the part of
# today's window that will still count then.
FORECAST_HORIZON_SECONDS = 7 * 86400
FORECAST_CARRY_WINDOW = "forecast-carry"


class Stage(StrEnum):
    SLI = "sli"
    TARGETS = "targets"
    BUDGETS = "budgets"
    SLA = "sla"
    HOOKS = "hooks"


ARTIFACT_FILES = {
    Stage.SLI: "sli-metrics.json",
    Stage.TARGETS: "slo-targets.json",
    Stage.BUDGETS: "error-budgets.json",
    Stage.SLA: "sla-compliance.json",
}
# Written last of a run's files, and replaced atomically: which run the artifacts are from, and their sha256.
MANIFEST_FILE = "manifest.json"
# The HTML report, published with the artifacts it is rendered from when written into their folder.
REPORT_FILE = "report.html"
SCHEMA_VERSION = 1


def artifact_kind(stage: Stage) -> str:
    """The artifact's `kind` and its schema's name: its file name without `.json`."""
    return ARTIFACT_FILES[stage].removesuffix(".json")


# Metrics exported by `reliability serve`, `run --push-gateway` and `run --textfile`.
# Base units, `_ratio` for 0..1, `_seconds` for time; labels service, component, slo (or sla)
# and, where a value depends on it, window or severity: never a label that changes every run.
class Metric(StrEnum):
    SLO_OBJECTIVE = "reliability_slo_objective_ratio"
    SLI = "reliability_sli_ratio"  # + window
    BUDGET_REMAINING = "reliability_error_budget_remaining_ratio"
    BURN_RATE = "reliability_error_budget_burn_rate"  # + window
    EXHAUSTION = "reliability_error_budget_exhaustion_seconds"
    ALERT = "reliability_slo_alert"  # + severity (page|ticket): 1 when in that state
    NO_DATA = "reliability_slo_no_data"  # 1 when the SLO cannot be judged: silent telemetry
    POLICY_FREEZE = "reliability_slo_policy_freeze"  # 1 when the budget policy says freeze
    EVENTS = "reliability_slo_window_events"  # + kind (good|bad): events in the SLO window
    SLA_ATTAINED = "reliability_sla_attained_ratio"  # labels service, component, sla
    SLA_BREACH = "reliability_sla_breach"
    LAST_RUN = "reliability_last_run_timestamp_seconds"  # evaluation time of the data shown


class ServeMetric(StrEnum):
    """`reliability serve`'s own state, exported beside the SLO metrics."""

    LAST_RUN_SUCCESS = "reliability_serve_last_run_success"
    LAST_SUCCESS = "reliability_serve_last_success_timestamp_seconds"
    RUN_FAILURES = "reliability_serve_run_failures_total"
    CONNECTIONS_REFUSED = "reliability_serve_connections_refused_total"


SLO_LABELS = ("service", "component", "slo")
SLA_LABELS = ("service", "component", "sla")

# Recording and alerting rules follow Sloth's names, so dashboards and routing carry over.
RULE_SLI_ERROR = "slo:sli_error:ratio_rate{window}"  # window in Prometheus duration format
# The 5m error and total event rates, recorded apart so the period's ratio is bad / total over it.
RULE_ERROR_RATE = "slo:sli_error:rate{window}"
RULE_TOTAL_RATE = "slo:sli_total:rate{window}"
RULE_OBJECTIVE = "slo:objective:ratio"
RULE_ERROR_BUDGET = "slo:error_budget:ratio"
RULE_TIME_PERIOD = "slo:time_period:days"
RULE_CURRENT_BURN = "slo:current_burn_rate:ratio"
RULE_PERIOD_BURN = "slo:period_burn_rate:ratio"
RULE_PERIOD_REMAINING = "slo:period_error_budget_remaining:ratio"
RULE_INFO = "sloth_slo_info"
LABEL_ID, LABEL_SERVICE, LABEL_SLO = "sloth_id", "sloth_service", "sloth_slo"
LABEL_WINDOW, LABEL_SEVERITY = "sloth_window", "sloth_severity"
LABEL_OBJECTIVE = "sloth_objective"
LABEL_LONG_WINDOW, LABEL_SHORT_WINDOW = "long_window", "short_window"
# On every generated and Alertmanager alert: page, ticket or no_data, whatever the user names the
# severities, so Alertmanager inhibit_rules can say "a page inhibits the same SLO's ticket".
LABEL_TIER = "reliability_tier"
TIER_NO_DATA = "no_data"
# Names the exports set themselves: a user's SLO label may not take one (nor any `__` name).
RESERVED_LABELS = frozenset(
    {
        *SLO_LABELS,
        *SLA_LABELS,
        "window",
        "severity",
        "kind",
        "alertname",
        "le",
        "job",
        "instance",
        LABEL_ID,
        LABEL_SERVICE,
        LABEL_SLO,
        LABEL_WINDOW,
        LABEL_SEVERITY,
        LABEL_OBJECTIVE,
        LABEL_LONG_WINDOW,
        LABEL_SHORT_WINDOW,
        LABEL_TIER,
    }
)
