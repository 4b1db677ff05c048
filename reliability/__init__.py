"""reliability: SLIs, SLO targets, error budgets and SLA compliance from telemetry."""

__version__ = "0.1.0"
