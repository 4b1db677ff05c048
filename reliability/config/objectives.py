"""Several objectives on one SLO: each becomes an SLO of its own before the model is built.

An SLO `checkout-latency` with objectives `p95` and `p99` becomes the SLOs `checkout-latency_p95` and
`checkout-latency_p99` (ids `service/checkout-latency_p95`, ...). An objective's `threshold` (latency
SLIs only) counts against an SLI of the same kind named `sli_threshold` (`latency_1s`), added to the
component beside the declared one. The single-objective form is left exactly as it is. The names keep
to the characters every name may hold (artifacts, metric labels); one equal to a declared name is
reported as declared twice.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from reliability.config.yaml_source import KeyPath, YamlDocument
from reliability.errors import Problem

SEPARATOR = "_"
MAX_NAME = 64  # as the schema's names
ComponentsOf = Callable[[dict[str, Any]], list[tuple[dict[str, Any], KeyPath]]]
OBJECTIVE_KEYS = ("objective", "description", "budgeting")  # an objective's own value wins over the SLO's


def objective_slo_name(slo: str, objective: str) -> str:
    """The name of the SLO one objective of `slo` becomes."""
    return f"{slo}{SEPARATOR}{objective}"


def threshold_sli_name(sli: str, threshold: str) -> str:
    """The name of the SLI a latency objective with its own threshold counts against."""
    return f"{sli}{SEPARATOR}{threshold}"


def _under(key_path: KeyPath, prefix: KeyPath) -> bool:
    return tuple(key_path[: len(prefix)]) == prefix


@dataclass
class _Expansion:
    doc: YamlDocument
    data: Any
    lines: dict[KeyPath, int]
    problems: list[Problem] = field(default_factory=list)

    def moved(self, old: KeyPath, new: KeyPath, skip: str | None = None) -> dict[KeyPath, int]:
        """Lines under `old` (less its `skip` key) as they read under `new`."""
        found = {}
        for key_path, line in self.doc.lines.items():
            skipped = skip is not None and len(key_path) > len(old) and key_path[len(old)] == skip
            if _under(key_path, old) and not skipped:
                found[(*new, *key_path[len(old) :])] = line
        return found

    def slos(self, at: KeyPath, slos: list[Any], components_of: ComponentsOf) -> None:
        """Replace the list at `at` by its expanded SLOs; their components may gain threshold SLIs."""
        if not any(isinstance(slo, dict) and "objectives" in slo for slo in slos):
            return
        list_at = (*at, "slos")
        self.lines = {k: v for k, v in self.lines.items() if not _under(k, list_at) or k == list_at}
        expanded: list[Any] = []
        for index, slo in enumerate(slos):
            old = (*list_at, index)
            if not isinstance(slo, dict) or "objectives" not in slo:
                self.lines.update(self.moved(old, (*list_at, len(expanded))))
                expanded.append(slo)
                continue
            for o_index, objective in enumerate(slo["objectives"]):
                new = (*list_at, len(expanded))
                o_at = (*old, "objectives", o_index)
                self.lines.update(self.moved(old, new, skip="objectives"))
                self.lines.update(self.moved(o_at, new))
                one = {k: v for k, v in slo.items() if k != "objectives"}
                one |= {k: objective[k] for k in OBJECTIVE_KEYS if k in objective}
                one["name"] = objective_slo_name(slo["name"], objective["name"])
                if len(one["name"]) > MAX_NAME:
                    self._problem(o_at, "name", f"{one['name']!r} is longer than {MAX_NAME} characters")
                if "threshold" in objective:
                    one["sli"] = self.threshold_sli(slo, objective["threshold"], components_of(slo), o_at)
                    self.lines.pop((*new, "threshold"), None)
                expanded.append(one)
        slos[:] = expanded

    def threshold_sli(
        self,
        slo: dict[str, Any],
        threshold: str,
        components: list[tuple[dict[str, Any], KeyPath]],
        o_at: KeyPath,
    ) -> str:
        """The name of the SLI counting `threshold`, added to each component of the SLO that lacks it."""
        name = slo.get("sli")
        if name is None:
            self._problem(o_at, "threshold", "a composite SLO has no SLI whose threshold could change")
            return ""
        derived = threshold_sli_name(name, threshold)
        for comp, at in components:
            slis = comp.setdefault("slis", [])
            declared = next((s for s in slis if isinstance(s, dict) and s.get("name") == name), None)
            if declared is None:  # the cross-check reports the unknown SLI
                continue
            if declared.get("kind") != "latency":
                self._problem(o_at, "threshold", f"SLI {name!r} is not a latency SLI: it has no threshold")
                continue
            if any(isinstance(s, dict) and s.get("name") == derived for s in slis):
                continue
            s_at = (*at, "slis", len(slis))
            slis.append(copy.deepcopy(declared) | {"name": derived, "threshold": threshold})
            line = self.doc.line_of((*o_at, "threshold"))
            if line is not None:
                self.lines[s_at] = line
        return derived

    def _problem(self, at: KeyPath, key: str, message: str) -> None:
        where = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in (*at, key)).lstrip(".")
        self.problems.append(Problem(str(self.doc.path), message, self.doc.line_of((*at, key)), where))


def _components_of(placed: list[tuple[dict[str, Any], KeyPath]]) -> ComponentsOf:
    """The components an SLO of a list counts: the one holding the list, or those it names."""

    def chosen(slo: dict[str, Any]) -> list[tuple[dict[str, Any], KeyPath]]:
        if len(placed) == 1 and "components" not in slo:
            return placed
        return [(c, a) for c, a in placed if c.get("name") in slo.get("components", ())]

    return chosen


def expand_objectives(doc: YamlDocument) -> tuple[YamlDocument, list[Problem]]:
    """The document with every `objectives:` list expanded, and what could not be (schema-valid input)."""
    if not isinstance(doc.data, dict) or "objectives" not in str(doc.data):
        return doc, []
    work = _Expansion(doc, copy.deepcopy(doc.data), dict(doc.lines))
    for s_index, service in enumerate(work.data.get("services") or []):
        s_at: KeyPath = ("services", s_index)
        comps = service.get("components") or []
        placed = [(comp, (*s_at, "components", i)) for i, comp in enumerate(comps)]
        for comp, at in placed:
            work.slos(at, comp.get("slos") or [], _components_of([(comp, at)]))
        work.slos(s_at, service.get("slos") or [], _components_of(placed))
    return YamlDocument(doc.path, work.data, work.lines), work.problems
