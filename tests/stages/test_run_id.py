"""The run id and the ledger's config hash: a changed input changes them, a changed password does not."""

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
from reliability.config.model import Config
from reliability.ledger import config_sha256
from reliability.pipeline import run_id_of

EVALUATED_AT = 1_767_225_600  # 2026-01-01T00:00:00Z


def _config(folder: Path, url: str) -> Config:
    folder.mkdir()
    api = component("api", slo("api-availability"), source="prom", slis=[counter_availability("api")])
    shop = service("shop", api)
    return load_config(write_config(folder, shop, sources=[prometheus_source(url)]))


def _run_id(folder: Path, url: str) -> str:
    return run_id_of(_config(folder, url), EVALUATED_AT)


def test_a_password_in_a_source_url_does_not_make_the_run_id(tmp_path: Path) -> None:
    first = _run_id(tmp_path / "a", "http://ops:first-secret@127.0.0.1:9090")
    second = _run_id(tmp_path / "b", "http://ops:second-secret@127.0.0.1:9090")
    redacted = _run_id(tmp_path / "c", "http://***@127.0.0.1:9090")
    assert first == second == redacted


def test_another_host_makes_another_run_id(tmp_path: Path) -> None:
    first = _run_id(tmp_path / "a", "http://ops:secret@127.0.0.1:9090")
    other = _run_id(tmp_path / "b", "http://ops:secret@127.0.0.2:9090")
    assert first != other


def test_the_ledgers_config_hash_does_not_depend_on_a_password(tmp_path: Path) -> None:
    first = _config(tmp_path / "a", "http://ops:first-secret@127.0.0.1:9090")
    second = _config(tmp_path / "b", "http://ops:second-secret@127.0.0.1:9090")
    other_host = _config(tmp_path / "c", "http://ops:first-secret@127.0.0.2:9090")
    assert config_sha256(first.files) == config_sha256(second.files) != config_sha256(other_host.files)
