"""The formula registry: the README's reference lists every formula verbatim, and the outputs quote it."""

from __future__ import annotations

from pathlib import Path

from reliability import formulas
from reliability.conventions import Metric
from reliability.exporters.metrics import HELP
from reliability.formulas import FORMULAS, Formula

REFERENCE = "## Reference: every number and its formula"


def reference_section(readme: str) -> str:
    return readme.split(REFERENCE, 1)[1].split("\n## ", 1)[0]


def missing_from(section: str, registry: tuple[Formula, ...]) -> list[str]:
    return [formula.name for formula in registry if formula.text not in section]


def test_the_readme_reference_carries_every_formula_verbatim(repo: Path) -> None:
    section = reference_section((repo / "README.md").read_text())
    assert missing_from(section, FORMULAS) == [], "formulas missing from the README's reference section"


def test_a_formula_missing_from_the_reference_is_named() -> None:
    section = f"| `{formulas.SLI.text}` | ratio |\n| `burn rate = bad / total` | x |\n"
    assert missing_from(section, (formulas.SLI, formulas.BURN_RATE)) == ["burn rate"]


def test_texts_are_one_line_without_braces_and_names_are_unique() -> None:
    # Dashboards put the texts into str.format templates, and HELP lines end at a newline.
    for formula in FORMULAS:
        text = formula.text + formula.unit
        assert "\n" not in text and "{" not in text and "}" not in text, formula.name
    names = [formula.name for formula in FORMULAS]
    assert len(names) == len(set(names))


def test_metric_help_opens_with_the_registry_formula() -> None:
    stated = {
        Metric.SLI: formulas.SLI,
        Metric.BUDGET_REMAINING: formulas.BUDGET_REMAINING,
        Metric.BURN_RATE: formulas.BURN_RATE,
        Metric.EXHAUSTION: formulas.EXHAUSTION,
        Metric.ALERT: formulas.ALERT_CONDITION,
        Metric.SLA_ATTAINED: formulas.SLA_ATTAINMENT,
        Metric.SLA_BREACH: formulas.SLA_BREACH,
    }
    for metric, formula in stated.items():
        assert HELP[metric].startswith(f"{formula.text} ({formula.unit})"), metric
    assert formulas.CURRENT_BURN.text in HELP[Metric.EXHAUSTION]
