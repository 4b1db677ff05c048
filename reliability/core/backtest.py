"""Backtest candidate objectives against the minute history: what each would have meant.

Pure: per-minute good/total arrays on a grid in, dataclasses out. Every window sum is a
difference of prefix sums, so each question costs one vectorised pass over the history.

Definitions (all windows end at an evaluation instant and hold whole minutes before it):

- compliance: the rolling SLO window evaluated at every UTC day end of the grid whose window
  lies wholly after the first minute with data; met when SLI >= objective; budget left =
  1 - bad / ((1 - objective) x total). Windows without events are not counted.
- alerts: every `step` (5 minutes, from the grid's midnight origin) each pair fires when the
  burn rate (error ratio / (1 - objective)) exceeds its factor over both windows; a pair whose
  long window reaches before the first minute with data is not evaluated (a 3d window over
  a few hours of data would act as a short window). An episode of a severity starts at the
  first step any of its pairs fires after none did.
- low-traffic page: a page episode whose starting pairs all had fewer than `min_events`
  (100 when 0) events in their short window.
- incident: a run of minutes whose own error ratio exceeds 10 x (1 - objective), with runs
  less than 15 minutes apart merged; merged runs shorter than 5 minutes are dropped (one bad
  minute at night-time traffic is noise, and no page pair can see less). Its time to page:
  from its first minute to the first step after it began at which a page pair fired, looking
  until one long page window after it ended; none when no page fired by then.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from reliability.config.model import AlertWindowPair
from reliability.core.budget import budget_fraction
from reliability.core.grid import MINUTE, MINUTES_PER_DAY, MinuteGrid

Int64 = npt.NDArray[np.int64]
Bool = npt.NDArray[np.bool_]

ALERT_STEP_SECONDS = 300
EVENTS_FOR_CONFIDENT_PAGE = 100  # when the SLO sets no alerting.min_events (as the hooks stage does)
INCIDENT_BUDGET_MULTIPLE = 10.0
INCIDENT_MERGE_GAP_MINUTES = 15
INCIDENT_MIN_MINUTES = 5
_TOLERANCE = 1e-12  # 0.999 computed as 999/1000 must count as meeting 99.9 %


def _prefix(values: Int64) -> Int64:
    """Prefix sums with a leading zero: the sum over minutes [a, b) is p[b] - p[a]."""
    return np.concatenate((np.zeros(1, np.int64), np.cumsum(values, dtype=np.int64)))


@dataclass(frozen=True)
class PeriodEnd:
    """The rolling SLO window ending at `end` (epoch seconds)."""

    end: int
    good: int
    total: int
    sli: float
    budget_left: float
    met: bool


@dataclass(frozen=True)
class Compliance:
    window_seconds: int
    periods: tuple[PeriodEnd, ...]

    @property
    def met_share(self) -> float | None:
        """Share of evaluated period ends at which the SLO was met; None when none was evaluated."""
        if not self.periods:
            return None
        return sum(p.met for p in self.periods) / len(self.periods)

    @property
    def lowest_budget_left(self) -> float | None:
        return min((p.budget_left for p in self.periods), default=None)


def rolling_compliance(
    good: Int64, total: Int64, grid: MinuteGrid, objective: float, window_seconds: int
) -> Compliance:
    window = window_seconds // MINUTE
    with_data = np.flatnonzero(total > 0)
    if with_data.size == 0:
        return Compliance(window_seconds, ())
    ends = np.arange(MINUTES_PER_DAY, len(total) + 1, MINUTES_PER_DAY)
    ends = ends[ends - window >= with_data[0]]  # only windows wholly inside the recorded history
    good_sums, total_sums = _prefix(good), _prefix(total)
    window_good = good_sums[ends] - good_sums[ends - window]
    window_total = total_sums[ends] - total_sums[ends - window]
    fraction = budget_fraction(objective)
    periods = []
    for end, g, t in zip(ends.tolist(), window_good.tolist(), window_total.tolist(), strict=True):
        if t == 0:
            continue
        bad = t - g
        left = (1.0 - bad / (fraction * t)) if fraction > 0 else (1.0 if bad == 0 else -np.inf)
        met = bad <= fraction * t + _TOLERANCE * t
        periods.append(PeriodEnd(grid.origin + end * MINUTE, g, t, g / t, float(left), bool(met)))
    return Compliance(window_seconds, tuple(periods))


def pair_label(pair: AlertWindowPair) -> str:
    return f"{pair.long}/{pair.short}"


@dataclass(frozen=True)
class AlertEpisode:
    severity: str  # page | ticket
    start: int  # epoch seconds of the step it first fired at
    pairs: tuple[str, ...]  # the pairs firing at that step, e.g. "1h/5m"
    short_window_events: int  # the most events any of those pairs had in its short window
    low_traffic: bool


@dataclass(frozen=True)
class Incident:
    start: int  # epoch seconds of its first minute
    end: int  # epoch seconds just after its last minute
    first_page: int | None  # epoch seconds of the first page step, None when it never paged

    @property
    def seconds_to_page(self) -> int | None:
        return None if self.first_page is None else self.first_page - self.start


@dataclass(frozen=True)
class AlertReplay:
    window_set: str
    episodes: tuple[AlertEpisode, ...]
    incidents: tuple[Incident, ...]
    steps: int  # evaluation steps replayed

    def of(self, severity: str) -> tuple[AlertEpisode, ...]:
        return tuple(e for e in self.episodes if e.severity == severity)

    @property
    def low_traffic_pages(self) -> tuple[AlertEpisode, ...]:
        return tuple(e for e in self.of("page") if e.low_traffic)


def _window_exceeds(
    bad_sums: Int64, total_sums: Int64, steps: Int64, minutes: int, factor: float, fraction: float
) -> tuple[Bool, Int64]:
    """Whether the burn over the window ending at each step exceeds `factor`, and its events."""
    starts = steps - minutes
    bad = bad_sums[steps] - bad_sums[starts]
    events = total_sums[steps] - total_sums[starts]
    if fraction == 0:  # no budget: any error burns without bound
        return (bad > 0) & (events > 0), events
    # bad / events / fraction > factor, multiplied out so empty windows never fire.
    return (events > 0) & (bad > factor * fraction * events), events


def find_incidents(good: Int64, total: Int64, objective: float) -> list[tuple[int, int]]:
    """[first, end) minute ranges of incidents (see the module's definitions)."""
    threshold = INCIDENT_BUDGET_MULTIPLE * budget_fraction(objective)
    bad_minute = (total > 0) & ((total - good) > threshold * total)
    edges = np.diff(np.concatenate(([0], bad_minute.astype(np.int8), [0])))
    starts, ends = np.flatnonzero(edges == 1), np.flatnonzero(edges == -1)
    merged: list[tuple[int, int]] = []
    for start, end in zip(starts.tolist(), ends.tolist(), strict=True):  # one pass per run, not per minute
        if merged and start - merged[-1][1] < INCIDENT_MERGE_GAP_MINUTES:
            merged[-1] = (merged[-1][0], end)
        else:
            merged.append((start, end))
    return [(start, end) for start, end in merged if end - start >= INCIDENT_MIN_MINUTES]


def replay_alerts(
    good: Int64,
    total: Int64,
    grid: MinuteGrid,
    objective: float,
    slo_window_seconds: int,
    pairs: Sequence[AlertWindowPair],
    *,
    window_set: str = "sre-workbook",
    min_events: int = 0,
    step_seconds: int = ALERT_STEP_SECONDS,
) -> AlertReplay:
    step_minutes = step_seconds // MINUTE
    steps = np.arange(step_minutes, len(total) + 1, step_minutes, dtype=np.int64)
    bad_sums, total_sums = _prefix(total - good), _prefix(total)
    fraction = budget_fraction(objective)
    needed = min_events or EVENTS_FOR_CONFIDENT_PAGE
    with_data = np.flatnonzero(total > 0)
    first_data = int(with_data[0]) if with_data.size else len(total)
    firing: dict[str, Bool] = {}
    short_events: dict[str, Int64] = {}
    for pair in pairs:
        label = pair_label(pair)
        long_minutes, short_minutes = pair.long_seconds // MINUTE, pair.short_seconds // MINUTE
        if pair.long_seconds > slo_window_seconds:  # as the live alerts: not applicable
            firing[label] = np.zeros(len(steps), np.bool_)
            short_events[label] = np.zeros(len(steps), np.int64)
            continue
        factor = pair.factor(slo_window_seconds)
        evaluable = steps - long_minutes >= first_data
        safe = np.where(evaluable, steps, long_minutes)  # index guard; masked out below
        long_hot, _ = _window_exceeds(bad_sums, total_sums, safe, long_minutes, factor, fraction)
        short_hot, short_counts = _window_exceeds(bad_sums, total_sums, safe, short_minutes, factor, fraction)
        firing[label] = evaluable & long_hot & short_hot
        short_events[label] = short_counts

    episodes: list[AlertEpisode] = []
    page_firing = np.zeros(len(steps), np.bool_)
    for severity in ("page", "ticket"):
        labels = [pair_label(p) for p in pairs if p.severity == severity]
        if not labels:
            continue
        any_firing = np.logical_or.reduce([firing[label] for label in labels])
        if severity == "page":
            page_firing = any_firing
        rising = np.flatnonzero(any_firing & ~np.concatenate(([False], any_firing[:-1])))
        for index in rising.tolist():
            started = tuple(label for label in labels if firing[label][index])
            seen = max(int(short_events[label][index]) for label in started)
            episodes.append(
                AlertEpisode(
                    severity,
                    grid.origin + int(steps[index]) * MINUTE,
                    started,
                    seen,
                    low_traffic=severity == "page" and seen < needed,
                )
            )
    episodes.sort(key=lambda e: (e.start, e.severity))

    longest_page = max((p.long_seconds // MINUTE for p in pairs if p.severity == "page"), default=0)
    page_steps = steps[page_firing]
    incidents = []
    for start, end in find_incidents(good, total, objective):
        # The first page step that saw at least the incident's first minute.
        at = int(np.searchsorted(page_steps, start + 1))
        paged = at < len(page_steps) and page_steps[at] <= end + longest_page
        first_page = grid.origin + int(page_steps[at]) * MINUTE if paged else None
        incidents.append(Incident(grid.origin + start * MINUTE, grid.origin + end * MINUTE, first_page))
    return AlertReplay(window_set, tuple(episodes), tuple(incidents), len(steps))


@dataclass(frozen=True)
class CandidateBacktest:
    objective: float  # a ratio: 0.999
    compliance: Compliance
    replays: tuple[AlertReplay, ...]


def backtest(
    good: Int64,
    total: Int64,
    grid: MinuteGrid,
    objective: float,
    slo_window_seconds: int,
    window_sets: Mapping[str, Sequence[AlertWindowPair]],
    *,
    min_events: int = 0,
) -> CandidateBacktest:
    """One candidate objective replayed: compliance at each day end, and each window set's alerts."""
    return CandidateBacktest(
        objective,
        rolling_compliance(good, total, grid, objective, slo_window_seconds),
        tuple(
            replay_alerts(
                good,
                total,
                grid,
                objective,
                slo_window_seconds,
                pairs,
                window_set=name,
                min_events=min_events,
            )
            for name, pairs in window_sets.items()
        ),
    )


@dataclass(frozen=True)
class ObjectiveRationale:
    """Which candidate `objective: auto` would pick from a backtest, and why each was or was not."""

    chosen: float | None  # a ratio; None when no candidate qualified
    reasons: tuple[tuple[float, str], ...]  # (objective ratio, one line)


def backtest_rationale(
    candidates: Sequence[CandidateBacktest], margin: float, max_pages_per_30d: float = 2.0
) -> ObjectiveRationale:
    """The highest candidate met at every period end, with budget use within `margin` (as the
    targets stage judges history), and paging no more than `max_pages_per_30d` on its first
    window set. Meant for the targets stage to call; it reads nothing and decides nothing else.
    """
    reasons = []
    qualified = []
    for candidate in candidates:
        share = candidate.compliance.met_share
        lowest = candidate.compliance.lowest_budget_left
        replay = candidate.replays[0] if candidate.replays else None
        pages = len(replay.of("page")) if replay else 0
        days = (replay.steps * ALERT_STEP_SECONDS / 86400) if replay else 0.0
        pages_per_30d = pages * 30 / days if days else 0.0
        if share is None or lowest is None:
            reasons.append((candidate.objective, "no period end with a full window of data"))
            continue
        if share < 1.0:
            why = f"missed at {share:.0%} met share"
        elif lowest < 1.0 - margin:
            why = f"met, but used {1 - lowest:.0%} of its budget (more than {margin:.0%})"
        elif pages_per_30d > max_pages_per_30d:
            why = f"met, but would page {pages_per_30d:.1f} times per 30 days"
        else:
            why = f"met at every period end, at most {1 - lowest:.0%} of budget used, {pages} page(s)"
            qualified.append(candidate.objective)
        reasons.append((candidate.objective, why))
    return ObjectiveRationale(max(qualified, default=None), tuple(reasons))
