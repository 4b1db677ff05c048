"""The rule file for each place rules are loaded: Prometheus, a Kubernetes PrometheusRule, vmalert.

All three hold the same groups; only the envelope differs. vmalert reads Prometheus' format, and
its file says so per group (`type: prometheus`) so a vmalert set up for Graphite still reads it.
"""

from __future__ import annotations

import re
from enum import StrEnum
from typing import Any

PROMETHEUS_RULE_API = "monitoring.coreos.com/v1"
_NOT_DNS = re.compile(r"[^a-z0-9-]+")


class RuleTarget(StrEnum):
    PROMETHEUS = "prometheus"
    KUBERNETES = "kubernetes"  # a PrometheusRule for the Prometheus Operator
    VMALERT = "vmalert"

    @property
    def suffix(self) -> str:
        return {"prometheus": ".rules.yml", "kubernetes": ".prometheusrule.yaml", "vmalert": ".vmalert.yml"}[
            self.value
        ]


def resource_name(service: str) -> str:
    """A Kubernetes object name (DNS-1123 label) for the service's SLO rules."""
    slug = _NOT_DNS.sub("-", service.lower()).strip("-")[:57].strip("-")
    return f"{slug or 'service'}-slos"


def for_target(target: RuleTarget, service: str, rule_file: dict[str, Any]) -> dict[str, Any]:
    """`rule_file` (a Prometheus rule file) in the envelope `target` loads."""
    if target is RuleTarget.KUBERNETES:
        return {
            "apiVersion": PROMETHEUS_RULE_API,
            "kind": "PrometheusRule",
            "metadata": {
                "name": resource_name(service),
                "labels": {
                    "app.kubernetes.io/managed-by": "reliability",
                    "app.kubernetes.io/part-of": service,
                },
            },
            "spec": rule_file,
        }
    if target is RuleTarget.VMALERT:
        return {
            "groups": [
                {"name": g["name"], "type": "prometheus", "rules": g["rules"]} for g in rule_file["groups"]
            ]
        }
    return rule_file
