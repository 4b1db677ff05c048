"""Safety: cooldown across evaluations (a fake ledger that remembers what fired), approval and
destructive hooks left pending, the per-run cap, low confidence; and plan_and_run, which records
every decision and never lets an action stop the run."""

from __future__ import annotations

import sys
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from support.artifact_builders import alert_pair, error_budgets, sla_compliance, slo_budget, slo_event

from reliability import artifacts
from reliability.actions import command
from reliability.actions.run_hooks import plan_and_run
from reliability.actions.safety import NoHistory, Reason, Verdict, decide
from reliability.artifacts.error_budgets import ErrorBudgets, SloBudget
from reliability.artifacts.sla_compliance import ActionRecord
from reliability.config.model import Config, Hook, Origin, Settings, Slo, SloWindow, Trigger
from reliability.stages.hooks import Confidence, PlannedAction, plan
from reliability.vocabulary import Window

ORIGIN = Origin("c.yaml", 1)
T0 = "2026-11-05T12:00:00Z"
FIRED_STATUSES = {"succeeded", "failed", "timed_out", "error", "pending"}


class MemoryLedger:
    """Remembers the evaluation time of the latest fire per hook, trigger and subject."""

    def __init__(self) -> None:
        self.fired: dict[tuple[str, str, str], str] = {}

    def last_fired(self, hook: str, trigger: str, subject: str) -> str | None:
        return self.fired.get((hook, trigger, subject))

    def remember(self, records: list[ActionRecord], evaluated_at: str) -> None:
        for record in records:
            if record.status in FIRED_STATUSES:
                self.fired[(record.hook, record.trigger, record.subject)] = evaluated_at


def hook(name: str = "restart", **options: Any) -> Hook:
    return Hook(name, (Trigger.PAGE,), ("true",), 10, ORIGIN, **options)


def config_with(hooks: tuple[Hook, ...], services: int = 1, max_actions: int = 10) -> Config:
    slos = tuple(
        Slo(f"svc{i}", "api", ("api",), "availability", 99.9, SloWindow(Window.of(30 * 86400)), ORIGIN)
        for i in range(services)
    )
    return Config(
        files=(),
        settings=Settings(max_actions_per_run=max_actions),
        sources=(),
        components=(),
        slos=slos,
        slas=(),
        hooks=hooks,
    )


def paging(service: str, events_in_5m: int = 500) -> SloBudget:
    """An SLO of error-budgets.json paging on its 1h/5m pair."""
    return slo_budget(
        service,
        "page",
        sli_ratio=0.999,
        pairs=(alert_pair("1h", "5m", "firing"),),
        events={"5m": events_in_5m, "1h": 12 * events_in_5m, "30d": 100_000},
    )


def budgets(services: int = 1, events_in_5m: int = 500) -> ErrorBudgets:
    return error_budgets(*(paging(f"svc{i}", events_in_5m) for i in range(services)))


def counting_hook(log: Path, **options: Any) -> Hook:
    """A command that appends one line per run, so runs can be counted."""
    script = f"open({str(log)!r}, 'a').write('ran\\n')"
    return replace(hook(**options), command=(sys.executable, "-c", script))


def runs(log: Path) -> int:
    return len(log.read_text().splitlines()) if log.exists() else 0


def run_at(config: Config, ledger: MemoryLedger, evaluated_at: str, **kw: Any) -> list[ActionRecord]:
    records = plan_and_run(
        config, budgets(**kw), sla_compliance(), evaluated_at, {}, ledger, True, sli_metrics=None
    )
    ledger.remember(records, evaluated_at)
    return records


def test_cooldown_holds_across_evaluations(tmp_path: Path) -> None:
    log = tmp_path / "runs.log"
    config = config_with((counting_hook(log),))  # default cooldown: 1h
    ledger = MemoryLedger()

    [first] = run_at(config, ledger, T0)
    assert first.status == "succeeded" and runs(log) == 1

    [ten_minutes_later] = run_at(config, ledger, "2026-11-05T12:10:00Z")
    assert (ten_minutes_later.status, ten_minutes_later.reason) == ("skipped", "cooldown")
    assert ten_minutes_later.reason_detail == f"fired at {T0}, within the 60m cooldown"
    assert runs(log) == 1

    [two_hours_later] = run_at(config, ledger, "2026-11-05T14:10:00Z")
    assert two_hours_later.status == "succeeded" and runs(log) == 2


def test_cooldown_is_per_hook_trigger_and_subject_and_can_be_off() -> None:
    ledger = MemoryLedger()
    ledger.fired[("restart", "page", "svc0/api")] = T0
    config = config_with((hook(), hook("other"), hook("eager", cooldown_seconds=0)), services=2)
    decisions = decide(plan(config, budgets(2), sla_compliance(), T0), config, ledger, T0)
    verdicts = {(d.action.hook.name, d.action.subject): d.verdict for d in decisions}
    assert verdicts == {
        ("restart", "svc0/api"): Verdict.SKIP,  # a rerun of the same evaluation fires nothing twice
        ("restart", "svc1/api"): Verdict.RUN,
        ("other", "svc0/api"): Verdict.RUN,
        ("other", "svc1/api"): Verdict.RUN,
        ("eager", "svc0/api"): Verdict.RUN,
        ("eager", "svc1/api"): Verdict.RUN,
    }


