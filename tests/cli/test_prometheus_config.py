"""A Prometheus source's URL, timeout and limits are checked when the configuration loads (exit 2)."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from reliability.cli import app
from reliability.config import load_config
from reliability.config.model import PrometheusSource


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ('url: "http://host:99999"', "sources[0].url: not a usable URL: Port out of range 0-65535"),
        ('url: "http://host:nine"', "sources[0].url: not a usable URL: Port could not be cast"),
        ('url: "http://[::1"', "sources[0].url: not a usable URL: Invalid IPv6 URL"),
        ('url: "http:///api"', "sources[0].url: the URL names no host"),
        ('url: "http://host/?token=x"', "sources[0].url: a base URL takes no ?query or #fragment"),
        ('url: "http://host", timeout: 0s', "sources[0].timeout: must be longer than 0s"),
        ('url: "ftp://user:s3cret@host"', "sources[0].url: 'ftp://***@host' does not match '^https?://'"),
        ('url: "http://host", max_answer_size: 1GB', "sources[0].max_answer_size: '1GB' does not match"),
        ('url: "http://host", max_answer_size: 0MiB', "sources[0].max_answer_size: '0MiB' does not match"),
        ('url: "http://host", concurrency: 0', "sources[0].concurrency: 0 is less than the minimum of 1"),
    ],
)
def test_an_unusable_source_is_a_located_config_error(source: str, expected: str, tmp_path: Path) -> None:
    (tmp_path / "c.yaml").write_text(f"sources:\n  - {{name: p, type: prometheus, {source}}}\nservices: []\n")
    result = CliRunner().invoke(app, ["validate", str(tmp_path / "c.yaml")])
    assert result.exit_code == 2
    assert f"c.yaml:2: {expected}" in result.output
    assert "s3cret" not in result.output


def test_a_sources_limits_are_read_with_their_units(tmp_path: Path) -> None:
    (tmp_path / "c.yaml").write_text(
        "sources:\n"
        "  - {name: p, type: prometheus, url: 'http://host', max_answer_size: 3KiB, concurrency: 7}\n"
        "  - {name: q, type: prometheus, url: 'http://host'}\n"
        "services: []\n"
    )
    configured, default = load_config(tmp_path / "c.yaml").sources
    assert isinstance(configured, PrometheusSource) and isinstance(default, PrometheusSource)
    assert (configured.max_answer_bytes, configured.concurrency) == (3 * 1024, 7)
    assert (default.max_answer_bytes, default.concurrency) == (256 * 2**20, 4)
