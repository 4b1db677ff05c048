"""Reading one pipeline run's artifacts, and finding an SLO's entries in them."""

from __future__ import annotations

import difflib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from reliability import artifacts
from reliability.conventions import ARTIFACT_FILES, Stage
from reliability.errors import EXIT_INVALID_CONFIG, InputError, ReliabilityError

EXIT_UNKNOWN = EXIT_INVALID_CONFIG  # an unknown SLO, field or window is a bad option


@dataclass(frozen=True)
class Run:
    """The artifacts of one pipeline run, schema-checked."""

    folder: Path
    artifacts: dict[Stage, dict[str, Any]]

    @property
    def header(self) -> dict[str, Any]:
        return next(iter(self.artifacts.values()))

    @property
    def run_id(self) -> str:
        return str(self.header["run_id"])

    @property
    def evaluated_at(self) -> str:
        return str(self.header["evaluated_at"])


def _read_artifact(path: Path, kind: str) -> dict[str, Any]:
    if not path.is_file():
        raise InputError(f"{path}: no such artifact: run `reliability run` first, or give --artifacts")
    try:
        data = artifacts.read(path)
    except OSError as exc:
        raise InputError(f"{path}: cannot read it: {exc.strerror or exc}") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise InputError(f"{path}: not valid JSON: {exc}") from None
    found = artifacts.problems(kind, data)
    if found:
        more = f" (and {len(found) - 1} more)" if len(found) > 1 else ""
        raise InputError(f"{path}: does not match the {kind} schema: {found[0]}{more}")
    return data


def read_run(folder: Path, stages: Iterable[Stage] = tuple(ARTIFACT_FILES)) -> Run:
    """The artifacts of `stages` in `folder`; InputError when one is missing, broken or from another run."""
    loaded = {
        stage: _read_artifact(folder / ARTIFACT_FILES[stage], ARTIFACT_FILES[stage].removesuffix(".json"))
        for stage in stages
    }
    # A run stopped early (--until) leaves older artifacts beside newer ones: never mix them.
    first_stage, first = next(iter(loaded.items()))
    for stage, data in loaded.items():
        if data["run_id"] != first["run_id"]:
            raise InputError(
                f"{folder}: {ARTIFACT_FILES[first_stage]} and {ARTIFACT_FILES[stage]} are from different "
                f"runs ({first['run_id']} and {data['run_id']}): run the pipeline again"
            )
    return Run(folder, loaded)


def unknown(what: str, name: str, known: Iterable[str], where: str) -> ReliabilityError:
    """An unknown name as one line, with the closest known one when there is one."""
    close = difflib.get_close_matches(name, list(known), n=1)
    hint = f"; did you mean {close[0]!r}?" if close else ""
    return ReliabilityError(f"unknown {what} {name!r}: not in {where}{hint}", EXIT_UNKNOWN)


def entry_of(run: Run, stage: Stage, slo_id: str) -> dict[str, Any]:
    for entry in run.artifacts[stage]["slos"]:
        if entry["slo"] == slo_id:
            return dict(entry)
    known = (e["slo"] for e in run.artifacts[stage]["slos"])
    raise unknown("SLO", slo_id, known, str(run.folder / ARTIFACT_FILES[stage]))


def matching_slas(budget_entry: dict[str, Any], sla_artifact: dict[str, Any]) -> list[dict[str, Any]]:
    """The SLAs on the SLO's component and SLI (none for composites and multi-component SLOs)."""
    key = (budget_entry["service"], budget_entry["component"], budget_entry["sli"])
    return [s for s in sla_artifact["slas"] if (s["service"], s["component"], s["sli"]) == key]
