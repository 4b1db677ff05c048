"""Backtest candidate objectives against the minute history: what each would have meant.

Pure: a replayable SLI (core.replay) on a minute grid in, dataclasses out. Every window
is a difference of prefix sums, so each question costs one vectorised pass over the
history. Any SLO the pipeline measures can be replayed: occurrences or time slices,
rolling or calendar windows, single or composite.

Definitions (all windows end at an evaluation instant and hold whole minutes before it):

- compliance: the SLO window evaluated at every UTC day end of the grid and, for a
  calendar window, at every period end (the instant its period closes). A rolling window
  ending there is judged when the data began less than a 30th of its length into it (a
  window partly before the data would judge its absence); a calendar period to date is
  judged on the events recorded, as a run at that instant reported it, so the period the
  data began in counts too. Met
  when SLI >= objective; budget left = 1 - bad / ((1 - objective) x total). Windows
  without events are not counted.
- alerts: every `step` (5 minutes, from the grid's midnight origin) each pair fires when the
  burn rate (error ratio / (1 - objective)) exceeds its factor over both windows, with the
  factor of the SLO period in force at that step (a calendar month's length varies); a pair
  whose long window reaches before the first minute with data is not evaluated (a 3d window
  over a few hours of data would act as a short window). As in the live alerts, a page pair
  with fewer than `alerting.min_events` events in either window fires as a ticket (counted
  as a demoted page). An episode of a severity starts at the first step any of its pairs
  fires after none did.
- low-traffic page: a page episode whose starting pairs all had fewer than `min_events`
  (100 when 0) events in their short window.
- paged incident: page episodes counted per incident: a page that fires again within the longest
  page pair's long window (6h by default) of the last page step is the same one, since that window
  still holds the burn it paged for (a flapping short window, a later error on the tail).
- incident: a run of minutes whose own error ratio exceeds the series' incident level (10 x
  (1 - objective); for time slices with a target, 1 - target), with runs less than 15 minutes
  apart merged; merged runs holding fewer than 5 bad minutes are dropped (a few bad minutes
  at low traffic, where one error is a large share, are noise; no page pair sees less).
  Its time to page: from its first minute to the first step at which a page pair fired whose
  long window held part of it; none when no such page fired.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace

import numpy as np
import numpy.typing as npt

from reliability.config.defaults import DEFAULT_WINDOW_SET
from reliability.config.model import AlertWindowPair, SloWindow
from reliability.core.budget import budget_fraction
from reliability.core.grid import MINUTE, MINUTES_PER_DAY, MinuteGrid
from reliability.core.replay import Replayable, WindowCounts
from reliability.core.windows import WindowSpan, span_at

Int64 = npt.NDArray[np.int64]
Bool = npt.NDArray[np.bool_]

ALERT_STEP_SECONDS = 300
EVENTS_FOR_CONFIDENT_PAGE = 100  # when the SLO sets no alerting.min_events (as the hooks stage does)
INCIDENT_MERGE_GAP_MINUTES = 15
INCIDENT_MIN_MINUTES = 5
# A window judged although the data began after its start: by less than this share of its period
# (under a day of 30 days; a zone's offset from UTC for a calendar month whose data began at UTC midnight).
DATA_START_GRACE_SHARE = 1 / 30
_TOLERANCE = 1e-12  # 0.999 computed as 999/1000 must count as meeting 99.9 %


def _first_minute_with_data(series: Replayable) -> int | None:
    with_data = np.flatnonzero(series.events_per_minute() > 0)
    return int(with_data[0]) if with_data.size else None


def _spans(window: SloWindow, instants: Sequence[int]) -> list[WindowSpan]:
    """The SLO window's span at each instant (epoch seconds, ascending), one calendar lookup per period."""
    if window.calendar is None:
        return [span_at(window, t) for t in instants]
    spans: list[WindowSpan] = []
    current: WindowSpan | None = None
    for t in instants:
        if current is None or not current.start <= t < current.period_end:
            current = span_at(window, t)
        spans.append(WindowSpan(current.start, t, current.period_seconds, current.period_end))
    return spans


def period_seconds_at(window: SloWindow, instants: Int64) -> npt.NDArray[np.float64]:
    """The length of the SLO period in force at each instant (epoch seconds, ascending): one
    calendar lookup per period, its length given to every instant before the period ends."""
    if window.rolling is not None:
        return np.full(len(instants), float(window.rolling.seconds))
    seconds = np.empty(len(instants), np.float64)
    first = 0
    while first < len(instants):
        span = span_at(window, int(instants[first]))
        after = max(first + 1, int(np.searchsorted(instants, span.period_end)))
        seconds[first:after] = span.period_seconds
        first = after
    return seconds


