"""A small configuration whose one SLO pages at NOW: an event every 15 seconds over the last hour,
every third one failing (a fast burn), read from events.csv next to config.yaml."""

from __future__ import annotations

from pathlib import Path

from reliability.timefmt import parse_rfc3339, to_rfc3339

NOW = "2026-11-05T12:00:00Z"
CONFIG = """
settings: {{evaluate_at: "{now}"}}
sources:
  - {{name: log, type: events, paths: [events.csv], columns: {{timestamp: {{column: ts}}, status: status}}}}
services:
  - name: web
    components:
      - name: api
        source: log
        slis: [{{name: availability, kind: availability}}]
        slos: [{{name: api-availability, sli: availability, objective: 99}}]
"""


def paging_events() -> str:
    epoch = parse_rfc3339(NOW).timestamp()
    rows = [f"{to_rfc3339(epoch - 15 * (i + 1))},{500 if i % 3 == 0 else 200}" for i in range(240)]
    return "ts,status\n" + "\n".join(rows) + "\n"


def write_paging_config(folder: Path, more: str = "") -> Path:
    """config.yaml (with `more` YAML appended, e.g. hooks) and its events.csv in `folder`."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "events.csv").write_text(paging_events())
    config = folder / "config.yaml"
    config.write_text(CONFIG.format(now=NOW) + more)
    return config
