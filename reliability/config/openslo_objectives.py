"""An OpenSLO SLO's time window, budgeting method and objectives, as our SLO keys."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date
from typing import Any

from reliability.config.openslo_fields import OpenSloDoc
from reliability.config.yaml_source import KeyPath

_DURATION = re.compile(r"^([0-9]+)([mhdwMQY])$")
_CALENDAR_UNITS = {"w": "week", "M": "month", "Q": "quarter"}
_METHODS = {"Occurrences": "occurrences", "Timeslices": "timeslices", "RatioTimeslices": "ratio_timeslices"}
_SLUG = re.compile(r"[^a-z0-9_-]+")

OBJECTIVE_KEYS = (
    "displayName",
    "name",
    "op",
    "value",
    "target",
    "targetPercent",
    "timeSliceTarget",
    "timeSliceWindow",
)
REFUSED_OBJECTIVE = {
    "compositeWeight": "belongs to a composite SLO, whose objectives each give their indicator "
    "(indicatorRef or indicator) and no spec-level one",
    "indicator": "an objective's own indicator makes a composite SLO: the SLO then gives none",
    "indicatorRef": "an objective's own indicator makes a composite SLO: the SLO then gives none",
}


def slug(text: str) -> str:
    """An objective's displayName as a name: lower case, other characters as '-'."""
    return _SLUG.sub("-", text.strip().lower()).strip("-_") or "objective"


def seconds_text(seconds: float) -> str | None:
    """A threshold in seconds as our duration text ('300ms', '1s'); None if not whole milliseconds."""
    millis = round(seconds * 1000, 6)
    if millis <= 0 or millis != int(millis):
        return None
    return f"{int(millis) // 1000}s" if int(millis) % 1000 == 0 else f"{int(millis)}ms"


def _percent(ratio: float) -> float:
    return round(ratio * 100, 10)


def window_of(doc: OpenSloDoc) -> str | dict[str, Any]:
    windows = doc.items(("spec", "timeWindow"))
    if len(windows) != 1:
        doc.fail(("spec", "timeWindow"), f"expected one time window, got {len(windows)}")
    at: KeyPath = ("spec", "timeWindow", 0)
    doc.known_keys(at, ("duration", "isRolling", "calendar"))
    duration = doc.text((*at, "duration"))
    found = _DURATION.fullmatch(duration)
    if found is None:
        doc.fail((*at, "duration"), f"{duration!r} is not a duration such as 30d, 4w or 1M")
    count, unit = int(found.group(1)), found.group(2)
    rolling = doc.get((*at, "isRolling"))
    if rolling is None:
        rolling = not doc.has((*at, "calendar"))
    if rolling:
        if doc.has((*at, "calendar")):
            doc.fail((*at, "calendar"), "a rolling window takes no calendar")
        if unit in "MQY":
            doc.fail(
                (*at, "duration"), f"a rolling window of {duration} has no fixed length: use days or weeks"
            )
        return duration
    if count != 1 or unit not in _CALENDAR_UNITS:
        doc.fail((*at, "duration"), f"a calendar window is 1w, 1M or 1Q, not {duration!r}")
    calendar_at = (*at, "calendar")
    doc.known_keys(calendar_at, ("startTime", "timeZone"))
    _check_alignment(doc, (*calendar_at, "startTime"), _CALENDAR_UNITS[unit])
    window: dict[str, Any] = {"calendar": _CALENDAR_UNITS[unit]}
    if zone := doc.optional_text((*calendar_at, "timeZone")):
        window["time_zone"] = zone
    return window


def _check_alignment(doc: OpenSloDoc, at: KeyPath, unit: str) -> None:
    """Our calendar periods start on ISO Mondays, the 1st of a month, or of a quarter, at 00:00."""
    start = doc.get(at)
    if start is None:
        return
    text = str(start)
    found = re.fullmatch(r"(\d{4})-(\d{2})-(\d{2})(?:[ T](\d{2}):(\d{2})(?::(\d{2}))?)?", text)
    if found is None:
        doc.fail(at, f"{text!r} is not a date and time such as 2024-01-01 00:00:00")
    year, month, day = (int(found.group(i)) for i in (1, 2, 3))
    midnight = all((found.group(i) or "00") == "00" for i in (4, 5, 6))
    aligned = {
        "week": date(year, month, day).isoweekday() == 1,
        "month": day == 1,
        "quarter": day == 1 and month in (1, 4, 7, 10),
    }[unit]
    if not (aligned and midnight):
        doc.fail(at, f"a calendar {unit} here starts at 00:00 on its first day (a Monday for a week)")


