"""The before/after comparison: margins in points and in error-ratio growth, p99, no data, globs."""

from __future__ import annotations

import pytest

from reliability.actions.baseline import Figures, RunFigures, compare, margins
from reliability.actions.gate import Verdict
from reliability.errors import ReliabilityError


def _run(**slos: Figures) -> RunFigures:
    return RunFigures(
        "id", "2026-11-05T12:00:00Z", "here", {k.replace("__", "/"): v for k, v in slos.items()}
    )


DEFAULT = margins(None, None, None, False)


def test_without_margins_a_drop_of_a_tenth_of_a_point_is_allowed() -> None:
    ok = compare(_run(a__x=Figures(0.999)), _run(a__x=Figures(0.998)), [], DEFAULT)
    worse = compare(_run(a__x=Figures(0.999)), _run(a__x=Figures(0.9978)), [], DEFAULT)
    assert (ok.verdict, worse.verdict) == (Verdict.PASS, Verdict.STOP)
    assert worse.exit_code == 1
    assert worse.changes[0].change == pytest.approx(-0.0012)


def test_errors_from_none_are_infinitely_worse_by_ratio() -> None:
    result = compare(
        _run(a__x=Figures(1.0)), _run(a__x=Figures(0.9999)), [], margins(None, 10.0, None, False)
    )
    assert result.verdict is Verdict.STOP
    assert result.changes[0].reason == "error ratio from none, more than +1000%"


def test_p99_slower_than_its_margin_stops() -> None:
    before = _run(a__x=Figures(0.99, p99_seconds=0.2))
    result = compare(before, _run(a__x=Figures(0.99, p99_seconds=0.25)), [], DEFAULT)
    assert [(c.measure, c.verdict) for c in result.changes] == [("sli", Verdict.PASS), ("p99", Verdict.STOP)]
    assert result.changes[1].reason == "p99 +25.0%, more than +10%"


def test_an_slo_in_one_run_only_has_no_data_in_the_other() -> None:
    result = compare(_run(a__x=Figures(0.99)), _run(b__y=Figures(0.99)), [], DEFAULT)
    reasons = {c.slo: c.reason for c in result.changes}
    assert reasons == {"b/y": "no data in the baseline", "a/x": "no data in this run"}
    assert result.verdict is Verdict.UNDECIDED


def test_globs_select_and_a_glob_matching_nothing_is_an_error() -> None:
    runs = (_run(a__x=Figures(0.9), b__y=Figures(0.9)), _run(a__x=Figures(0.9), b__y=Figures(0.9)))
    assert [c.slo for c in compare(*runs, ["b/*"], DEFAULT).changes] == ["b/y"]
    with pytest.raises(ReliabilityError, match="--compare 'c/\\*' matches no SLO"):
        compare(*runs, ["c/*"], DEFAULT)


def test_nothing_to_compare_never_passes() -> None:
    assert compare(_run(), _run(), [], DEFAULT).verdict is Verdict.UNDECIDED
