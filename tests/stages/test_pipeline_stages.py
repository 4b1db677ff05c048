"""The pipeline's declared stage table: every stage once, in order, reading only what it declares."""

from __future__ import annotations

import pytest

from reliability import pipeline
from reliability.artifacts.sli_metrics import SliMetrics
from reliability.conventions import ARTIFACT_FILES, Stage


def test_every_stage_appears_once_in_order_and_every_file_has_a_writer() -> None:
    assert [step.stage for step in pipeline.STAGES] == list(Stage)
    assert {step.artifact_file for step in pipeline.STAGES} == set(ARTIFACT_FILES.values())
    for step in pipeline.STAGES:
        earlier = pipeline.STAGE_ORDER[: pipeline.STAGE_ORDER.index(step.stage)]
        assert set(step.reads) <= set(earlier), step.stage


def test_a_stage_cannot_read_an_artifact_it_did_not_declare() -> None:
    given = pipeline.StageInputs(Stage.SLA, (), None)  # type: ignore[arg-type]
    with pytest.raises(AssertionError, match="reads sli without declaring it"):
        given.artifact(Stage.SLI, SliMetrics)