def threshold_of(doc: OpenSloDoc, index: int) -> str:
    at: KeyPath = ("spec", "objectives", index)
    op = doc.text((*at, "op")) if doc.has((*at, "op")) else None
    if op != "lte":
        doc.fail(
            (*at, "op"),
            f"a latency objective reads op: lte (reliability counts events at or under the threshold, "
            f"as histogram `le` buckets do), not {op!r}",
        )
    seconds = doc.number((*at, "value"), 0, 86400)
    text = seconds_text(seconds)
    if text is None:
        doc.fail((*at, "value"), f"{seconds!r} s is not a whole number of milliseconds")
    return text


COMPOSITE_OBJECTIVE_KEYS = ("indicator", "indicatorRef", "compositeWeight")


def objectives_of(
    doc: OpenSloDoc, thresholds: list[str | None], own_sli: Callable[[str], str], composite: bool = False
) -> dict[str, Any]:
    """The SLO's objective and budgeting, or an `objectives:` list when there are several."""
    method_name = doc.text(("spec", "budgetingMethod"))
    if method_name not in _METHODS:
        doc.fail(("spec", "budgetingMethod"), f"expected one of {', '.join(_METHODS)}, got {method_name!r}")
    method = _METHODS[method_name]
    objectives = doc.items(("spec", "objectives"))
    if not objectives:
        doc.fail(("spec", "objectives"), "expected at least one objective")
    auto = doc.annotation(("metadata",), "objective") == "auto"
    read = []
    for index in range(len(objectives)):
        at: KeyPath = ("spec", "objectives", index)
        if composite:  # each objective has its indicator: a part of a weighted composite
            doc.known_keys(at, (*OBJECTIVE_KEYS, *COMPOSITE_OBJECTIVE_KEYS))
        else:
            doc.known_keys(at, OBJECTIVE_KEYS, REFUSED_OBJECTIVE)
        named = doc.get((*at, "name")) or doc.get((*at, "displayName")) or f"o{index + 1}"
        one: dict[str, Any] = {"name": slug(str(named))}
        if auto:
            one["objective"] = "auto"
        elif doc.has((*at, "targetPercent")):
            one["objective"] = round(doc.number((*at, "targetPercent"), 0, 100), 10)
        else:
            one["objective"] = _percent(doc.number((*at, "target"), 0, 1))
        if thresholds and thresholds[index] is not None:
            one["threshold"] = thresholds[index]
        one["budgeting"] = _budgeting(doc, at, method)
        read.append(one)
    if composite:
        return {"objectives": read}
    if len(read) == 1:
        single = {k: v for k, v in read[0].items() if k != "name"}
        if "threshold" in single:  # one latency objective away from the SLI's threshold: an SLI of its own
            single["sli"] = own_sli(single.pop("threshold"))
        if single["budgeting"] is None:
            del single["budgeting"]
        return single
    for one in read:
        if one["budgeting"] is None:
            del one["budgeting"]
    return {"objectives": read}


def _budgeting(doc: OpenSloDoc, at: KeyPath, method: str) -> dict[str, Any] | None:
    if method == "occurrences":
        for key in ("timeSliceTarget", "timeSliceWindow"):
            if doc.has((*at, key)):
                doc.fail((*at, key), "applies to Timeslices and RatioTimeslices budgeting, not Occurrences")
        return None
    budgeting: dict[str, Any] = {"method": method}
    if doc.has((*at, "timeSliceWindow")):
        window = doc.text((*at, "timeSliceWindow"))
        if not re.fullmatch(r"[0-9]+[mhd]", window):
            doc.fail((*at, "timeSliceWindow"), f"{window!r}: a time slice is whole minutes, hours or days")
        budgeting["slice"] = window
    if method == "timeslices":
        budgeting["target"] = _percent(doc.number((*at, "timeSliceTarget"), 0, 1))
    elif doc.has((*at, "timeSliceTarget")):
        doc.fail((*at, "timeSliceTarget"), "RatioTimeslices averages the slices' ratios: no slice target")
    return budgeting