def covers_a_window(series: Replayable, grid: MinuteGrid, window: SloWindow) -> bool:
    """Whether the recorded history spans one whole SLO window (less the start grace), so a replay
    judges more than the first days of data: what `objective: auto` needs before trusting one."""
    first_data = _first_minute_with_data(series)
    if first_data is None:
        return False
    period_minutes = span_at(window, grid.end).period_seconds // MINUTE
    return series.minutes - first_data > period_minutes * (1 - DATA_START_GRACE_SHARE)


@dataclass(frozen=True)
class PeriodEnd:
    """The SLO window ending at `end` (epoch seconds): rolling, or a calendar period to date."""

    end: int
    good: float  # in the budgeting method's units
    total: float
    sli: float
    budget_left: float
    met: bool
    closes_period: bool  # a calendar period's last instant (always true for rolling windows)


@dataclass(frozen=True)
class Compliance:
    window: str
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

    @property
    def closed_periods(self) -> tuple[PeriodEnd, ...]:
        return tuple(p for p in self.periods if p.closes_period)


def _judgement_instants(grid: MinuteGrid, window: SloWindow) -> list[int]:
    """UTC day ends of the grid, and for a calendar window every period end inside it."""
    day_ends = range(grid.origin + MINUTES_PER_DAY * MINUTE, grid.end + 1, MINUTES_PER_DAY * MINUTE)
    instants = set(day_ends)
    if window.calendar is not None:
        t = span_at(window, grid.origin).period_end
        while t <= grid.end:
            instants.add(t)
            t = span_at(window, t).period_end
    return sorted(instants)


