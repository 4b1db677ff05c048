"""The README's two set-up commands stay true: CI runs the second one verbatim."""

from __future__ import annotations

import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path


def commands(repo: Path) -> list[str]:
    text = (repo / "README.md").read_text()
    quick_start = text.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"```(?:sh|bash)\n(.+?)\n```", quick_start, re.S)


def test_readme_has_exactly_two_set_up_commands(repo: Path) -> None:
    found = commands(repo)
    assert len(found) == 2
    assert "reliability run config" in found[0]
    assert "pytest" in found[1]


def test_ci_runs_the_readme_test_command(repo: Path) -> None:
    ci = (repo / ".ci" / "run").read_text()
    assert commands(repo)[1] in ci.splitlines()
    assert "export RELIABILITY_REQUIRE_REAL=1" in ci


def test_the_printed_example_is_the_golden_summary(repo: Path) -> None:
    """The README shows exactly what `reliability run config` prints (pinned in tests/golden)."""
    text = (repo / "README.md").read_text()
    shown = re.search(r"The example prints:\n\n```\n(.+?)```", text, re.S)
    assert shown is not None
    golden = repo / "tests" / "golden" / "example" / "expected" / "stdout" / "run.txt"
    assert shown.group(1) == golden.read_text()


def test_the_readme_run_command_rewrites_the_committed_example_outputs_byte_for_byte(
    repo: Path, tmp_path: Path
) -> None:
    """Running the example must leave a clone's generated/ as committed (git status clean)."""
    reliability_args = shlex.split(commands(repo)[0].split("&&")[-1])[1:]
    assert reliability_args[:2] == ["run", "config"]
    shutil.copytree(repo / "config", tmp_path / "config")
    shutil.copytree(
        repo / "generated", tmp_path / "generated", ignore=shutil.ignore_patterns("ledger.sqlite*")
    )
    committed = {
        p.relative_to(tmp_path): p.read_bytes() for p in (tmp_path / "generated").rglob("*") if p.is_file()
    }
    done = subprocess.run(
        [sys.executable, "-m", "reliability", *reliability_args],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    after = {
        p.relative_to(tmp_path): p.read_bytes() for p in (tmp_path / "generated").rglob("*") if p.is_file()
    }
    assert {path: after.get(path) for path in committed} == committed
    assert set(after) - set(committed) == {Path("generated/ledger.sqlite")}
