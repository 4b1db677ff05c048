"""The `adjustments:` section: planned downtime, read into Adjustment values and checked."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from dateutil.rrule import rrulestr

from reliability.config.model import Adjustment, AdjustmentMode, Config, Origin, field_default
from reliability.config.schema_messages import did_you_mean
from reliability.config.yaml_source import KeyPath, YamlDocument
from reliability.durations import parse_duration
from reliability.errors import Problem

Report = Callable[[YamlDocument, KeyPath, str], None]


def _zone(name: str) -> ZoneInfo | None:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return None


def _instant(text: str, zone: ZoneInfo) -> datetime:
    """An RFC 3339 instant keeps its offset; a local date-time is read in the adjustment's zone."""
    value = datetime.fromisoformat(text.strip().replace("z", "Z"))
    return value if value.tzinfo is not None else value.replace(tzinfo=zone)


def rule_text(rrule: str) -> str:
    """The RRULE value without an optional `RRULE:` prefix."""
    text = rrule.strip()
    return text[len("RRULE:") :] if text.upper().startswith("RRULE:") else text


def read_adjustment(doc: YamlDocument, at: KeyPath, raw: dict[str, Any], report: Report) -> Adjustment | None:
    """The adjustment, or None after reporting each problem at its field."""
    name = raw["name"]
    zone_name = raw.get("time_zone", field_default(Adjustment, "time_zone"))
    zone = _zone(zone_name)
    if zone is None:
        report(doc, (*at, "time_zone"), f"unknown time zone {zone_name!r} (expected an IANA name)")
        return None
    times: dict[str, datetime] = {}
    for key in ("start", "end"):
        if key in raw:
            try:
                times[key] = _instant(str(raw[key]), zone)
            except ValueError:
                report(doc, (*at, key), f"{raw[key]!r} is not a date-time (e.g. 2026-09-06T02:00:00)")
    recurring = "rrule" in raw
    if recurring == ("end" in raw) or recurring != ("duration" in raw):
        report(
            doc, at, f"adjustment {name!r} needs either `start` and `end`, or `rrule`, `start` and `duration`"
        )
        return None
    if "start" not in times or (not recurring and "end" not in times):
        return None
    duration = int(parse_duration(raw["duration"])) if recurring else 0
    if recurring:
        try:
            rrulestr(rule_text(raw["rrule"]), dtstart=times["start"])
        except (ValueError, TypeError) as exc:
            report(doc, (*at, "rrule"), f"not an RFC 5545 recurrence rule ({exc})")
            return None
        if duration <= 0:
            report(doc, (*at, "duration"), "each occurrence must last longer than zero")
            return None
    elif times["end"] <= times["start"]:
        report(doc, (*at, "end"), f"adjustment {name!r} ends before it starts")
        return None
    applies = raw.get("applies_to") or {}
    return Adjustment(
        name=name,
        reason=raw["reason"],
        start=times["start"],
        origin=Origin(str(doc.path), doc.line_of(at)),
        end=times.get("end"),
        rrule=rule_text(raw["rrule"]) if recurring else "",
        duration_seconds=duration,
        time_zone=zone_name,
        mode=AdjustmentMode(raw.get("mode", field_default(Adjustment, "mode"))),
        services=tuple(applies.get("services", ())),
        slos=tuple(applies.get("slos", ())),
    )


def adjustment_problems(config: Config) -> Iterator[Problem]:
    """Every SLO and service an adjustment names exists; a composite is adjusted through its parts."""
    index = config.index
    for adjustment in config.adjustments:
        origin = adjustment.origin
        for service in adjustment.services:
            if service not in index.services:
                hint = did_you_mean(service, index.services)
                yield Problem(
                    origin.file,
                    f"adjustment {adjustment.name!r} names unknown service {service!r}{hint}",
                    origin.line,
                    "applies_to.services",
                )
        for slo_id in adjustment.slos:
            slo = index.slos.get(slo_id)
            if slo is None:
                message = f"names unknown SLO {slo_id!r}{did_you_mean(slo_id, index.slos)}"
            elif slo.composite is not None:
                message = f"names composite SLO {slo_id!r}: adjust the SLOs it is made of"
            else:
                continue
            yield Problem(
                origin.file, f"adjustment {adjustment.name!r} {message}", origin.line, "applies_to.slos"
            )
