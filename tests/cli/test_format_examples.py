"""Each example under examples/ (one per telemetry format) runs as its config's comment says,
reading every record and measuring every SLO."""

from __future__ import annotations

import json
import re
import shlex
from pathlib import Path

import pytest
from typer.testing import CliRunner

from reliability.cli import app

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
COUNTER_TYPES = re.compile(r"^    type: (counter_snapshots|prometheus_scrapes|otlp)$", re.MULTILINE)
# The counter-source examples; the text-log and nested-JSON examples (which skip a bad line on
# purpose) are checked against direct counts in tests/cli/test_log_examples.py.
CONFIGS = sorted(
    p
    for p in EXAMPLES.glob("*/*.yaml")
    if "# Run: reliability run" in p.read_text() and COUNTER_TYPES.search(p.read_text())
)


def test_every_format_has_its_example() -> None:
    types = {m for p in CONFIGS for m in re.findall(r"^    type: (\w+)", p.read_text(), re.MULTILINE)}
    assert {"counter_snapshots", "prometheus_scrapes", "otlp"} <= types


@pytest.mark.parametrize("config", CONFIGS, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_the_example_runs_as_its_comment_says(config: Path, tmp_path: Path) -> None:
    command = re.search(r"# Run: reliability (run .*)", config.read_text())
    assert command is not None
    args = shlex.split(command.group(1))
    args[1] = str(EXAMPLES.parent / args[1])
    args[args.index("--out") + 1] = str(tmp_path / "out")
    result = CliRunner().invoke(app, [*args, "--no-ledger"])
    assert result.exit_code == 0, result.output
    metrics = json.loads((tmp_path / "out" / "sli-metrics.json").read_text())
    for source in metrics["inputs"]:
        assert source["used"] > 0 and source["skipped_total"] == 0, source
    slis = [sli for component in metrics["components"] for sli in component["slis"]]
    assert slis and all(sli["windows"][-1]["total"] > 0 for sli in slis)


def test_the_readme_shows_each_example_config_as_it_is() -> None:
    readme = (EXAMPLES.parent / "README.md").read_text()
    shown = dict(re.findall(r"```yaml\n# (examples/\S+)\n(.*?)```", readme, re.S))
    assert set(shown) == {str(p.relative_to(EXAMPLES.parent)) for p in CONFIGS}
    for path, text in shown.items():
        assert text == (EXAMPLES.parent / path).read_text(), path
