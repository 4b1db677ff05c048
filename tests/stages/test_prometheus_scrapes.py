"""A folder of Prometheus text scrapes: each file's scrape time from where the config says,
increases across scrapes as OpenMetrics counters have them, one scrape refused as a baseline."""

from __future__ import annotations

import itertools
import os
import re
import shutil
from pathlib import Path

import pytest
from support.file_sources import read_config
from typer.testing import CliRunner

from reliability.cli import app
from reliability.config import load_config
from reliability.errors import ConfigError, InputError

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "prometheus-scrapes"
NOW = "2026-12-07T10:11:00Z"
T0 = 1_796_637_600  # 2026-12-07T10:00:00Z


@pytest.fixture
def example(tmp_path: Path) -> Path:
    shutil.copytree(EXAMPLE, tmp_path / "scrapes")
    return tmp_path / "scrapes"


def counter_values(folder: Path, code: str | None) -> list[float]:
    values = []
    for path in sorted((folder / "scrapes").glob("*.prom")):
        lines = [ln for ln in path.read_text().splitlines() if ln.startswith("http_requests_total{")]
        values.append(sum(float(ln.split()[-1]) for ln in lines if code is None or f'code="{code}' in ln))
    return values


def direct_increase(values: list[float]) -> int:
    return int(sum(b if b < a else b - a for a, b in itertools.pairwise(values)))


def test_the_numbers_equal_a_direct_count_over_the_scrapes(example: Path) -> None:
    read = read_config(example / "config.yaml", NOW)
    total, bad = direct_increase(counter_values(example, None)), direct_increase(counter_values(example, "5"))
    assert read.total["api", "availability"] == total > 0
    assert read.good["api", "availability"] == total - bad
    assert read.total["api", "latency"] > 0
    assert read.report.skipped_total == 0


def use_time_from(folder: Path, how: str) -> None:
    config = folder / "config.yaml"
    text = re.sub(
        r"scrape_time:( \{from: \w+\})?\n(      .*\n)*", f"scrape_time: {{from: {how}}}\n", config.read_text()
    )
    assert f"from: {how}" in text
    config.write_text(text)


def test_a_timestamp_comment_and_the_mtime_give_the_same_numbers(example: Path) -> None:
    expected = read_config(example / "config.yaml", NOW).total
    files = sorted((example / "scrapes").glob("*.prom"))
    for minute, path in enumerate(files):
        os.utime(path, (T0 + 60 * minute, T0 + 60 * minute))
    use_time_from(example, "mtime")
    assert read_config(example / "config.yaml", NOW).total == expected
    for minute, path in enumerate(files):
        path.write_text(f"# timestamp {T0 + 60 * minute}\n" + path.read_text())
        os.utime(path, (T0, T0))  # all alike: the comment must be what is read
    use_time_from(example, "comment")
    assert read_config(example / "config.yaml", NOW).total == expected


def test_a_single_scrape_is_a_baseline_and_the_error_says_two_are_needed(example: Path) -> None:
    for path in sorted((example / "scrapes").glob("*.prom"))[1:]:
        path.unlink()
    with pytest.raises(InputError, match=r"only one scrape; .* at least two scrapes"):
        read_config(example / "config.yaml", NOW)


def test_a_scrape_without_its_time_is_a_located_error(example: Path) -> None:
    use_time_from(example, "comment")
    with pytest.raises(InputError, match=r"orders-20261207T100000Z.prom: # timestamp: no `# timestamp"):
        read_config(example / "config.yaml", NOW)


def test_a_file_name_outside_the_pattern_is_a_located_error(example: Path) -> None:
    shutil.copy(
        example / "scrapes" / "orders-20261207T100000Z.prom", example / "scrapes" / "orders-latest.prom"
    )
    with pytest.raises(InputError, match=r"orders-latest.prom: scrape_time: file name does not match"):
        read_config(example / "config.yaml", NOW)


def test_a_bad_sample_stops_a_strict_run_at_its_file_and_line(example: Path) -> None:
    path = example / "scrapes" / "orders-20261207T100300Z.prom"
    lines = path.read_text().splitlines()
    lines[3] = 'http_requests_total{code="200"} lots'
    path.write_text("\n".join(lines) + "\n")
    with pytest.raises(InputError, match=r"orders-20261207T100300Z.prom:4: invalid sample value: lots"):
        read_config(example / "config.yaml", NOW, strict=True)
    read = read_config(example / "config.yaml", NOW)
    assert read.report.skipped == {"invalid sample value": 1}


def test_a_sample_with_its_own_timestamp_is_refused(example: Path) -> None:
    path = example / "scrapes" / "orders-20261207T100300Z.prom"
    lines = path.read_text().splitlines()
    lines[3] += " 1796637780000"
    path.write_text("\n".join(lines) + "\n")
    read = read_config(example / "config.yaml", NOW)
    assert read.report.skipped == {"sample with its own timestamp in a scrape": 1}


@pytest.mark.parametrize(
    ("scrape_time", "problem"),
    [
        ("{from: file_name, pattern: 'orders-(\\d+'}", "scrape_time.pattern: is not a regular expression"),
        ("{from: file_name, pattern: 'orders-(\\d+)'}", "scrape_time.pattern: needs a group named `time`"),
        ("{from: file_name}", "pattern"),
        ("{from: mtime, pattern: 'x'}", "scrape_time"),
    ],
)
def test_a_scrape_time_that_cannot_work_is_a_config_error(
    example: Path, scrape_time: str, problem: str
) -> None:
    config = example / "config.yaml"
    config.write_text(
        re.sub(r"scrape_time:\n(      .*\n)+", lambda _: f"scrape_time: {scrape_time}\n", config.read_text())
    )
    with pytest.raises(ConfigError) as caught:
        load_config(config)
    assert problem in str(caught.value)
    assert "config.yaml:" in str(caught.value)


def test_scraped_series_become_rules_as_openmetrics_ones_do(example: Path) -> None:
    result = CliRunner().invoke(app, ["rules", str(example / "config.yaml"), "--out", str(example / "rules")])
    assert result.exit_code == 0, result.output
    rules = (example / "rules" / "orders.rules.yml").read_text()
    assert 'http_requests_total{code=~"5..",handler=~"/api/orders"}' in rules
