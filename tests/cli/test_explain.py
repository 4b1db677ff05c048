"""`reliability explain`: each number traced to config lines, input files, its stage and its formula."""

from __future__ import annotations

import hashlib
import json
import math
import re
import shutil
from pathlib import Path
from typing import Any

import pytest
from conftest import EXAMPLE_CONFIG
from typer.testing import CliRunner, Result

from reliability import artifacts, formulas, pipeline
from reliability.cli import app
from reliability.config import load_config
from reliability.config.model import Config, EventSource
from reliability.conventions import ARTIFACT_FILES, MANIFEST_FILE, Stage
from reliability.stages import error_budgets, hooks, sla_compliance, sli_metrics, slo_targets
from reliability.trace.pipeline_map import FIELDS

SLO = "orders/checkout-availability"
NUMBER = re.compile(r"-?\d+(?:\.\d+)?(?:e[-+]?\d+)?")

runner = CliRunner()


def _explain(*args: str) -> Result:
    return runner.invoke(app, ["explain", *args])


@pytest.fixture(scope="module")
def config() -> Config:
    return load_config(EXAMPLE_CONFIG)


@pytest.fixture(scope="module")
def budget(example_run: Path) -> dict[str, Any]:
    data = artifacts.read(example_run / ARTIFACT_FILES[Stage.BUDGETS])
    return next(e for e in data["slos"] if e["slo"] == SLO)


def _numbers_after(line: str, marker: str) -> list[float]:
    return [float(n) for n in NUMBER.findall(line.split(marker, 1)[1])]


def _line(text: str, start: str) -> str:
    return next(line.strip() for line in text.splitlines() if line.strip().startswith(start))


def test_the_slo_component_and_source_config_lines(example_run: Path, config: Config) -> None:
    result = _explain(SLO, "sli", "--artifacts", str(example_run))
    assert result.exit_code == 0, result.output
    slo = next(s for s in config.slos if s.id == SLO)
    component = config.component("orders", "checkout")
    source = config.source(component.source)
    assert f"slo        {SLO}  {slo.origin.file}:{slo.origin.line}" in result.stdout
    assert f"component  orders/checkout  {component.origin.file}:{component.origin.line}" in result.stdout
    assert f"{source.name} (type events)  {source.origin.file}:{source.origin.line}" in result.stdout


def test_input_files_with_size_and_sha256(example_run: Path, config: Config) -> None:
    result = _explain(SLO, "sli", "--artifacts", str(example_run))
    source = config.source("orders-events")
    assert isinstance(source, EventSource) and source.paths
    for path in source.paths:
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
        assert f"{path}  {path.stat().st_size:,} bytes  sha256 {digest}" in result.stdout
    assert "storefront.csv.gz" not in result.stdout  # only what this SLO reads


def test_the_budget_formula_carries_the_artifact_numbers(example_run: Path, budget: dict[str, Any]) -> None:
    result = _explain(SLO, "budget_remaining", "--artifacts", str(example_run))
    assert result.exit_code == 0, result.output
    assert "budget_remaining  [error-budgets.json, stage budgets]" in result.stdout
    remaining_text = formulas.BUDGET_REMAINING.text
    line = _line(result.stdout, remaining_text)
    one, consumed, allowed, remaining = _numbers_after(line, f"{remaining_text} =")[:4]
    figures = budget["budget"]
    assert one == 1 and consumed == figures["consumed_events"]
    assert allowed == pytest.approx(figures["allowed_events"], rel=1e-6)
    assert remaining == pytest.approx(figures["remaining_ratio"], rel=1e-5)
    allowed_line = _line(result.stdout, formulas.ALLOWED.text)
    fraction, total, allowed_again = _numbers_after(allowed_line, f"{formulas.ALLOWED.text} =")
    assert (fraction, total) == (budget["budget_fraction"], budget["total"])
    assert allowed_again == pytest.approx(figures["allowed_events"], rel=1e-6)


def test_one_burn_rate_window(example_run: Path, budget: dict[str, Any]) -> None:
    result = _explain(SLO, "burn_rate:1h", "--artifacts", str(example_run))
    assert result.exit_code == 0, result.output
    rate = next(r for r in budget["burn_rates"] if r["window"] == "1h")
    line = _line(result.stdout, "burn rate (1h)")
    bad, total, fraction, error_ratio, fraction_again, value = _numbers_after(line, "(1 - objective) =")
    assert bad == rate["total"] - rate["good"] and total == rate["total"]
    assert fraction == fraction_again == budget["budget_fraction"]
    assert error_ratio == pytest.approx(bad / total, rel=1e-5)
    assert value == pytest.approx(rate["burn_rate"], rel=1e-5)
    assert "burn rate (5m)" not in result.stdout


def test_policy_names_the_rules_and_the_deciding_one(example_run: Path, budget: dict[str, Any]) -> None:
    result = _explain(SLO, "policy", "--artifacts", str(example_run))
    policy = budget["policy"]
    assert f"rules[{policy['rule']}] decided: {policy['state']} ({policy['reason']})" in result.stdout
    assert "rules in force: the built-in default" in result.stdout


def test_every_field_of_every_slo_is_explained(example_run: Path, config: Config) -> None:
    for slo in config.slos:
        result = _explain(slo.id, "--artifacts", str(example_run))
        assert result.exit_code == 0, f"{slo.id}: {result.output}"
        heads = [line.split("  [")[0] for line in result.stdout.splitlines() if "  [" in line]
        assert heads == list(FIELDS), slo.id


