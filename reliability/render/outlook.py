"""What on-call reads beside the budget: how soon it runs out, the forecast, latency, what to do.

Pure text from the artifacts, shared by the run summary and the HTML report so both say the
same thing in the same words. The two "how soon" figures answer different questions and are
labelled so: time to exhaustion extrapolates the last hour's burn rate, the forecast draws
whole past days, so a burst in the last hour moves the first long before the second.
"""

from __future__ import annotations

from reliability.artifacts.error_budgets import Forecast, SloBudget
from reliability.artifacts.sli_metrics import SliMetrics
from reliability.conventions import CURRENT_BURN_WINDOW
from reliability.render.numbers import duration, percent

HOUR = 3600
DAY = 86400

EXHAUSTION_BASIS = f"at the current ({CURRENT_BURN_WINDOW}) burn rate"
FORECAST_BASIS = "drawn from past days' consumption"
WHY_THEY_DIFFER = (
    f"Why exhausts in and the forecast can disagree: exhausts in spends the budget left {EXHAUSTION_BASIS}; "
    "the forecast draws whole past days for the budget left at its horizon (median) and the chance it is "
    "spent by then, so a burst in the last hour moves the first long before the second."
)


def time_to_exhaustion(entry: SloBudget) -> str:
    """'2h45m', 'now' when spent, 'not burning' when nothing burns, 'no data' without a rate."""
    seconds = entry.exhaustion.seconds
    if seconds is None:
        return "no data" if entry.current_burn_rate is None else "not burning"
    if seconds <= 0:
        return "now"
    if entry.exhaustion.at is None:  # more than a century away
        return "> 100 years"
    step = HOUR if seconds >= 2 * DAY else 60  # minutes mean nothing two days out
    return duration(max(step, round(seconds / step) * step))


def forecast_text(entry: SloBudget) -> str:
    """'p50 54%, 0% exhausted by 11-12' (the horizon's UTC date), or 'none' and why not."""
    forecast = entry.forecast
    if not isinstance(forecast, Forecast):
        return "none"
    by = "" if forecast.horizon_end is None else f" by {forecast.horizon_end.date().isoformat()[5:]}"
    return (
        f"p50 {percent(forecast.remaining_ratio_p50, 0)}, "
        f"{percent(forecast.exhaustion_probability, 0)} exhausted{by}"
    )


def disagree(entry: SloBudget) -> bool:
    """Soon at the current burn rate, yet unlikely by the forecast: the pair a reader must be told about."""
    seconds = entry.exhaustion.seconds
    forecast = entry.forecast
    return (
        isinstance(forecast, Forecast)
        and seconds is not None
        and 0 < seconds <= forecast.horizon_seconds
        and forecast.exhaustion_probability < 0.5
    )


def latency_text(seconds: float | None) -> str:
    if seconds is None:
        return "no data"
    return f"{seconds * 1000:.0f}ms" if seconds < 1 else f"{seconds:.2f}s"


def latency_lines(entry: SloBudget, sli: SliMetrics) -> list[str]:
    """For a latency SLI: the threshold, and p99 over the SLO window and the last hour, per component."""
    if entry.sli is None:
        return []
    lines = []
    for component in sli.components:
        if component.service != entry.service or component.component != entry.component:
            continue
        found = [s for s in component.slis if s.name == entry.sli and s.kind == "latency"]
        if not found:
            continue
        p99 = {w.window: w.figures.p99_seconds for w in component.latency.windows}
        recent = ""
        if CURRENT_BURN_WINDOW in p99 and entry.window != CURRENT_BURN_WINDOW:
            recent = f", {latency_text(p99[CURRENT_BURN_WINDOW])} over the last {CURRENT_BURN_WINDOW}"
        lines.append(
            f"good when {found[0].good_when}; p99 {latency_text(p99.get(entry.window))} "
            f"over the {entry.window} window{recent}"
        )
    return lines


def what_to_do(entry: SloBudget) -> str:
    """One sentence from the alert and the policy state: act now, look today, hold releases, or nothing."""
    alert, policy = entry.alert.state, entry.policy.state
    parts = []
    if alert == "page":
        parts.append(
            f"Act now: the page is firing and the budget runs out in {time_to_exhaustion(entry)} "
            f"{EXHAUSTION_BASIS}"
        )
    elif alert == "ticket":
        parts.append("Look into it today: a ticket alert is firing")
    if policy == "freeze":
        parts.append(f"hold releases of {entry.service} except reliability fixes ({entry.policy.reason})")
    elif policy == "warn":
        parts.append(f"ship with care and put reliability work first ({entry.policy.reason})")
    elif policy == "no_data":
        parts.append("restore the telemetry first: without data this SLO cannot be judged")
    elif policy != "ok":
        parts.append(f"follow the team's policy for {policy} ({entry.policy.reason})")
    if not parts:
        return "Nothing to do: the budget is on track and no alert is firing."
    sentence = "; ".join(parts)
    return sentence[0].upper() + sentence[1:] + "."
