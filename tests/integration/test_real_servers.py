"""The real-server helpers themselves: Prometheus and the Pushgateway start, answer and stop."""

from __future__ import annotations

import json
import urllib.request
from pathlib import Path

import pytest
from support.real_servers import prometheus, pushgateway

pytestmark = pytest.mark.real  # every test here starts a real server


def test_prometheus_starts_and_answers_queries(tmp_path: Path) -> None:
    with (
        prometheus(tmp_path) as base,
        urllib.request.urlopen(f"{base}/api/v1/query?query=1%2B1", timeout=5) as response,
    ):
        answer = json.load(response)
    assert answer["status"] == "success"
    assert answer["data"]["result"][1] == "2"


def test_pushgateway_starts(tmp_path: Path) -> None:
    with pushgateway(tmp_path) as base, urllib.request.urlopen(f"{base}/metrics", timeout=5) as response:
        assert b"pushgateway_build_info" in response.read()