def test_a_composite_sli_is_the_product_of_its_dependencies(example_run: Path) -> None:
    result = _explain("orders/order-journey", "sli", "--artifacts", str(example_run))
    measured = artifacts.read(example_run / ARTIFACT_FILES[Stage.SLI])
    entry = next(s for s in measured["slos"] if s["slo"] == "orders/order-journey")
    line = _line(result.stdout, formulas.ALL_MUST_SUCCEED_SLI.text)
    numbers = _numbers_after(line, f"{formulas.ALL_MUST_SUCCEED_SLI.text} =")
    parts = entry["bad_units"]["parts"]
    error_ratios = numbers[1 : 2 * len(parts) : 2]  # (1 - e1) x (1 - e2) ...
    assert error_ratios == pytest.approx([p["error_ratio"] for p in parts], rel=1e-5)
    assert numbers[2 * len(parts)] == pytest.approx(math.prod(1 - e for e in error_ratios), rel=1e-5)


def test_list_shows_every_artifact_and_its_stage(example_run: Path) -> None:
    result = _explain("--list", "--artifacts", str(example_run))
    assert result.exit_code == 0, result.output
    for stage, file in ARTIFACT_FILES.items():
        assert re.search(rf"^{re.escape(file)}  \(stage {stage.value}\b", result.stdout, re.M), file
    assert f"{ARTIFACT_FILES[Stage.SLA]}  (stage sla, hooks)" in result.stdout
    assert "stage budgets reads sli-metrics.json, slo-targets.json, the configuration" in result.stdout
    inputs = artifacts.read(example_run / ARTIFACT_FILES[Stage.SLI])["inputs"]
    for source in inputs:
        for file_entry in source["files"]:
            assert f"{file_entry['path']} ({source['source']})" in result.stdout
    assert "holds slos[]: slo, service, component" in result.stdout


def test_list_without_artifacts_still_maps_the_pipeline(tmp_path: Path) -> None:
    result = _explain("--list", "--artifacts", str(tmp_path))
    assert result.exit_code == 0
    assert result.stdout.startswith("no artifacts to name the files from:")
    assert all(file in result.stdout for file in ARTIFACT_FILES.values())


def test_stage_inputs_match_what_the_pipeline_passes(
    config: Config, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Record which stage's output each stage is handed in a real run: the map must say the same."""
    produced: dict[int, Stage] = {}
    consumed: dict[Stage, set[Stage]] = {}

    def spy(module: Any, name: str, stage: Stage, plans: bool = False) -> None:
        real = getattr(module, name)

        def wrapper(*args: Any) -> Any:
            consumed[stage] = {produced[id(a)] for a in args if id(a) in produced}
            if plans:
                return []  # the plan itself is not under test
            output = real(*args)
            produced[id(output)] = stage
            return output

        monkeypatch.setattr(module, name, wrapper)

    for module, stage in (
        (sli_metrics, Stage.SLI),
        (slo_targets, Stage.TARGETS),
        (error_budgets, Stage.BUDGETS),
        (sla_compliance, Stage.SLA),
    ):
        spy(module, "build", stage)
    spy(hooks, "plan", Stage.HOOKS, plans=True)
    assert config.settings.evaluate_at is not None
    pipeline.run(config, pipeline.RunOptions(now=config.settings.evaluate_at.timestamp(), out_dir=tmp_path))
    assert consumed == {step.stage: set(step.reads) for step in pipeline.STAGES}


def test_unknown_slo_is_one_line_and_exit_2(example_run: Path) -> None:
    result = _explain("orders/checkout-availabilty", "--artifacts", str(example_run))
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr == (
        f"error: unknown SLO 'orders/checkout-availabilty': not in {example_run / 'error-budgets.json'}; "
        f"did you mean '{SLO}'?\n"
    )


@pytest.mark.parametrize(
    ("field", "expected"), [("budget", "unknown field 'budget'"), ("burn_rate:2d", "unknown window '2d'")]
)
def test_unknown_field_or_window_is_one_line_and_exit_2(example_run: Path, field: str, expected: str) -> None:
    result = _explain(SLO, field, "--artifacts", str(example_run))
    assert result.exit_code == 2
    assert result.stderr.startswith(f"error: {expected}") and len(result.stderr.splitlines()) == 1


def test_missing_artifacts_are_one_line(tmp_path: Path) -> None:
    result = _explain(SLO, "--artifacts", str(tmp_path))
    assert result.exit_code == 3
    assert result.stderr.startswith(f"error: {tmp_path / 'sli-metrics.json'}: no such artifact")


def test_changed_inputs_are_flagged(example_run: Path, tmp_path: Path) -> None:
    """Artifacts whose run id no longer matches the files: the hashes shown are of the files now."""
    folder = tmp_path / "artifacts"
    shutil.copytree(example_run, folder)
    manifest = artifacts.read(folder / MANIFEST_FILE)
    manifest["run_id"] = "0123456789abcdef"
    for file, entry in zip(ARTIFACT_FILES.values(), manifest["artifacts"], strict=True):
        data = artifacts.read(folder / file)
        data["run_id"] = "0123456789abcdef"
        text = json.dumps(data).encode()
        (folder / file).write_bytes(text)
        entry.update(file=file, sha256=hashlib.sha256(text).hexdigest(), bytes=len(text))
    (folder / MANIFEST_FILE).write_text(json.dumps(manifest))
    result = _explain(SLO, "sli", "--artifacts", str(folder))
    assert result.exit_code == 0, result.output
    assert "note: configuration or telemetry changed since run 0123456789abcdef" in result.stdout
    untouched = _explain(SLO, "sli", "--artifacts", str(example_run))
    assert "note:" not in untouched.stdout
