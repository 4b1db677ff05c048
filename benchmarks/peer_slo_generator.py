"""Google's slo-generator 2.6 as a peer: its own venv, SLO configs for our counters, one `compute` run.

It never joins the project's dependencies: the benchmark installs it into a venv of its own
(git-ignored, under benchmarks/data/) or is given its executable.
"""

from __future__ import annotations

import re
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

PEER_REQUIREMENTS = (
    "slo-generator[prometheus]==2.6.*",
    "setuptools<81",  # its CLI imports pkg_resources, which setuptools 81 removed
)
DEFAULT_VENV = Path(__file__).resolve().parent / "data" / "slo-generator-2.6-venv"
INSTALL_TIMEOUT_SECONDS = 600

# One report line per SLO and step, as `compute` logs it without exporters:
# "INFO - slo-0000 | 30d | SLI: 99.9001 % | SLO: 99.5 % | Gap: ... | Good: 25886694 | Bad: 25891"
REPORT_LINE = re.compile(
    r"^INFO - (?P<slo>\S+)\s*\| (?P<step>\S+)\s*\| SLI: (?P<percent>[0-9.eE+-]+)\s*%"
    r".*\| Good: (?P<good>\d+)\s*\| Bad: (?P<bad>\d+)"
)


@dataclass(frozen=True)
class Step:
    """A window of ours, as a step of slo-generator's error budget policy."""

    name: str
    seconds: int


@dataclass(frozen=True)
class Report:
    """One SLO in one window: its SLI and event counts (slo-generator rounds the SLI to 6 decimals)."""

    sli: float
    good: int
    bad: int


@dataclass(frozen=True)
class PeerRun:
    seconds: float
    reports: dict[tuple[str, str], Report]  # (SLO name, step name) -> its report
    returncode: int
    output_tail: str


def find_or_install(explicit: Path | None, venv: Path = DEFAULT_VENV) -> tuple[Path | None, str]:
    """slo-generator's executable and its version, or None and why it is missing."""
    binary = explicit or venv / "bin" / "slo-generator"
    if explicit is None and not binary.is_file():
        try:
            subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, capture_output=True)
            pip = [str(venv / "bin" / "python"), "-m", "pip", "install", "-q", *PEER_REQUIREMENTS]
            subprocess.run(pip, check=True, capture_output=True, text=True, timeout=INSTALL_TIMEOUT_SECONDS)
        except subprocess.CalledProcessError as failed:
            last = (failed.stderr or failed.stdout or "").strip().splitlines()[-1:] or ["no output"]
            return None, f"could not install {' '.join(PEER_REQUIREMENTS)} into {venv}: {last[0]}"
        except (OSError, subprocess.TimeoutExpired) as failed:
            return None, f"could not install {' '.join(PEER_REQUIREMENTS)} into {venv}: {failed}"
    found = version(binary)
    if not found.startswith("slo-generator v2.6."):
        return None, f"{binary} is not slo-generator 2.6: {found}"
    return binary, f"{found}, {binary}"


def version(binary: Path) -> str:
    """'slo-generator v2.6.0', or what went wrong instead."""
    try:
        done = subprocess.run([str(binary), "--version"], capture_output=True, text=True, check=False)
    except OSError as failed:
        return str(failed)
    return ((done.stdout.strip() or done.stderr.strip()).splitlines() or ["no output"])[-1]


def write_configs(folder: Path, url: str, slos: int, steps: list[Step], evaluate_at: int) -> Path:
    """The shared config (backend, error budget policy) and one ServiceLevelObjective file per SLO.

    Its Prometheus backend sends instant queries without a time, so the server evaluates them
    at its own clock; `@ evaluate_at` pins each window's end to ours. `operators: []` because
    good = requests - errors needs the whole expression written out.
    """
    policy = "".join(
        f"""
      - name: {step.name}
        window: {step.seconds}
        burn_rate_threshold: 1
        alert: false
        message_alert: over budget
        message_ok: within budget"""
        for step in steps
    )
    slo_folder = folder / "slos"
    slo_folder.mkdir(parents=True, exist_ok=True)
    shared = folder / "config.yaml"
    shared.write_text(
        f"""backends:
  prometheus:
    url: {url}
error_budget_policies:
  default:
    steps:{policy}
exporters: {{}}
"""
    )
    for index in range(slos):
        name = f"slo-{index:04d}"
        requests = f'increase(slo_requests_total{{slo="{name}"}}[window] @ {evaluate_at})'
        errors = f'increase(slo_errors_total{{slo="{name}"}}[window] @ {evaluate_at})'
        (slo_folder / f"{name}.yaml").write_text(
            f"""apiVersion: sre.google.com/v2
kind: ServiceLevelObjective
metadata:
  name: {name}
  labels: {{service_name: bench, feature_name: {name}, slo_name: availability}}
spec:
  description: availability of {name}
  backend: prometheus
  method: good_bad_ratio
  exporters: []
  service_level_indicator:
    filter_good: 'sum({requests}) - sum({errors})'
    filter_bad: 'sum({errors})'
    operators: []
  goal: 0.995
"""
        )
    return shared


def compute(binary: Path, shared_config: Path, evaluate_at: int) -> PeerRun:
    """One `slo-generator compute` over the folder of SLO configs, exporters off, timed whole."""
    argv = [
        str(binary),
        "compute",
        "--slo-config",
        str(shared_config.parent / "slos"),
        "--config",
        str(shared_config),
        "--timestamp",
        str(evaluate_at),
    ]
    started = time.perf_counter()
    done = subprocess.run(argv, capture_output=True, text=True, check=False)
    seconds = time.perf_counter() - started
    reports = {}
    for line in done.stdout.splitlines():
        found = REPORT_LINE.match(line)
        if found:
            reports[found["slo"], found["step"]] = Report(
                float(found["percent"]) / 100, int(found["good"]), int(found["bad"])
            )
    tail = "\n".join((done.stdout + done.stderr).strip().splitlines()[-5:])
    return PeerRun(seconds, reports, done.returncode, tail)
