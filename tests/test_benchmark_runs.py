"""The benchmark still runs against the current stages (its figures are printed, never asserted)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

BENCHMARK = Path(__file__).resolve().parent.parent / "benchmarks" / "bench_pipeline.py"


def test_the_pipeline_benchmark_runs_on_a_small_input(tmp_path: Path) -> None:
    args = ["--events", "20000", "--components", "3", "--repeat", "1", "--data-dir", str(tmp_path)]
    result = subprocess.run(
        [sys.executable, str(BENCHMARK), *args], capture_output=True, text=True, timeout=300, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "SLI stage throughput" in result.stdout
    assert "pipeline.run" in result.stdout and "failed" not in result.stdout
