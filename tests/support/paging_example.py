"""A small configuration whose one SLO pages at NOW: an event every 15 seconds over the last hour,
every third one failing (a fast burn), read from events.csv next to config.yaml."""

from __future__ import annotations

from pathlib import Path

from reliability.timefmt import parse_rfc3339, to_rfc3339
from support.configs import Node, component, events_source, service, slo, write_config

NOW = "2026-11-05T12:00:00Z"


def paging_events() -> str:
    epoch = parse_rfc3339(NOW).timestamp()
    rows = [f"{to_rfc3339(epoch - 15 * (i + 1))},{500 if i % 3 == 0 else 200}" for i in range(240)]
    return "ts,status\n" + "\n".join(rows) + "\n"


def write_paging_config(folder: Path, *hooks: Node) -> Path:
    """config.yaml (with `hooks`) and its events.csv in `folder`."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "events.csv").write_text(paging_events())
    web = service("web", component("api", slo("api-availability", 99)))
    source = events_source(component=None)
    return write_config(folder, web, settings={"evaluate_at": NOW}, sources=[source], hooks=list(hooks))
