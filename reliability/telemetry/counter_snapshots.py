"""The counter-snapshot source: JSON Lines of cumulative counters into per-minute increases.

Each line is one snapshot (NGINX Plus `/status` or `/api`, or any periodic dump); each counter,
read at its dotted path (under every key of the `each` map when set), is a series sampled at
the snapshot's time. The series then take the OpenMetrics source's path unchanged: repeats,
counter resets and the first sample as baseline as reliability.core.counters treats them.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa

from reliability.config.model import CounterSnapshotSource
from reliability.telemetry import convert
from reliability.telemetry.bad_records import BadRecords, skip_or_stop
from reliability.telemetry.json_lines import dotted, iter_json_lines
from reliability.telemetry.openmetrics_files import FoundSamples, series_key_of


@dataclass
class _FileSamples:
    """The counters of one file's snapshots, and its bad records."""

    bad: BadRecords
    keys: list[str] = field(default_factory=list)
    values: list[float] = field(default_factory=list)
    snapshot: list[int] = field(default_factory=list)  # index into the snapshot lists of each value
    stamp_lines: list[int] = field(default_factory=list)
    stamp_texts: list[str | None] = field(default_factory=list)


def read_file(source: CounterSnapshotSource, path: Path, found: FoundSamples) -> set[float]:
    """The file's good samples into `found`; the times of the snapshots that gave one."""
    file = _FileSamples(BadRecords(str(path)))
    for record in iter_json_lines(path):
        if not isinstance(record.value, dict):
            file.bad.reject(record.line, "malformed snapshot", "", record.error or "not a JSON object")
            continue
        stamp = dotted(record.value, source.timestamp)
        if stamp is None:
            file.bad.reject(record.line, "missing timestamp", source.timestamp, "(absent)")
            continue
        file.stamp_lines.append(record.line)
        file.stamp_texts.append(None if stamp is None else str(stamp))
        for key, entry, where in _entries(source, record.value, record.line, file):
            for counter in source.counters:
                value = dotted(entry, counter.path)
                place = f"{where}{counter.path}"
                if value is None:
                    file.bad.reject(record.line, "missing counter", place, "(absent)")
                elif (
                    isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value)
                ):
                    file.bad.reject(record.line, "invalid counter value", place, value)
                elif value < 0:
                    file.bad.reject(record.line, "negative counter value", place, value)
                else:
                    labels = () if key is None else ((source.key_label, key),)
                    file.keys.append(series_key_of(counter.name, labels))
                    file.values.append(float(value))
                    file.snapshot.append(len(file.stamp_lines) - 1)
    stamps = convert.to_epoch_seconds(pa.array(file.stamp_texts, pa.string()), source.timestamp_format)
    usable = ~stamps.missing & ~stamps.invalid & np.isfinite(stamps.values)
    for index in np.flatnonzero(~usable):
        reason = "missing timestamp" if stamps.missing[index] else "invalid timestamp"
        file.bad.reject(
            file.stamp_lines[index], reason, source.timestamp, file.stamp_texts[index] or "(absent)"
        )
    snapshot = np.asarray(file.snapshot, dtype=np.int64)
    kept = usable[snapshot] if snapshot.size else np.zeros(0, dtype=bool)
    lines = np.asarray(file.stamp_lines, dtype=np.int64)[snapshot[kept]]
    # A snapshot without a usable time is one bad record, whatever number of counters it holds.
    found.report.files[str(path)] = int(kept.sum()) + file.bad.count
    skip_or_stop(found.report, file.bad.found(), found.strict)
    keys = pa.array([k for k, keep in zip(file.keys, kept, strict=True) if keep], pa.string())
    values = np.asarray(file.values)[kept] if kept.size else np.zeros(0)
    stamp_of = stamps.values[snapshot[kept]]
    found.add_samples(str(path), keys, stamp_of, values, lines)
    return set(np.unique(stamp_of).tolist())


def _entries(
    source: CounterSnapshotSource, snapshot: dict[str, Any], line: int, file: _FileSamples
) -> list[tuple[str | None, Any, str]]:
    """(map key or None, the object its counters are read from, its dotted path prefix)."""
    if source.each is None:
        return [(None, snapshot, "")]
    entries = dotted(snapshot, source.each)
    if not isinstance(entries, dict):
        file.bad.reject(
            line, "missing map" if entries is None else "not a map", source.each, entries or "(absent)"
        )
        return []
    return [(str(key), entry, f"{source.each}.{key}.") for key, entry in entries.items()]