def compliance(series: Replayable, grid: MinuteGrid, objective: float, window: SloWindow) -> Compliance:
    first_data = _first_minute_with_data(series)
    if first_data is None:
        return Compliance(window.name, ())
    instants = _judgement_instants(grid, window)
    if window.calendar is None:
        spans = _spans(window, instants)
    else:  # the window ending at t: an instant on a period boundary closes the previous period
        before = _spans(window, [t - MINUTE for t in instants])
        spans = [
            WindowSpan(s.start, t, s.period_seconds, s.period_end)
            for t, s in zip(instants, before, strict=True)
        ]
    starts = np.array([(s.start - grid.origin) // MINUTE for s in spans], np.int64)
    ends = np.array([(t - grid.origin) // MINUTE for t in instants], np.int64)
    if window.rolling is not None:
        judged = first_data - starts < (window.rolling.seconds // MINUTE) * DATA_START_GRACE_SHARE
    else:  # the period to date on the events recorded, as a run at that instant reported it
        judged = np.ones(len(instants), np.bool_)
    counts = series.windows(starts, ends)
    fraction = budget_fraction(objective)
    periods = []
    for i in np.flatnonzero(judged & (counts.total > 0)).tolist():
        good, total = float(counts.good[i]), float(counts.total[i])
        bad = total - good
        left = (1.0 - bad / (fraction * total)) if fraction > 0 else (1.0 if bad <= 0 else -np.inf)
        met = bad <= fraction * total + _TOLERANCE * total
        closes = window.calendar is None or spans[i].period_end == instants[i]
        periods.append(PeriodEnd(instants[i], good, total, good / total, float(left), bool(met), closes))
    return Compliance(window.name, tuple(periods))


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
    steps: int  # evaluation steps replayed over the recorded history (from the first minute with data)
    demoted_pages: int = 0  # page episodes that fired as tickets for lack of events (alerting.min_events)
    paged_incidents: int = 0  # page episodes, those within a page window of the last page counted once

    def of(self, severity: str) -> tuple[AlertEpisode, ...]:
        return tuple(e for e in self.episodes if e.severity == severity)

    @property
    def low_traffic_pages(self) -> tuple[AlertEpisode, ...]:
        return tuple(e for e in self.of("page") if e.low_traffic)

    @property
    def days(self) -> float:
        return self.steps * ALERT_STEP_SECONDS / 86400


def _exceeds(counts: WindowCounts, limit: npt.NDArray[np.float64]) -> Bool:
    """Burn above the factor: bad / total / fraction > factor, multiplied out so empty windows never fire."""
    return (counts.total > 0) & (counts.bad > limit * counts.total + _TOLERANCE * counts.total)


def find_incidents(series: Replayable, objective: float) -> list[tuple[int, int]]:
    """[first, end) minute ranges of incidents (see the module's definitions)."""
    level = series.incident_error_ratio(objective)
    with np.errstate(invalid="ignore"):
        bad_minute = series.minute_error_ratio() > level  # NaN (no events) is never bad
    edges = np.diff(np.concatenate(([0], bad_minute.astype(np.int8), [0])))
    starts, ends = np.flatnonzero(edges == 1), np.flatnonzero(edges == -1)
    merged: list[tuple[int, int, int]] = []  # first, end, bad minutes
    for start, end in zip(starts.tolist(), ends.tolist(), strict=True):  # one pass per run, not per minute
        if merged and start - merged[-1][1] < INCIDENT_MERGE_GAP_MINUTES:
            first, _, bad = merged[-1]
            merged[-1] = (first, end, bad + end - start)
        else:
            merged.append((start, end, end - start))
    return [(start, end) for start, end, bad in merged if bad >= INCIDENT_MIN_MINUTES]


def _rising(firing: Bool) -> Int64:
    return np.flatnonzero(firing & ~np.concatenate(([False], firing[:-1])))


@dataclass(frozen=True)
class _PairFiring:
    """One pair replayed: the steps it fires at, and (a page pair short of events) fires demoted."""

    pair: AlertWindowPair
    fires: Bool
    demoted: Bool
    short_events: Int64

    @property
    def label(self) -> str:
        return self.pair.label


@dataclass(frozen=True)
class StepWindows:
    """A series evaluated at every alert step, whatever the objective: the steps (grid minutes), their
    instants (epoch seconds), the SLO period in force at each, the first minute with data, and the
    counts of each pair's windows ending at each step. Summing the windows is most of a replay's
    cost, so every candidate objective of a ladder replays from one of these."""

    pairs: tuple[AlertWindowPair, ...]
    steps: Int64
    instants: Int64
    period: npt.NDArray[np.float64]
    first_data: int
    counts: Mapping[int, WindowCounts]  # by window length in minutes
    step_seconds: int


def step_windows(
    series: Replayable,
    grid: MinuteGrid,
    window: SloWindow,
    pairs: Sequence[AlertWindowPair],
    *,
    step_seconds: int = ALERT_STEP_SECONDS,
    since: int | None = None,
) -> StepWindows:
    """The steps from `since` (epoch seconds; the whole grid when None): each step's firing
    depends on its own windows only, so a timeline drawing the last window sums no more."""
    step_minutes = step_seconds // MINUTE
    steps = np.arange(step_minutes, series.minutes + 1, step_minutes, dtype=np.int64)
    if since is not None:
        steps = steps[grid.origin + steps * MINUTE >= since]
    instants = grid.origin + steps * MINUTE
    first = _first_minute_with_data(series)
    lengths = sorted({w.seconds // MINUTE for p in pairs for w in (p.long, p.short)})
    return StepWindows(
        pairs=tuple(pairs),
        steps=steps,
        instants=instants,
        period=period_seconds_at(window, instants),
        first_data=series.minutes if first is None else first,
        counts={minutes: series.windows(steps - minutes, steps) for minutes in lengths},
        step_seconds=step_seconds,
    )


def _replay_pair(at: StepWindows, fraction: float, pair: AlertWindowPair, min_events: int) -> _PairFiring:
    long_minutes = pair.long.seconds // MINUTE
    # As the live alerts: a long window beyond the SLO period is not applicable.
    evaluable = (at.steps - long_minutes >= at.first_data) & (pair.long.seconds <= at.period)
    limit = pair.budget_share * at.period / pair.long.seconds * fraction
    long_counts = at.counts[long_minutes]
    short_counts = at.counts[pair.short.seconds // MINUTE]
    hot = evaluable & _exceeds(long_counts, limit) & _exceeds(short_counts, limit)
    if pair.severity != "page" or not min_events:
        return _PairFiring(pair, hot, np.zeros_like(hot), short_counts.events)
    weak = (long_counts.events < min_events) | (short_counts.events < min_events)
    return _PairFiring(pair, hot & ~weak, hot & weak, short_counts.events)


def _episodes(
    replayed: Sequence[_PairFiring], instants: Int64, needed_events: int
) -> tuple[list[AlertEpisode], Bool]:
    """Page and ticket episodes (a demoted page raises a ticket), and the demoted firing."""
    demoted = np.logical_or.reduce([r.demoted for r in replayed]) if replayed else np.zeros(0, np.bool_)
    episodes: list[AlertEpisode] = []
    for severity in ("page", "ticket"):
        own = [r for r in replayed if r.pair.severity == severity]
        raised = [(r.label, r.fires, r) for r in own]
        if severity == "ticket":
            raised += [(f"{r.label} (demoted page)", r.demoted, r) for r in replayed if r.demoted.any()]
        if not raised:
            continue
        any_firing = np.logical_or.reduce([fires for _, fires, _ in raised])
        for index in _rising(any_firing).tolist():
            started = [(label, r) for label, fires, r in raised if fires[index]]
            seen = max(int(r.short_events[index]) for _, r in started)
            low = severity == "page" and seen < needed_events
            labels = tuple(label for label, _ in started)
            episodes.append(AlertEpisode(severity, int(instants[index]), labels, seen, low_traffic=low))
    episodes.sort(key=lambda e: (e.start, e.severity))
    return episodes, demoted


def _paged_incidents(replayed: Sequence[_PairFiring], step_seconds: int) -> int:
    """Runs of page steps, runs less than the longest page window apart counted as one."""
    pages = [r for r in replayed if r.pair.severity == "page"]
    if not pages:
        return 0
    firing = np.flatnonzero(np.logical_or.reduce([r.fires for r in pages]))
    if not firing.size:
        return 0
    same_incident = max(r.pair.long.seconds for r in pages)
    gaps = np.diff(firing) * step_seconds
    return 1 + int(np.count_nonzero(gaps > same_incident))


def _first_page_seeing(replayed: Sequence[_PairFiring], steps: Int64, start: int, end: int) -> int | None:
    """The first step at which a page pair fired whose long window held part of [start, end)."""
    found = []
    for r in replayed:
        if r.pair.severity != "page":
            continue
        long_minutes = r.pair.long.seconds // MINUTE
        seeing = np.flatnonzero(r.fires & (steps > start) & (steps - long_minutes < end))
        if seeing.size:
            found.append(int(steps[seeing[0]]))
    return min(found, default=None)


def replay_pairs(at: StepWindows, objective: float, *, min_events: int = 0) -> list[_PairFiring]:
    """Every pair evaluated at every step, for one objective."""
    fraction = budget_fraction(objective)
    return [_replay_pair(at, fraction, p, min_events) for p in at.pairs]


def replay_alerts(
    series: Replayable,
    grid: MinuteGrid,
    objective: float,
    window: SloWindow,
    pairs: Sequence[AlertWindowPair],
    *,
    window_set: str = DEFAULT_WINDOW_SET,
    min_events: int = 0,
    step_seconds: int = ALERT_STEP_SECONDS,
) -> AlertReplay:
    at = step_windows(series, grid, window, pairs, step_seconds=step_seconds)
    return _replay_alerts_at(series, grid, objective, at, window_set, min_events)


def _replay_alerts_at(
    series: Replayable, grid: MinuteGrid, objective: float, at: StepWindows, window_set: str, min_events: int
) -> AlertReplay:
    replayed = replay_pairs(at, objective, min_events=min_events)
    episodes, demoted = _episodes(replayed, at.instants, min_events or EVENTS_FOR_CONFIDENT_PAGE)
    incidents = []
    for start, end in find_incidents(series, objective):
        paged_at = _first_page_seeing(replayed, at.steps, start, end)
        first_page = None if paged_at is None else grid.origin + paged_at * MINUTE
        incidents.append(Incident(grid.origin + start * MINUTE, grid.origin + end * MINUTE, first_page))
    recorded_steps = int(np.count_nonzero(at.steps > at.first_data))
    demoted_pages = len(_rising(demoted)) if demoted.size else 0
    paged = _paged_incidents(replayed, at.step_seconds)
    return AlertReplay(window_set, tuple(episodes), tuple(incidents), recorded_steps, demoted_pages, paged)


@dataclass(frozen=True)
class CandidateBacktest:
    objective: float  # a ratio: 0.999
    compliance: Compliance
    replays: tuple[AlertReplay, ...]


def backtests(
    series: Replayable,
    grid: MinuteGrid,
    objectives: Sequence[float],
    window: SloWindow,
    window_sets: Mapping[str, Sequence[AlertWindowPair]],
    *,
    min_events: int = 0,
) -> list[CandidateBacktest]:
    """Each candidate objective replayed: compliance at each day end, and each window set's alerts.
    The alert windows are summed once per set and shared by every candidate."""
    at = {name: step_windows(series, grid, window, pairs) for name, pairs in window_sets.items()}
    return [
        CandidateBacktest(
            objective,
            compliance(series, grid, objective, window),
            tuple(
                _replay_alerts_at(series, grid, objective, steps, name, min_events)
                for name, steps in at.items()
            ),
        )
        for objective in objectives
    ]


def backtest(
    series: Replayable,
    grid: MinuteGrid,
    objective: float,
    window: SloWindow,
    window_sets: Mapping[str, Sequence[AlertWindowPair]],
    *,
    min_events: int = 0,
) -> CandidateBacktest:
    """One candidate objective replayed (see backtests)."""
    (candidate,) = backtests(series, grid, (objective,), window, window_sets, min_events=min_events)
    return candidate


@dataclass(frozen=True)
class CandidateVerdict:
    objective: float  # a ratio
    qualified: bool
    reason: str  # one line
    period_ends: int
    met_share: float | None
    lowest_budget_left: float | None
    pages: int
    tickets: int
    days_replayed: float
    paged_incidents: int = 0

    @property
    def pages_per_30d(self) -> float:
        """Paged incidents per 30 days of replay (a flapping page is one incident)."""
        return self.paged_incidents * 30 / self.days_replayed if self.days_replayed else 0.0

    def pages_too_often(self, max_pages_per_30d: float) -> bool:
        """Over the limit, judged as a rate only from a second incident on: one incident in a short
        replay (one page in 10 days reads as 3 per 30) is no rate, unless no page is allowed at all."""
        if self.pages_per_30d <= max_pages_per_30d:
            return False
        return self.paged_incidents > 1 or max_pages_per_30d == 0


@dataclass(frozen=True)
class ObjectiveRationale:
    """Which candidate `objective: auto` would pick from a backtest, and why each was or was not."""

    chosen: float | None  # a ratio; None when no candidate qualified
    candidates: tuple[CandidateVerdict, ...]

    @property
    def reasons(self) -> tuple[tuple[float, str], ...]:
        return tuple((c.objective, c.reason) for c in self.candidates)

    @property
    def judged(self) -> bool:
        """Whether any candidate had a period end to judge (else the history is too short)."""
        return any(c.met_share is not None for c in self.candidates)


def _verdict(candidate: CandidateBacktest, margin: float, max_pages_per_30d: float) -> CandidateVerdict:
    share = candidate.compliance.met_share
    lowest = candidate.compliance.lowest_budget_left
    replay = candidate.replays[0] if candidate.replays else None
    pages = len(replay.of("page")) if replay else 0
    verdict = CandidateVerdict(
        candidate.objective,
        qualified=False,
        reason="",
        period_ends=len(candidate.compliance.periods),
        met_share=share,
        lowest_budget_left=lowest,
        pages=pages,
        tickets=len(replay.of("ticket")) if replay else 0,
        days_replayed=replay.days if replay else 0.0,
        paged_incidents=replay.paged_incidents if replay else 0,
    )
    days = f"{verdict.days_replayed:.0f} days"
    if share is None or lowest is None:
        return replace(verdict, reason="no period end with a window of data to judge")
    if share < 1.0:
        missed = sum(not p.met for p in candidate.compliance.periods)
        return replace(verdict, reason=f"missed at {missed} of {verdict.period_ends} period ends")
    if lowest < 1.0 - margin:
        return replace(
            verdict, reason=f"met, but used up to {1 - lowest:.0%} of its budget (over {margin:.0%})"
        )
    incidents = verdict.paged_incidents
    if verdict.pages_too_often(max_pages_per_30d):
        rate = f"{verdict.pages_per_30d:.1f} per 30 days, over {max_pages_per_30d:g}"
        return replace(
            verdict, reason=f"met, but would have paged for {incidents} incidents in {days} ({rate})"
        )
    used = max(0.0, 1 - lowest)
    why = (
        f"met at all {verdict.period_ends} period ends, at most {used:.0%} of its budget used, "
        f"paged for {incidents} incident(s) in {days}"
    )
    return replace(verdict, qualified=True, reason=why)


def backtest_rationale(
    candidates: Sequence[CandidateBacktest], margin: float, max_pages_per_30d: float = 2.0
) -> ObjectiveRationale:
    """The highest candidate met at every period end, with budget use within `margin` (as the
    targets stage judges history), and paging for no more than `max_pages_per_30d` incidents per
    30 days on its first window set (one incident always allowed when any is).
    """
    verdicts = tuple(_verdict(c, margin, max_pages_per_30d) for c in candidates)
    return ObjectiveRationale(max((v.objective for v in verdicts if v.qualified), default=None), verdicts)
