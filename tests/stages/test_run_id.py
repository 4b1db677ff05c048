"""The run id: the same inputs give the same id, a changed input another, a changed password none."""

from __future__ import annotations

from pathlib import Path

from support.configs import (
    component,
    counter_availability,
    prometheus_source,
    service,
    slo,
    write_config,
)

from reliability.config import load_config
from reliability.pipeline import run_id_of

EVALUATED_AT = 1_767_225_600  # 2026-01-01T00:00:00Z


def _run_id(folder: Path, url: str) -> str:
    folder.mkdir()
    api = component("api", slo("api-availability"), source="prom", slis=[counter_availability("api")])
    shop = service("shop", api)
    path = write_config(folder, shop, sources=[prometheus_source(url)])
    return run_id_of(load_config(path), EVALUATED_AT)


def test_a_password_in_a_source_url_does_not_make_the_run_id(tmp_path: Path) -> None:
    first = _run_id(tmp_path / "a", "http://ops:first-secret@127.0.0.1:9090")
    second = _run_id(tmp_path / "b", "http://ops:second-secret@127.0.0.1:9090")
    redacted = _run_id(tmp_path / "c", "http://***@127.0.0.1:9090")
    assert first == second == redacted


def test_another_host_makes_another_run_id(tmp_path: Path) -> None:
    first = _run_id(tmp_path / "a", "http://ops:secret@127.0.0.1:9090")
    other = _run_id(tmp_path / "b", "http://ops:secret@127.0.0.2:9090")
    assert first != other
