"""Shared fixtures; and the rule that a missing real binary fails under RELIABILITY_REQUIRE_REAL."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from support.clocks import patched_clocks

from reliability import pipeline
from reliability.config import load_config
from reliability.conventions import Stage

REPO = Path(__file__).resolve().parent.parent
EXAMPLE_CONFIG = REPO / "config"


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--update-golden",
        action="store_true",
        help="Rewrite the golden files in tests/golden (and the example's generated/ and dashboards/) "
        "from what the code writes now, instead of comparing.",
    )


_running: list[pytest.Item] = []  # the test being run, so require_binary can check its marker


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_protocol(item: pytest.Item) -> Iterator[None]:
    _running.append(item)
    try:
        yield
    finally:
        _running.pop()


def require_binary(name: str) -> str:
    """Path of a program the test needs; skip without it, or fail when CI demands real parts.

    Only tests marked `real` may ask, so `pytest -m "not real"` runs exactly the tests that need
    nothing but Python.
    """
    if _running and _running[-1].get_closest_marker("real") is None:
        pytest.fail(f"{_running[-1].nodeid} needs {name}: mark it @pytest.mark.real")
    found = shutil.which(name)
    if found:
        return found
    message = f"{name} is not installed (apt-get install it, or see .ci/run)"
    if os.environ.get("RELIABILITY_REQUIRE_REAL") == "1":
        pytest.fail(f"RELIABILITY_REQUIRE_REAL=1 but {message}")
    pytest.skip(message)


@pytest.fixture(autouse=True)
def clocks_left_real() -> Iterator[None]:
    """Fail the test that leaves a clock patched, rather than skew the time of every test after it."""
    yield
    patched = patched_clocks()
    assert not patched, (
        f"left patched after the test: {', '.join(patched)} (stop freeze_time, undo the patch)"
    )


@pytest.fixture
def repo() -> Path:
    return REPO


@pytest.fixture
def example_config() -> Path:
    return EXAMPLE_CONFIG


@pytest.fixture(scope="session")
def example_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The example's artifacts at its pinned time, stopping before hooks (no planned action): read-only,
    shared by the modules that only read them; copy the folder before changing it."""
    config = load_config(EXAMPLE_CONFIG)
    assert config.settings.evaluate_at is not None
    out = tmp_path_factory.mktemp("example-before-hooks")
    options = pipeline.RunOptions(now=config.settings.evaluate_at.timestamp(), out_dir=out, until=Stage.SLA)
    pipeline.run(config, options)
    return out


@pytest.fixture(autouse=True)
def plain_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tests compare plain text: a developer's or CI's FORCE_COLOR must not turn it into ANSI codes.

    Tests of the coloured output ask for it themselves.
    """
    for variable in ("FORCE_COLOR", "TTY_COMPATIBLE", "TTY_INTERACTIVE"):
        monkeypatch.delenv(variable, raising=False)
