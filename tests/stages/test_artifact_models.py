"""The typed artifact records: their JSON is the shipped schema's, and reading it back loses nothing."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from reliability import artifacts
from reliability.artifacts.models import MODELS
from reliability.conventions import ARTIFACT_FILES
from reliability.errors import ReliabilityError

KINDS = [file.removesuffix(".json") for file in ARTIFACT_FILES.values()]


@pytest.mark.parametrize("kind", KINDS)
def test_the_record_writes_the_schema_keys(kind: str) -> None:
    assert MODELS[kind].json_keys() == set(artifacts.schema(kind)["properties"])


@pytest.mark.parametrize("kind", KINDS)
def test_the_example_artifact_round_trips(example_run: Path, kind: str) -> None:
    text = (example_run / f"{kind}.json").read_text()
    record = MODELS[kind].from_json(json.loads(text))
    written = record.to_json()
    assert artifacts.problems(kind, written) == []
    assert artifacts.to_json(written) == text
    assert MODELS[kind].from_json(written) == record


@pytest.mark.parametrize("kind", KINDS)
def test_the_checked_text_is_the_file_as_written(example_run: Path, kind: str) -> None:
    text = (example_run / f"{kind}.json").read_bytes()
    record = MODELS[kind].from_json(json.loads(text))
    assert artifacts.checked_text(kind, record) == text


def test_a_record_that_does_not_match_its_schema_is_not_written(example_run: Path) -> None:
    record = MODELS["slo-targets"].from_json(json.loads((example_run / "slo-targets.json").read_text()))
    with pytest.raises(ReliabilityError, match="does not match its schema"):
        artifacts.checked_text("sli-metrics", record)
