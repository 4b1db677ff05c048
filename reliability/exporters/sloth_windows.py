"""Sloth's alert windows: its built-in 30- and 28-day catalog, and `AlertWindows` files.

A catalog maps an SLO period to four window pairs (page quick and slow, ticket quick and slow), each
spending `errorBudgetPercent` of the period's budget in its long window at factor = share x period /
long window. Sloth ships the Workbook's windows for 30d and 28d and keeps them fixed, so the 28-day
factors are 13.44, 5.6, 2.8 and 0.93. A windows path replaces that catalog, as in Sloth. For a period
no catalog covers, Sloth refuses; we scale the Workbook's windows to the period instead and say so.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from reliability.config.defaults import WORKBOOK_PAIRS
from reliability.config.model import AlertWindowPair
from reliability.config.scaled_windows import misfits, scaled_pairs
from reliability.errors import ConfigError
from reliability.exporters.rule_sources import _documents, _Fields, _join
from reliability.vocabulary import Window

WINDOWS_API = "sloth.slok.dev/v1"
WINDOWS_KIND = "AlertWindows"
LEGACY_WINDOWS_VERSION = "alertWindows/v1"  # Sloth's first format: the spec's fields at the top
DAY = 86400
# period seconds -> its pairs, in Sloth's order: page quick, page slow, ticket quick, ticket slow
Catalog = dict[int, tuple[AlertWindowPair, ...]]
BUILTIN_CATALOG: Catalog = {30 * DAY: WORKBOOK_PAIRS, 28 * DAY: WORKBOOK_PAIRS}
_PAIRS = (("page", "quick"), ("page", "slow"), ("ticket", "quick"), ("ticket", "slow"))


@dataclass(frozen=True)
class PeriodWindows:
    pairs: tuple[AlertWindowPair, ...]
    notes: tuple[str, ...] = ()


def _window(reader: _Fields, data: dict[str, Any], key: str, at: str) -> Window:
    try:
        return Window.parse(reader.text(data, key, at))
    except ValueError as exc:
        reader.fail(_join(at, key), str(exc))


def _pair(reader: _Fields, data: dict[str, Any], severity: str, speed: str, at: str) -> AlertWindowPair:
    tier = reader.mapping(data, severity, at, required=True)
    raw = reader.mapping(tier, speed, _join(at, severity), required=True)
    at = _join(at, f"{severity}.{speed}")
    percent = raw.get("errorBudgetPercent")
    if isinstance(percent, bool) or not isinstance(percent, int | float) or not 0 < percent <= 100:
        reader.fail(_join(at, "errorBudgetPercent"), f"expected a percent in (0, 100], got {percent!r}")
    short = _window(reader, raw, "shortWindow", at)
    long = _window(reader, raw, "longWindow", at)
    if short.seconds >= long.seconds:
        reader.fail(at, f"shortWindow {short} must be shorter than longWindow {long}")
    return AlertWindowPair(severity, long, short, percent / 100)


def _windows_spec(reader: _Fields, data: dict[str, Any]) -> tuple[dict[str, Any], str]:
    """The spec of one document and the path its fields are under."""
    if data.get("version") == LEGACY_WINDOWS_VERSION:
        return data, ""
    api = data.get("apiVersion")
    if api != WINDOWS_API or data.get("kind") != WINDOWS_KIND:
        reader.fail("", f"expected apiVersion {WINDOWS_API!r} and kind {WINDOWS_KIND!r}")
    return reader.mapping(data, "spec", "", required=True), "spec"


def _files(path: Path) -> list[Path]:
    if path.is_dir():
        files = sorted(p for p in path.rglob("*") if p.suffix in (".yaml", ".yml") and p.is_file())
        if not files:
            raise ConfigError(f"{path}: no *.yaml or *.yml file of AlertWindows in it")
        return files
    return [path]


def read_catalog(path: Path) -> Catalog:
    """The AlertWindows of a file, or of every YAML file under a folder (Sloth's catalog path)."""
    catalog: Catalog = {}
    for file in _files(path):
        for reader, data in _documents(file):
            spec, at = _windows_spec(reader, data)
            period = _window(reader, spec, "sloPeriod", at)
            if period.seconds in catalog:
                reader.fail(_join(at, "sloPeriod"), f"a second AlertWindows for {period}")
            catalog[period.seconds] = tuple(_pair(reader, spec, s, speed, at) for s, speed in _PAIRS)
    return catalog


def windows_for(period: Window, catalog: Catalog | None, catalog_path: Path | None) -> PeriodWindows:
    """The pairs Sloth alerts a `period` SLO with: from the catalog given, else from its built-in one;
    a period neither covers gets the Workbook's windows scaled to it, with a note."""
    if catalog is not None:
        if period.seconds not in catalog:
            known = ", ".join(Window.of(s).name for s in sorted(catalog))
            raise ConfigError(
                f"--slo-period-windows-path: no AlertWindows with sloPeriod {period} in {catalog_path} "
                f"(it has {known})"
            )
        pairs = catalog[period.seconds]
        return PeriodWindows(
            pairs, tuple(f"windows for {period}: {why}" for why in misfits(pairs, period.seconds))
        )
    if period.seconds in BUILTIN_CATALOG:
        return PeriodWindows(BUILTIN_CATALOG[period.seconds])
    note = (
        f"Sloth has windows for 30d and 28d only (others need --slo-period-windows-path): "
        f"the Workbook's windows are scaled to {period}, their budget shares kept"
    )
    return PeriodWindows(scaled_pairs(WORKBOOK_PAIRS, period.seconds), (note,))
