"""Exports of the artifacts to other systems: Prometheus metrics, rules, dashboards."""
