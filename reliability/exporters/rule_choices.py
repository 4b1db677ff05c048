"""What `reliability rules` adds to every rule or leaves out, as Sloth's generate flags do.

Extra labels (`-l key=value`) go on every rule, recording and alerting, and win over the SLO's own
labels as in Sloth; they may not rename the labels the rules join and route on (`sloth_id`, ...).
`--disable-recordings` and `--disable-alerts` drop one kind of rule and keep the groups.
"""

from __future__ import annotations

import re
from dataclasses import replace
from typing import Any

from reliability.conventions import (
    LABEL_ID,
    LABEL_LONG_WINDOW,
    LABEL_OBJECTIVE,
    LABEL_SERVICE,
    LABEL_SEVERITY,
    LABEL_SHORT_WINDOW,
    LABEL_SLO,
    LABEL_TIER,
    LABEL_WINDOW,
)
from reliability.errors import ConfigError
from reliability.exporters.rules import Labels, SloRuleSpec

_LABEL_NAME = re.compile(r"[a-zA-Z_][a-zA-Z0-9_]*")
RESERVED_LABELS = frozenset(
    {
        LABEL_ID,
        LABEL_SERVICE,
        LABEL_SLO,
        LABEL_WINDOW,
        LABEL_SEVERITY,
        LABEL_LONG_WINDOW,
        LABEL_SHORT_WINDOW,
        LABEL_OBJECTIVE,
        LABEL_TIER,
    }
)


def parse_extra_labels(texts: list[str]) -> Labels:
    """`key=value` texts as labels, the last of a repeated key winning; ConfigError when malformed."""
    labels: dict[str, str] = {}
    for text in texts:
        name, equals, value = text.partition("=")
        if not equals or not _LABEL_NAME.fullmatch(name):
            raise ConfigError(f"--extra-labels: {text!r} is not key=value with a Prometheus label name")
        if name in RESERVED_LABELS:
            raise ConfigError(f"--extra-labels: {name} is set by the rules themselves")
        labels[name] = value
    return tuple(labels.items())


def with_extra_labels(specs: list[SloRuleSpec], extra: Labels) -> list[SloRuleSpec]:
    """The specs with `extra` on their recorded series and their alerts (winning over their own)."""
    if not extra:
        return specs
    return [
        replace(
            spec,
            labels=tuple((dict(spec.labels) | dict(extra)).items()),
            alerts=tuple(
                replace(a, labels=tuple((dict(a.labels) | dict(extra)).items())) for a in spec.alerts
            ),
        )
        for spec in specs
    ]


def chosen_rules(rule_file: dict[str, Any], extra: Labels, recordings: bool, alerts: bool) -> dict[str, Any]:
    """`rule_file` with `extra` on every rule (also those no spec labels, such as the no-data alert)
    and without the recording or the alerting rules when they are not wanted."""
    kinds = {"record"} if recordings else set()
    kinds |= {"alert"} if alerts else set()
    groups = []
    for group in rule_file["groups"]:
        rules = [
            rule | {"labels": dict(rule.get("labels", {})) | dict(extra)} if extra else rule
            for rule in group["rules"]
            if kinds & rule.keys()
        ]
        groups.append(group | {"rules": rules})
    return rule_file | {"groups": groups}