@pytest.mark.parametrize(
    ("options", "reason"),
    [({"approval_required": True}, "approval_required"), ({"destructive": True}, "destructive")],
)
def test_pending_hooks_never_run(tmp_path: Path, options: dict[str, bool], reason: str) -> None:
    log = tmp_path / "runs.log"
    ledger = MemoryLedger()
    [record] = run_at(config_with((counting_hook(log, **options),)), ledger, T0)
    assert (record.status, record.reason) == ("pending", reason)
    assert record.attempts == 0 and record.duration_seconds is None
    assert runs(log) == 0


def action(name: str, confidence: float, subject: str = "svc0/api", **options: Any) -> PlannedAction:
    event = slo_event(hook=name, service=subject.split("/")[0], slo=subject, action_id=name)
    return PlannedAction(
        name, hook(name, **options), Trigger.PAGE, subject, event, Confidence(confidence, "t")
    )


def test_max_actions_caps_what_runs_in_one_evaluation() -> None:
    planned = [action(f"h{i}", 1.0) for i in range(5)]
    planned.insert(1, action("needs-approval", 1.0, approval_required=True))
    decisions = decide(planned, config_with((), max_actions=3), MemoryLedger(), T0)
    assert [(d.action.hook.name, d.verdict, d.reason) for d in decisions] == [
        ("h0", Verdict.RUN, None),
        ("needs-approval", Verdict.PENDING, Reason.APPROVAL_REQUIRED),  # does not count toward the cap
        ("h1", Verdict.RUN, None),
        ("h2", Verdict.RUN, None),
        ("h3", Verdict.SKIP, Reason.MAX_ACTIONS),
        ("h4", Verdict.SKIP, Reason.MAX_ACTIONS),
    ]


def test_without_a_ledger_nothing_is_cooling_down() -> None:
    [decision] = decide([action("restart", 1.0)], config_with(()), NoHistory(), T0)
    assert decision.verdict is Verdict.RUN


def test_low_confidence_skips() -> None:
    planned = [action("cautious", 0.35), action("bold", 0.35, min_confidence=0.3)]
    sure, unsure = decide(planned, config_with(()), MemoryLedger(), T0)[::-1]
    assert (unsure.verdict, unsure.reason) == (Verdict.SKIP, Reason.LOW_CONFIDENCE)
    assert unsure.detail == "confidence 0.35 < 0.5 (t)"
    assert sure.verdict is Verdict.RUN


def test_low_confidence_from_thin_traffic_end_to_end(tmp_path: Path) -> None:
    """40 events in the 5m window that fired, of the 100 needed (min_events 0): confidence 0.4 < 0.5."""
    log = tmp_path / "runs.log"
    [record] = run_at(config_with((counting_hook(log),)), MemoryLedger(), T0, events_in_5m=40)
    assert (record.status, record.reason, record.confidence) == ("skipped", "low_confidence", 0.4)
    assert runs(log) == 0


def test_a_crashing_action_is_recorded_not_raised(monkeypatch: pytest.MonkeyPatch) -> None:
    def crash(action: PlannedAction, *, execute: bool) -> command.Outcome:
        raise RuntimeError("boom")

    monkeypatch.setattr(command, "run_action", crash)
    [record] = run_at(config_with((hook(),)), MemoryLedger(), T0)
    assert record.status == "error" and record.error == "internal error: RuntimeError: boom"


def sla_artifact(records: list[ActionRecord], mode: str) -> dict[str, Any]:
    return {
        "kind": "sla-compliance",
        "schema_version": 1,
        "run_id": "0123456789abcdef",
        "requested_now": T0,
        "evaluated_at": T0,
        "config_files": ["c.yaml"],
        "calendar": "UTC months",
        "slas": [],
        "actions": [r.to_json() for r in records],
        "actions_mode": mode,
    }


def test_records_of_every_decision_validate(tmp_path: Path) -> None:
    """80 events in 5m: confidence 0.8, enough for the default 0.5, not for min_confidence 1."""
    config = config_with(
        (
            counting_hook(tmp_path / "a.log", name="runs"),
            counting_hook(tmp_path / "b.log", name="asks", approval_required=True),
            counting_hook(tmp_path / "c.log", name="doubts", min_confidence=1.0),
        )
    )
    for execute, mode, first in [(False, "dry_run", "dry_run"), (True, "executed", "succeeded")]:
        records = plan_and_run(
            config,
            budgets(events_in_5m=80),
            sla_compliance(),
            T0,
            {},
            MemoryLedger(),
            execute,
            sli_metrics=None,
        )
        assert [r.status for r in records] == [first, "pending", "skipped"]
        assert artifacts.problems("sla-compliance", sla_artifact(records, mode)) == []
    assert runs(tmp_path / "a.log") == 1 and runs(tmp_path / "b.log") == runs(tmp_path / "c.log") == 0
