"""Hooks: command actions (argv lists, the event JSON on stdin, timeouts, dry run by default), the
planning of every trigger on hand-made artifacts with the arithmetic written out, confidence, and
the hook configuration."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import pytest
from support import configs
from support.artifact_builders import (
    alert_pair,
    error_budgets,
    sla_compliance,
    sla_entry,
    sli_window,
    slo_budget,
    slo_event,
)
from support.artifact_builders import sli_metrics as sli_metrics_of

from reliability.actions.command import run_action
from reliability.artifacts.error_budgets import AlertPair, SloBudget
from reliability.artifacts.sla_compliance import (
    ProjectedSlaEventDetails,
    SlaEventDetails,
    SloEvent,
    SloEventDetails,
)
from reliability.artifacts.sli_metrics import SliMetrics
from reliability.config import load_config
from reliability.config.model import (
    Config,
    CreditTier,
    Hook,
    Origin,
    Settings,
    Sla,
    Slo,
    SloWindow,
    Trigger,
    WebhookFormat,
)
from reliability.core.sla import projected_attainment
from reliability.errors import ConfigError
from reliability.stages.hooks import Confidence, PlannedAction, plan
from reliability.vocabulary import Window

EVALUATED_AT = "2026-11-05T12:00:00Z"
ORIGIN = Origin("c.yaml", 1)


def action(command: list[str], timeout: float = 10, tmp: Path | None = None) -> PlannedAction:
    hook = Hook("h", (Trigger.PAGE,), tuple(command), timeout, Origin(str(tmp or Path.cwd()) + "/c.yaml", 1))
    event = slo_event()
    return PlannedAction("x", hook, Trigger.PAGE, "web/api", event, Confidence(1.0, "test"))


def test_dry_run_runs_nothing(tmp_path: Path) -> None:
    marker = tmp_path / "ran"
    outcome = run_action(action([sys.executable, "-c", f"open({str(marker)!r}, 'w')"]), execute=False)
    assert outcome.status == "dry_run" and outcome.attempts == 0
    assert not marker.exists()


def test_command_receives_exactly_the_event_json(tmp_path: Path) -> None:
    received = tmp_path / "event.json"
    script = f"import sys; open({str(received)!r}, 'w').write(sys.stdin.read())"
    planned = action([sys.executable, "-c", script])
    outcome = run_action(planned, execute=True)
    assert outcome.status == "succeeded" and outcome.exit_code == 0 and outcome.attempts == 1
    assert json.loads(received.read_text()) == planned.event.to_json()


def test_arguments_are_not_interpreted_by_a_shell(tmp_path: Path) -> None:
    outcome = run_action(
        action([sys.executable, "-c", "import sys; print(sys.argv[1])", "$(id); `id`"]), execute=True
    )
    assert outcome.stdout_tail.strip() == "$(id); `id`"


def test_failure_timeout_and_missing_program() -> None:
    failed = run_action(
        action([sys.executable, "-c", "import sys; sys.stderr.write('bad'); sys.exit(3)"]), execute=True
    )
    assert (failed.status, failed.exit_code, failed.stderr_tail) == ("failed", 3, "bad")
    hang = "import threading; threading.Event().wait()"
    slow = run_action(action([sys.executable, "-c", hang], timeout=0.5), execute=True)
    assert slow.status == "timed_out"
    assert slow.duration_seconds is not None and slow.duration_seconds < 10
    missing = run_action(action(["/nonexistent/program"]), execute=True)
    assert missing.status == "error" and "cannot start" in (missing.error or "")


# --- planning on hand-made artifacts


def hook(name: str, triggers: tuple[Trigger, ...], **options: Any) -> Hook:
    return Hook(name, triggers, ("true",), 1, ORIGIN, **options)


def slo(slo_id: str, min_events: int = 0) -> Slo:
    service, name = slo_id.split("/")
    return Slo(
        service,
        name,
        ("api",),
        "availability",
        99.9,
        SloWindow(Window.of(30 * 86400)),
        ORIGIN,
        min_events=min_events,
    )


def config_with(hooks: tuple[Hook, ...], slos: tuple[Slo, ...] = (), slas: tuple[Sla, ...] = ()) -> Config:
    return Config(files=(), settings=Settings(), sources=(), components=(), slos=slos, slas=slas, hooks=hooks)


def budget_entry(
    state: str,
    exhausted: bool = False,
    service: str = "web",
    remaining: float | None = -1.0,
    pairs: list[AlertPair] | None = None,
    events: dict[str, int] | None = None,
) -> SloBudget:
    """One SLO of error-budgets.json."""
    return slo_budget(
        service, state, exhausted=exhausted, remaining=remaining, pairs=tuple(pairs or ()), events=events
    )


NO_SLAS = sla_compliance()


def test_plan_matches_triggers_services_and_slos() -> None:
    config = config_with(
        (
            hook("pager", (Trigger.PAGE,)),
            hook("web-only", (Trigger.BUDGET_EXHAUSTED,), services=("web",)),
            hook("other-slo", (Trigger.PAGE,), slos=("db/api",)),
            hook("silence", (Trigger.NO_DATA,)),
        ),
        slos=(slo("web/api"), slo("db/api"), slo("cache/api")),
    )
    budgets = error_budgets(
        budget_entry("page", True),
        budget_entry("ok", True, service="db"),
        budget_entry("no_data", False, service="cache"),
    )
    planned = plan(config, budgets, NO_SLAS, EVALUATED_AT)
    assert sorted((a.hook.name, a.subject, a.trigger.value) for a in planned) == [
        ("pager", "web/api", "page"),
        ("silence", "cache/api", "no_data"),
        ("web-only", "web/api", "budget_exhausted"),
    ]
    assert len({a.id for a in planned}) == 3
    events = [a.event for a in planned]
    assert all(
        isinstance(e, SloEvent) and e.details.previous_alert_state is None for e in events
    )  # no previous run


def test_recovery_fires_when_page_or_ticket_turns_ok() -> None:
    """web/api paged last run and is ok now; db/api was ok and is ok; cache/api paged and is no_data."""
    config = config_with(
        (hook("resolve", (Trigger.RECOVERY,)),),
        slos=(slo("web/api", min_events=40), slo("db/api"), slo("cache/api")),
    )
    quiet = [
        alert_pair("1h", "5m", "ok"),
        alert_pair("6h", "30m", "ok"),
        alert_pair("30d", "6h", "not_applicable"),
    ]
    budgets = error_budgets(
        budget_entry("ok", pairs=quiet, events={"5m": 80, "30m": 500, "1h": 900, "6h": 5000, "30d": 10**5}),
        budget_entry("ok", service="db", pairs=quiet),
        budget_entry("no_data", service="cache", pairs=quiet),
    )
    previous = {"web/api": "page", "db/api": "ok", "cache/api": "page"}
    planned = plan(config, budgets, NO_SLAS, EVALUATED_AT, previous)
    assert [(a.subject, a.trigger) for a in planned] == [("web/api", Trigger.RECOVERY)]
    details = planned[0].event.details
    assert isinstance(details, SloEventDetails)
    assert (details.previous_alert_state, details.alert_state) == ("page", "ok")
    # No pair fires, so the shortest window of the applicable pairs: 5m, 80 events of the 40 needed.
    assert planned[0].confidence.value == 1.0
    assert planned[0].confidence.basis == "80 events in 5m, 40 needed"


def test_budget_below_compares_with_each_hooks_threshold() -> None:
    """99.9 % over 100,000 events allows 100 bad; 80 were bad, so 1 - 80/100 = 0.2 of the budget is left."""
    remaining = 1 - 80 / (0.001 * 100_000)
    config = config_with(
        (
            hook("quarter", (Trigger.BUDGET_BELOW,), budget_below=0.25),  # 0.2 < 0.25: fires
            hook("tenth", (Trigger.BUDGET_BELOW,), budget_below=0.1),  # 0.2 >= 0.1: silent
        ),
        slos=(slo("web/api"), slo("db/api")),
    )
    budgets = error_budgets(
        budget_entry("ok", remaining=remaining), budget_entry("ok", service="db", remaining=None)
    )
    planned = plan(config, budgets, NO_SLAS, EVALUATED_AT)
    assert [(a.hook.name, a.subject, a.trigger) for a in planned] == [
        ("quarter", "web/api", Trigger.BUDGET_BELOW)
    ]
    details = planned[0].event.details
    assert isinstance(details, SloEventDetails)
    assert details.budget_below == 0.25
    assert details.budget_remaining_ratio == pytest.approx(0.2)
    # No pair fired: the budget's own window decides, 100,000 events of the 100 needed.
    assert planned[0].confidence.value == 1.0
    assert planned[0].confidence.basis == "100000 events in 30d, 100 needed"


def test_confidence_is_events_in_the_shortest_fired_window_over_min_events() -> None:
    fired = [
        alert_pair("1h", "5m", "firing"),
        alert_pair("6h", "30m", "firing"),
        alert_pair("1d", "2h", "ok", "ticket"),
    ]
    config = config_with(
        (hook("pager", (Trigger.PAGE,)),), slos=(slo("web/api"), slo("db/api", min_events=20))
    )
    budgets = error_budgets(
        budget_entry("page", pairs=fired), budget_entry("page", service="db", pairs=fired)
    )
    by_subject = {a.subject: a.confidence for a in plan(config, budgets, NO_SLAS, EVALUATED_AT)}
    assert by_subject["web/api"] == Confidence(0.35, "35 events in 5m, 100 needed")  # min_events 0: 100
    assert by_subject["db/api"] == Confidence(1.0, "35 events in 5m, 20 needed")  # min(1, 35 / 20)


# --- SLA triggers


def sli_metrics(day_total: int, hour_total: int, hour_bad: int) -> SliMetrics:
    return sli_metrics_of(sli_window("1h", hour_total, hour_bad), sli_window("1d", day_total, 0))


CONTRACT = Sla(
    "web", "contract", "api", "availability", 99.9, (CreditTier(99.9, 10), CreditTier(99.0, 25)), ORIGIN
)
MID_MONTH = "2026-11-21T00:00:00Z"  # 10 days = 864,000 s before the month ends on 2026-12-01


def test_projected_attainment_formula() -> None:
    # (199,900 + 0.099/s x 864,000 s) / (200,000 + 0.1/s x 864,000 s) = 285,436 / 286,400
    assert projected_attainment(199_900, 200_000, 0.099, 0.1, 864_000) == pytest.approx(285_436 / 286_400)
    assert projected_attainment(0, 0, 0, 0, 864_000) is None  # nothing counted, nothing expected


def test_sla_breach_projected_at_the_current_pace() -> None:
    """So far 199,900 good of 200,000 (99.95 %, met). The last day had 8,640 events: 0.1/s. The last hour
    had 1,000 events, 10 bad: error ratio 0.01, so 0.099 good/s. In the 864,000 s left: 86,400 more
    events, 85,536 good. Projected: (199,900 + 85,536) / (200,000 + 86,400) = 285,436 / 286,400
    = 99.6634 %, below the 99.9 % target and the 99.9 tier (10 % credit), above the 99.0 one."""
    config = config_with(
        (hook("account-team", (Trigger.SLA_BREACH, Trigger.SLA_BREACH_PROJECTED)),), slas=(CONTRACT,)
    )
    sla = sla_compliance(sla_entry(199_900, 200_000))
    planned = plan(config, error_budgets(), sla, MID_MONTH, sli_metrics=sli_metrics(8_640, 1_000, 10))
    assert [(a.subject, a.trigger) for a in planned] == [("web/contract", Trigger.SLA_BREACH_PROJECTED)]
    details = planned[0].event.details
    assert isinstance(details, ProjectedSlaEventDetails)
    assert details.projected_percent == pytest.approx(100 * 285_436 / 286_400)
    assert details.projected_percent == pytest.approx(99.6634, abs=1e-4)
    assert details.projected_credit_percent == 10
    assert details.remaining_seconds == 864_000
    assert details.events_per_second == pytest.approx(0.1)
    assert details.current_error_ratio == pytest.approx(0.01)
    assert details.to_json()["month_end"] == "2026-12-01T00:00:00Z"
    assert planned[0].confidence.value == 1.0


def test_no_projected_breach_at_a_healthy_pace_or_without_data() -> None:
    """At an error ratio of 0.0005: (199,900 + 86,356.8) / 286,400 = 99.95 %, above target. A silent
    last hour projects nothing: silence is never counted as good, nor as bad."""
    config = config_with((hook("account-team", (Trigger.SLA_BREACH_PROJECTED,)),), slas=(CONTRACT,))
    sla = sla_compliance(sla_entry(199_900, 200_000))
    assert plan(config, error_budgets(), sla, MID_MONTH, sli_metrics=sli_metrics(8_640, 2_000, 1)) == []
    assert plan(config, error_budgets(), sla, MID_MONTH, sli_metrics=sli_metrics(8_640, 0, 0)) == []
    with pytest.raises(ValueError, match="sli-metrics"):
        plan(config, error_budgets(), sla, MID_MONTH)


def test_sla_breach_so_far() -> None:
    config = config_with((hook("account-team", (Trigger.SLA_BREACH,)),), slas=(CONTRACT,))
    planned = plan(
        config, error_budgets(), sla_compliance(sla_entry(99_800, 100_000)), MID_MONTH
    )  # 99.8 % < 99.9 %
    assert [(a.subject, a.trigger) for a in planned] == [("web/contract", Trigger.SLA_BREACH)]
    details = planned[0].event.details
    assert isinstance(details, SlaEventDetails)
    assert details.attained_percent == pytest.approx(99.8)


# --- hook configuration

LOG = configs.events_source(component=None)


def load(tmp_path: Path, **sections: Any) -> Config:
    """A config of one events file and no services, plus `sections` (hooks, settings)."""
    (tmp_path / "events.csv").write_text("ts,status\n")
    return load_config(configs.write_config(tmp_path, sources=[LOG], name="c.yaml", **sections))


def test_webhook_hook_and_safety_settings_load(tmp_path: Path) -> None:
    signed = configs.hook(
        "notify",
        ["page", "recovery", "budget_below"],
        budget_below=0.25,
        webhook={
            "url": "https://hooks.example/x",
            "secret_env": "HOOK_SECRET",
            "format": "alertmanager",
            "retries": 2,
        },
        cooldown="30m",
        min_confidence=0.8,
        approval="required",
        destructive=True,
    )
    command = configs.hook("plain", command=["/bin/true"])
    config = load(tmp_path, settings={"max_actions_per_run": 3}, hooks=[signed, command])
    notify, plain = config.hooks
    assert notify.webhook is not None and notify.webhook.format is WebhookFormat.ALERTMANAGER
    assert (notify.webhook.url, notify.webhook.secret_env, notify.webhook.retries) == (
        "https://hooks.example/x",
        "HOOK_SECRET",
        2,
    )
    assert notify.command == ()
    assert (notify.cooldown_seconds, notify.min_confidence, notify.budget_below) == (1800, 0.8, 0.25)
    assert notify.approval_required and notify.destructive
    assert (plain.cooldown_seconds, plain.min_confidence, plain.webhook) == (3600, 0.5, None)
    assert not plain.approval_required and not plain.destructive
    assert config.settings.max_actions_per_run == 3


def test_alertmanager_hook_loads(tmp_path: Path) -> None:
    target = {"url": "http://127.0.0.1:9093", "bearer_token_env": "AM_TOKEN", "retries": 1}
    config = load(tmp_path, hooks=[configs.hook("alerts", ["page", "no_data"], alertmanager=target)])
    (alerts,) = config.hooks
    assert alerts.alertmanager is not None and alerts.command == () and alerts.webhook is None
    spec = alerts.alertmanager
    assert (spec.url, spec.bearer_token_env, spec.retries, spec.username_env) == (
        "http://127.0.0.1:9093",
        "AM_TOKEN",
        1,
        "",
    )


@pytest.mark.parametrize(
    ("bad_hook", "says"),
    [
        (configs.hook("h"), "exactly one of `command`, `webhook` and `alertmanager`"),
        (
            configs.hook("h", command=["/bin/true"], webhook={"url": "http://x", "secret_env": "S"}),
            "exactly one of `command`, `webhook` and `alertmanager`",
        ),
        (
            configs.hook("h", command=["/bin/true"], alertmanager={"url": "http://127.0.0.1:9093"}),
            "exactly one of `command`, `webhook` and `alertmanager`",
        ),
        (configs.hook("h", alertmanager={"url": "ftp://x"}), "does not match"),
        (configs.hook("h", ["budget_below"], command=["/bin/true"]), "'budget_below' is a required property"),
        (configs.hook("h", budget_below=0.2, command=["/bin/true"]), "without that trigger"),
        (configs.hook("h", webhook={"url": "http://127.0.0.1:1"}), "'secret_env' is a required"),
        (configs.hook("h", approval="maybe", command=["/bin/true"]), "'maybe' is not one of"),
        (
            configs.hook("h", env={"A": "b"}, webhook={"url": "http://127.0.0.1:1", "secret_env": "S"}),
            "apply to a command",
        ),
    ],
)
def test_bad_hooks_are_refused(tmp_path: Path, bad_hook: configs.Node, says: str) -> None:
    with pytest.raises(ConfigError) as caught:
        load(tmp_path, hooks=[bad_hook])
    assert any(says in str(p) for p in caught.value.problems), caught.value.problems
