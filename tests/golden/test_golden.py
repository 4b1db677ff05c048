"""Every output of every golden case equals its expected file, byte for byte.

A change to an output is a reviewed diff of a golden file: `pytest tests/golden --update-golden`
rewrites the expected files from what the code prints now; commit them with the reason.
"""

from __future__ import annotations

import difflib
import os
import shutil
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import cache
from pathlib import Path

import pytest
from cases import CASES, HERE, NOT_COMPARED, OUTPUT_FOLDERS, Case
from typer.testing import CliRunner

from reliability.cli import app

PLAIN_ENV: dict[str, str | None] = {"FORCE_COLOR": None, "NO_COLOR": None, "TTY_COMPATIBLE": None}
MAX_DIFF_LINES = 120


@contextmanager
def _inside(folder: Path) -> Iterator[None]:
    previous = Path.cwd()
    os.chdir(folder)
    try:
        yield
    finally:
        os.chdir(previous)


def _run_case(case: Case, folder: Path) -> Path:
    """Run the case's commands in `folder`; return it, holding generated/, dashboards/ and stdout/."""
    shutil.copytree(case.config, folder / "config")
    (folder / "stdout").mkdir()
    runner = CliRunner()
    with _inside(folder):
        for step in case.steps():
            done = runner.invoke(app, list(step.argv), env=PLAIN_ENV)
            assert done.exit_code == step.exit_code, (
                f"{case.name}: reliability {' '.join(step.argv)} exited {done.exit_code}, "
                f"expected {step.exit_code}:\n{done.output}"
            )
            if step.stdout is not None:
                (folder / "stdout" / step.stdout).write_text(done.stdout, encoding="utf-8")
    return folder


def _files(root: Path) -> set[str]:
    if not root.is_dir():
        return set()
    return {
        p.relative_to(root).as_posix()
        for p in root.rglob("*")
        if p.is_file() and not p.name.startswith(".") and not p.name.startswith(NOT_COMPARED)
    }


def _expected_outputs(case: Case) -> list[str]:
    return sorted(f"{folder}/{name}" for folder in OUTPUT_FOLDERS for name in _files(case.expected(folder)))


def _split(output: str) -> tuple[str, str]:
    folder, _, name = output.partition("/")
    return folder, name


@pytest.fixture(scope="session")
def produced(tmp_path_factory: pytest.TempPathFactory) -> Callable[[Case], Path]:
    """Each case's outputs, produced once per test session."""

    @cache
    def outputs(case: Case) -> Path:
        return _run_case(case, tmp_path_factory.mktemp(f"golden-{case.name}"))

    return outputs


@pytest.fixture
def update_golden(request: pytest.FixtureRequest) -> bool:
    return bool(request.config.getoption("--update-golden"))


def _diff(expected: str, actual: str, name: str) -> str:
    lines = list(
        difflib.unified_diff(
            expected.splitlines(keepends=True), actual.splitlines(keepends=True), f"expected/{name}", name
        )
    )
    shown = "".join(lines[:MAX_DIFF_LINES])
    more = len(lines) - MAX_DIFF_LINES
    return shown + (f"\n... {more} more diff lines" if more > 0 else "")


@pytest.mark.parametrize(
    ("case", "output"),
    [
        pytest.param(case, output, id=f"{case.name}:{output}")
        for case in CASES
        for output in _expected_outputs(case)
    ],
)
def test_output_matches_golden_file(
    case: Case, output: str, produced: Callable[[Case], Path], update_golden: bool
) -> None:
    folder, name = _split(output)
    expected_path = case.expected(folder) / name
    actual_path = produced(case) / folder / name
    if update_golden:
        if actual_path.is_file():
            expected_path.write_bytes(actual_path.read_bytes())
        else:
            expected_path.unlink()
        return
    assert actual_path.is_file(), f"{case.name}: {output} is no longer written (expected {expected_path})"
    expected, actual = expected_path.read_text(encoding="utf-8"), actual_path.read_text(encoding="utf-8")
    assert actual == expected, (
        f"{case.name}: {output} differs from {expected_path} "
        f"(run `pytest tests/golden --update-golden` if the change is meant):\n"
        + _diff(expected, actual, output)
    )


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_every_output_has_a_golden_file(
    case: Case, produced: Callable[[Case], Path], update_golden: bool
) -> None:
    root = produced(case)
    new = [f"{folder}/{name}" for folder in OUTPUT_FOLDERS for name in sorted(_files(root / folder))]
    new = [output for output in new if output not in _expected_outputs(case)]
    if update_golden:
        for output in new:
            folder, name = _split(output)
            target = case.expected(folder) / name
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes((root / folder / name).read_bytes())
        return
    assert not new, f"{case.name}: outputs without a golden file (run with --update-golden): {new}"


@pytest.mark.parametrize("case", [c for c in CASES if c.published_folders], ids=lambda c: c.name)
def test_published_outputs_are_the_golden_files(
    case: Case, produced: Callable[[Case], Path], update_golden: bool
) -> None:
    """The example's generated/ and dashboards/ at the top of the repository are a copy of its golden
    files, written by --update-golden: the tests compare with tests/golden only, so a user's own run
    of the example, which rewrites these folders, cannot make them fail."""
    for folder, published in case.published_folders:
        assert case.expected(folder).resolve().is_relative_to(HERE), case.expected(folder)
        if not update_golden:
            continue
        fresh = produced(case) / folder
        for name in _files(published) - _files(fresh):
            (published / name).unlink()
        for name in _files(fresh):
            (published / name).parent.mkdir(parents=True, exist_ok=True)
            (published / name).write_bytes((fresh / name).read_bytes())
