"""OpenSLO AlertPolicy and AlertCondition (burn rate) as our alert window sets, and their notification
targets as signed webhook hooks.

A condition is one window pair: `lookbackWindow` is the long window, the short one is a twelfth of it
(the SRE Workbook's ratio, 1h/5m; `reliability.dev/short-window` gives another), `threshold` is the
burn-rate factor, so the pair's budget share is threshold x long window / SLO period. An SLO's pairs
are those of its policies, in order, under one set named after them (`fast+slow`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from reliability.config.model import CalendarUnit, SloWindow
from reliability.config.openslo_fields import ANNOTATION_PREFIX, OpenSloDoc
from reliability.config.openslo_labels import labels_of
from reliability.config.scaled_windows import nominal_period_seconds
from reliability.config.yaml_source import KeyPath
from reliability.durations import format_duration, parse_duration

SEVERITIES = ("page", "ticket")
SHORT_WINDOW_RATIO = 12  # the Workbook's long/short ratio: 1h/5m, 6h/30m, 1d/2h, 3d/6h
BURN_RATE_OPS = ("gt", "gte")  # a burn rate above the threshold alerts; our rules compare with >
POLICY_KEYS = ("description", "alertWhenNoData", "alertWhenResolved", "alertWhenBreaching", "conditions")
POLICY_SPEC_KEYS = (*POLICY_KEYS, "notificationTargets")
ANNOTATIONS = {
    "AlertPolicy": ("severity",),
    "AlertCondition": ("short-window",),
    "AlertNotificationTarget": ("hook", "secret-env"),
}


@dataclass(frozen=True)
class Part:
    """A document, or a document written inline in another at `at`."""

    doc: OpenSloDoc
    at: KeyPath = ()

    def __call__(self, *path: str | int) -> KeyPath:
        return (*self.at, *path)


@dataclass
class Policy:
    name: str
    part: Part
    slos: list[str] = field(default_factory=list)  # ids of the SLOs naming it
    severities: set[str] = field(default_factory=set)


def ref_or_inline(doc: OpenSloDoc, at: KeyPath, ref_key: str, kind: str, known: dict[str, Part]) -> Part:
    """An item of a list naming a document (`ref_key: name`, or the name alone) or holding it inline."""
    item = doc.get(at)
    if isinstance(item, str):
        name = item
    elif isinstance(item, dict) and ref_key in item:
        doc.known_keys(at, (ref_key,))
        name = doc.text((*at, ref_key))
    else:
        doc.known_keys(at, ("kind", "metadata", "spec"))
        if doc.get((*at, "kind")) != kind:
            doc.fail((*at, "kind"), f"expected {ref_key} or an inline {kind}")
        return Part(doc, at)
    if name not in known:
        doc.fail(at, f"no {kind} named {name!r}")
    return known[name]


def _severity(policy: Part, condition: Part) -> str | None:
    """The policy's severity (label or annotation), else the condition's when it is page or ticket."""
    named = labels_of(policy.doc, policy("metadata")).get("severity") or policy.doc.annotation(
        policy("metadata"), "severity"
    )
    where = policy("metadata", "labels", "severity")
    if named is None:
        named, where = condition.doc.get(condition("spec", "severity")), condition("spec", "severity")
        if named not in SEVERITIES:
            return None  # another vocabulary (critical, high...): severity by speed, below
    if named not in SEVERITIES:
        policy.doc.fail(where, f"a severity is page or ticket, not {named!r}")
    return str(named)


def window_pair(policy: Part, condition: Part, period_seconds: float) -> dict[str, Any]:
    """One condition as a pair of our `alert_windows` (severity None: decided by speed)."""
    doc, at = condition.doc, condition("spec", "condition")
    doc.known_keys(condition(), ("apiVersion", "kind", "metadata", "spec"))
    doc.known_keys(condition("spec"), ("description", "severity", "condition"))
    doc.known_keys(at, ("kind", "op", "threshold", "lookbackWindow", "alertAfter"))
    if (kind := doc.text((*at, "kind"))).lower() != "burnrate":
        doc.fail((*at, "kind"), f"{kind!r}: reliability alerts on burn rate (kind: burnrate)")
    if (op := doc.text((*at, "op"))) not in BURN_RATE_OPS:
        doc.fail((*at, "op"), f"{op!r}: a burn-rate alert fires above its threshold (gt or gte)")
    factor = doc.number((*at, "threshold"), 0, 1e9)
    long_seconds = _duration(doc, (*at, "lookbackWindow"))
    short_text = doc.annotation(condition("metadata"), "short-window")
    short_seconds = parse_duration(short_text) if short_text else long_seconds / SHORT_WINDOW_RATIO
    if short_seconds % 60 or short_seconds >= long_seconds:
        doc.fail(
            (*at, "lookbackWindow"),
            f"the short window ({short_seconds:g} s, a twelfth of the lookback window unless "
            f"{ANNOTATION_PREFIX}short-window says) must be whole minutes and shorter",
        )
    if doc.has((*at, "alertAfter")) and _duration(doc, (*at, "alertAfter"), zero=True):
        doc.fail(
            (*at, "alertAfter"),
            "not supported: a pair alerts as soon as both windows burn (the short window is the guard); "
            "a delay for all alerts is `reliability rules --for`",
        )
    share = round(factor * long_seconds / period_seconds, 12)
    if share > 1:
        doc.fail((*at, "threshold"), f"spends {share:g} times the SLO's whole budget in the lookback window")
    return {
        "severity": _severity(policy, condition),
        "long": format_duration(long_seconds),
        "short": format_duration(short_seconds),
        "budget_share": share,
    }


def _duration(doc: OpenSloDoc, at: KeyPath, zero: bool = False) -> float:
    text = doc.text(at)
    try:
        seconds = parse_duration(text)
    except ValueError as exc:
        doc.fail(at, str(exc))
    if seconds % 60 or (seconds <= 0 and not zero):
        doc.fail(at, f"{text!r}: whole minutes")
    return seconds


def period_seconds(window: str | dict[str, Any]) -> float:
    """The SLO period a burn-rate factor is relative to (a calendar period's nominal length)."""
    if isinstance(window, str):
        return parse_duration(window)
    return nominal_period_seconds(SloWindow(calendar=CalendarUnit(window["calendar"])))


def by_speed(pairs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Pairs without a severity: page if the fastest of all (shortest long window), else ticket."""
    fastest = min(pairs, key=lambda p: parse_duration(p["long"]), default=None)
    return [
        p | {"severity": "page" if p is fastest else "ticket"} if p["severity"] is None else p for p in pairs
    ]


def policy_parts(policy: Part, conditions: dict[str, Part]) -> list[Part]:
    """The conditions of a policy, checking its keys (its targets are read with its hooks)."""
    doc = policy.doc
    doc.known_keys(policy("spec"), POLICY_SPEC_KEYS)
    for key in ("alertWhenNoData", "alertWhenResolved", "alertWhenBreaching"):
        if doc.has(policy("spec", key)) and not isinstance(doc.get(policy("spec", key)), bool):
            doc.fail(policy("spec", key), "expected true or false")
    others = set(labels_of(doc, policy("metadata"))) - {"severity"}
    if others:
        doc.fail(
            policy("metadata", "labels"), f"only the severity label is read on a policy, not {sorted(others)}"
        )
    items = doc.items(policy("spec", "conditions"))
    if not items:
        doc.fail(policy("spec", "conditions"), "expected at least one condition")
    return [
        ref_or_inline(doc, policy("spec", "conditions", i), "conditionRef", "AlertCondition", conditions)
        for i in range(len(items))
    ]


def hooks_of(policy: Policy, targets: dict[str, Part]) -> list[dict[str, Any]]:
    """A signed webhook hook per notification target of a policy, on the triggers the policy asks for."""
    doc, at = policy.part.doc, policy.part("spec")
    triggers = sorted(policy.severities) if doc.get((*at, "alertWhenBreaching")) is not False else []
    triggers += ["recovery"] if doc.get((*at, "alertWhenResolved")) is True else []
    triggers += ["no_data"] if doc.get((*at, "alertWhenNoData")) is True else []
    hooks = []
    for index in range(len(doc.items((*at, "notificationTargets")))):
        item_at = (*at, "notificationTargets", index)
        target = ref_or_inline(doc, item_at, "targetRef", "AlertNotificationTarget", targets)
        if not triggers:
            doc.fail(
                at,
                "alertWhenBreaching, alertWhenResolved and alertWhenNoData are all false: nothing to notify",
            )
        hooks.append(
            webhook(
                target, f"{policy.name}-{target.doc.text(target('metadata', 'name'))}", triggers, policy.slos
            )
        )
    return hooks


def webhook(target: Part, name: str, triggers: list[str], slos: list[str]) -> dict[str, Any]:
    """A notification target as a webhook hook, signed with the secret its annotation names."""
    doc = target.doc
    doc.known_keys(target("spec"), ("target", "description"))
    url = doc.text(target("spec", "target"))
    if not url.startswith(("http://", "https://")):
        doc.fail(
            target("spec", "target"),
            f"{url!r}: reliability posts to an http(s) URL (or give reliability.dev/hook)",
        )
    secret_env = doc.annotation(target("metadata"), "secret-env")
    if secret_env is None:
        doc.fail(
            target("metadata"),
            "a webhook is signed: name the environment variable holding its secret in "
            f"{ANNOTATION_PREFIX}secret-env",
        )
    return {
        "name": name,
        "triggers": triggers,
        "slos": slos,
        "webhook": {"url": url, "secret_env": secret_env},
    }
