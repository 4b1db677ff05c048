"""Configuration folders built from small pieces: a test names what matters to it, the rest is default.

Every builder returns the plain mapping the YAML holds; `write_config` dumps them with
`yaml.safe_dump`, so no test has to indent, quote or escape YAML by hand. Tests about the YAML
text itself (line numbers, key paths in messages) keep their literal YAML.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

import yaml

Node = dict[str, Any]


def events_source(
    name: str = "log",
    path: str = "events.csv",
    *,
    unix_seconds: bool = False,
    component: str | None = "comp",
    status: str | None = "status",
    latency: str | None = None,
    latency_unit: str = "ms",
    **options: Any,
) -> Node:
    """An events file whose timestamp column is `ts` (RFC 3339, or epoch seconds)."""
    columns: Node = {"timestamp": {"column": "ts", "format": "unix_s"} if unix_seconds else {"column": "ts"}}
    if component is not None:
        columns["component"] = component
    if status is not None:
        columns["status"] = status
    if latency is not None:
        columns["latency"] = {"column": latency, "unit": latency_unit}
    return {"name": name, "type": "events", "paths": [path], "columns": columns, **options}


def openmetrics_source(name: str, *paths: str | Path) -> Node:
    return {"name": name, "type": "openmetrics", "paths": [str(p) for p in paths]}


def prometheus_source(url: str = "http://127.0.0.1:9", name: str = "prom", **options: Any) -> Node:
    """A Prometheus source; the default URL has no server behind it (rules and dashboards never query)."""
    return {"name": name, "type": "prometheus", "url": url, **options}


def selector(metric: str, **match: str) -> Node:
    return {"metric": metric, "match": match} if match else {"metric": metric}


def availability(name: str = "availability", **metrics: Node) -> Node:
    """An availability SLI: from events as is, or from counters given as `total` and `good_counter`
    or `bad_counter` selectors."""
    return {"name": name, "kind": "availability", **metrics}


def latency(threshold: str = "250ms", name: str = "latency", **options: Any) -> Node:
    return {"name": name, "kind": "latency", "threshold": threshold, **options}


def counter_availability(job: str, name: str = "availability") -> Node:
    """Availability from `http_requests_total` of one job, the 5xx codes counting as bad."""
    return availability(
        name,
        total=selector("http_requests_total", job=job),
        bad_counter=selector("http_requests_total", job=job, code="5.."),
    )


def histogram_latency(job: str, threshold: str = "250ms", name: str = "latency", **options: Any) -> Node:
    """Latency from the `http_request_duration_seconds` histogram of one job."""
    return latency(threshold, name, histogram=selector("http_request_duration_seconds", job=job), **options)


def slo(name: str, objective: float | str = 99, sli: str = "availability", **options: Any) -> Node:
    """An SLO of a component's SLI; `window`, `budgeting`, `alerting` ... go in `options`."""
    return {"name": name, "sli": sli, "objective": objective, **options}


def composite(name: str, objective: float, *of: str, method: str = "all_must_succeed") -> Node:
    """A service-level SLO combining the SLOs `of` (ids like `shop/checkout-availability`)."""
    return {
        "name": name,
        "composite": {"method": method, "of": [{"slo": i} for i in of]},
        "objective": objective,
    }


def component(
    name: str,
    *slos: Node,
    source: str = "log",
    slis: Iterable[Node] | None = None,
    **options: Any,
) -> Node:
    """A component of `source` with an availability SLI unless `slis` says otherwise; `slis=()`
    leaves them out (a component only read, never judged)."""
    node: Node = {"name": name, "source": source, **options}
    if listed := [availability()] if slis is None else list(slis):
        node["slis"] = listed
    if slos:
        node["slos"] = list(slos)
    return node


def service(name: str, *components: Node, **sections: Any) -> Node:
    """A service; service-level `slos` and `slas` go in `sections`."""
    return {"name": name, "components": list(components), **sections}


def sla(
    name: str, component: str, target: float, *credits: tuple[float, float], sli: str = "availability"
) -> Node:
    """An SLA on one component's SLI; each credit is (below percent, credit percent)."""
    node: Node = {"name": name, "component": component, "sli": sli, "target": target}
    if credits:
        node["credits"] = [{"below": below, "credit_percent": credit} for below, credit in credits]
    return node


def hook(name: str, triggers: Iterable[str] = ("page",), **options: Any) -> Node:
    """A hook; its action (`command` or `webhook`) and settings go in `options`."""
    return {"name": name, "triggers": list(triggers), **options}


def write_config(
    folder: Path,
    *services: Node,
    sources: Iterable[Node] | None = None,
    name: str = "config.yaml",
    **sections: Any,
) -> Path:
    """Write `folder/name` holding `sources`, `services` and any other top-level `sections`
    (settings, hooks, alert_windows ...); the sources default to one events file, empty sections
    are left out. Returns the file's path."""
    document: Node = {}
    if "settings" in sections:
        document["settings"] = sections.pop("settings")
    listed = [events_source()] if sources is None else list(sources)
    document |= {"sources": listed, "services": list(services), **sections}
    text = yaml.dump({k: v for k, v in document.items() if v}, Dumper=_PlainDumper, sort_keys=False)
    path = folder / name
    path.write_text(text)
    return path


class _PlainDumper(yaml.SafeDumper):
    """Writes a piece used twice (one SLO list for two services) in full both times, without
    YAML anchors, so every line is where a reader expects it."""

    def ignore_aliases(self, data: Any) -> bool:
        return True
