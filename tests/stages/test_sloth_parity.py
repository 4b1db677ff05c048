"""Parity with Sloth: our rules for Sloth's own test cases against the facts of Sloth's expected output.

Same records and labels, same alert windows and burn-rate factors. Where we differ on purpose
(one alert rule per window pair, the period's ratio, the current burn window, the no-data alert,
Sloth's provenance labels), the difference is asserted here and explained in the README.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml
from conftest import require_binary
from typer.testing import CliRunner

from reliability.cli import app
from reliability.durations import parse_duration
from reliability.exporters.rules import NO_DATA_ALERT
from reliability.exporters.sloth_specs import prometheus_duration

DATA = Path(__file__).parent / "data" / "rules" / "sloth"
EXPECTED = yaml.safe_load((DATA / "expected.yml").read_text())
# Ours on purpose: the 5m error and total rates of an events SLI, so the period's ratio is bad / total
OUR_EVENT_RATES = {"slo:sli_error:rate5m", "slo:sli_total:rate5m"}
# What our alert rules write beyond Sloth's: the SLO's ids (Sloth's alerts take them from the series)
# and which pair fired
OUR_ALERT_LABELS = (
    "sloth_id",
    "sloth_service",
    "sloth_slo",
    "sloth_severity",
    "long_window",
    "short_window",
    "reliability_tier",  # ours: a severity-name-proof label for Alertmanager inhibit rules
)
# Sloth's info series names its own build (sloth_mode, sloth_spec, sloth_version): not ours to claim
_CONDITION = re.compile(r"slo:sli_error:ratio_rate(\w+)\{[^}]*\} > \(([\d.]+) \* ([\d.]+)\)")
SLOTH_PERIOD_MEAN = (
    "sum_over_time(slo:sli_error:ratio_rate5m{{{sel}}}[{period}]) / ignoring(sloth_window) "
    "count_over_time(slo:sli_error:ratio_rate5m{{{sel}}}[{period}])"
)


def ids(slo_id: str) -> dict[str, str]:
    service, _, name = slo_id.partition("-")
    return {"sloth_id": slo_id, "sloth_service": service, "sloth_slo": name}


def selector(slo_id: str) -> str:
    return ", ".join(f'{k}="{v}"' for k, v in ids(slo_id).items())


def run_sloth(input_name: str, out: Path, *args: str) -> Any:
    """`rules --from-sloth` on a file of DATA; the argument `windows` stands for DATA's windows folder."""
    given = [str(DATA / "windows") if a == "windows" else a for a in args]
    return CliRunner().invoke(
        app, ["rules", "--from-sloth", str(DATA / input_name), "--out", str(out), *given]
    )


def generate(tmp_path: Path, input_name: str, *args: str) -> dict[str, list[dict[str, Any]]]:
    """Our rules for the case, by SLO id."""
    result = run_sloth(input_name, tmp_path, *args)
    assert result.exit_code == 0, result.output
    groups = yaml.safe_load((tmp_path / "svc01.rules.yml").read_text())["groups"]
    return {group["name"].removeprefix("slo-"): group["rules"] for group in groups}


def sloth_records(slo_id: str, period: dict[str, Any], extra: dict[str, str]) -> dict[str, dict[str, str]]:
    """The records Sloth writes for the SLO, with their labels."""
    facts = EXPECTED["slos"][slo_id]
    labels = facts["labels"] | extra | ids(slo_id)
    windows = {w for pairs in period["pairs"].values() for short, long, _ in pairs for w in (short, long)}
    records = {
        f"slo:sli_error:ratio_rate{w}": labels | {"sloth_window": w} for w in windows | {period["record"]}
    }
    records |= {record: labels for record in EXPECTED["metadata_records"]}
    records["sloth_slo_info"] = labels | {"sloth_objective": str(facts["objective"])}
    return records


def our_alerts(rules: list[dict[str, Any]], objective: float) -> dict[str, list[tuple[str, str, float]]]:
    """severity -> its window pairs as (short, long, factor), read back from the expressions."""
    pairs: dict[str, list[tuple[str, str, float]]] = {}
    for rule in rules:
        if "alert" not in rule or rule["alert"] == NO_DATA_ALERT:
            continue
        conditions = _CONDITION.findall(rule["expr"])
        labels = rule["labels"]
        assert [w for w, _, _ in conditions] == [labels["long_window"], labels["short_window"]]
        factors = {float(f) for _, f, _ in conditions}
        [budget] = {float(b) for _, _, b in conditions}
        assert len(factors) == 1 and budget == pytest.approx(1 - objective / 100)
        pairs.setdefault(labels["sloth_severity"], []).append(
            (labels["short_window"], labels["long_window"], factors.pop())
        )
    return pairs


@pytest.mark.parametrize("case_name", sorted(EXPECTED["cases"]))
def test_rules_for_sloths_cases_are_sloths_rules(case_name: str, tmp_path: Path) -> None:
    case = EXPECTED["cases"][case_name]
    period = EXPECTED["periods"][case["period"]]
    extra = case.get("extra_labels", {})
    ours = generate(tmp_path, case["input"], *case["args"])
    assert set(ours) == set(EXPECTED["slos"])
    for slo_id, facts in EXPECTED["slos"].items():
        rules = ours[slo_id]
        records = {r["record"]: r["labels"] for r in rules if "record" in r}
        expected = sloth_records(slo_id, period, extra) if case.get("recordings", True) else {}
        if records and slo_id == "svc01-slo1":  # an events SLI: our two rates come on top
            assert set(records) - set(expected) == OUR_EVENT_RATES
            records = {k: v for k, v in records.items() if k not in OUR_EVENT_RATES}
        assert records == expected
        days = [r["expr"] for r in rules if r.get("record") == "slo:time_period:days"]
        assert days == ([f"vector({period['days']})"] if records else [])

        alerts = [r for r in rules if "alert" in r]
        if not case.get("alerts", True):
            assert alerts == []
            continue
        # Ours on purpose: every SLO also alerts when it has no events to judge.
        assert [r["alert"] for r in alerts].count(NO_DATA_ALERT) == 1
        pairs = our_alerts(rules, facts["objective"])
        wanted = {
            severity: [(s, lo, pytest.approx(f)) for s, lo, f in period["pairs"][severity]]
            for severity in facts["alerts"]
        }
        assert pairs == wanted  # one rule per pair where Sloth ORs a severity's two pairs
        for rule in alerts:
            if rule["alert"] == NO_DATA_ALERT:
                continue
            alert = facts["alerts"][rule["labels"]["sloth_severity"]]
            assert rule["alert"] == alert["name"]
            own = {k: v for k, v in rule["labels"].items() if k not in OUR_ALERT_LABELS}
            # Sloth puts extra labels on the series only, so its alerts get them from there; we also
            # write them on the alert, so an alert from a recording made elsewhere has them too.
            assert own == alert["labels"] | extra
            assert rule["labels"]["reliability_tier"] == rule["labels"]["sloth_severity"]
            assert rule["annotations"]["alert02k1"] == "alert02k2"


def test_period_ratio_is_bad_over_total_where_sloth_averages_ratios(tmp_path: Path) -> None:
    """Sloth's period ratio is the mean of the 5m ratios; with the events an SLI gives, ours is the
    events' bad / total over the period, as `run` computes it. A raw SLI gives no events: Sloth's mean."""
    ours = generate(tmp_path, "base.yml", "--default-slo-period", "28d")
    events = {r["record"]: r["expr"] for r in ours["svc01-slo1"] if "record" in r}
    sel = selector("svc01-slo1")
    assert events["slo:sli_error:ratio_rate4w"] == (
        f"sum_over_time(slo:sli_error:rate5m{{{sel}}}[4w]) / sum_over_time(slo:sli_total:rate5m{{{sel}}}[4w])"
    )
    raw = {r["record"]: r["expr"] for r in ours["svc01-slo02"] if "record" in r}
    assert raw["slo:sli_error:ratio_rate4w"] == SLOTH_PERIOD_MEAN.format(
        sel=selector("svc01-slo02"), period="4w"
    )
    # Our current burn rate is the 1h ratio's (Sloth's the 5m one), the same number `run` reports.
    assert events["slo:current_burn_rate:ratio"].startswith(f"slo:sli_error:ratio_rate1h{{{sel}}} / ")


def test_unoptimized_rules_take_the_period_ratio_from_the_query_itself(tmp_path: Path) -> None:
    ours = generate(tmp_path, "base.yml", "--disable-optimized-rules")
    expr = next(r["expr"] for r in ours["svc01-slo1"] if r.get("record") == "slo:sli_error:ratio_rate30d")
    assert expr == (
        '(sum(rate(http_request_duration_seconds_count{job="myservice",code=~"(5..|429)"}[30d]))) '
        '/ (sum(rate(http_request_duration_seconds_count{job="myservice"}[30d])))'
    )


def test_a_file_of_several_documents_mixes_specs_and_crds(tmp_path: Path) -> None:
    result = run_sloth("multifile.yml", tmp_path, "--format", "json")
    assert result.exit_code == 0, result.output
    report = yaml.safe_load(result.stdout)
    written = sorted(Path(w["path"]).name for w in report["written"])
    assert [s["slo"] for s in report["skipped"]] == ["svc03/slo2"]  # a denominator_corrected SLI
    assert written == ["svc01.rules.yml", "svc02.rules.yml", "svc03.rules.yml"]
    svc03 = yaml.safe_load((tmp_path / "svc03.rules.yml").read_text())["groups"][0]["rules"]
    assert svc03[0]["expr"] == '1 - avg_over_time(up{job="svc03"}[5m])'
    assert {r["alert"] for r in svc03 if "alert" in r} == {"Svc03Down", NO_DATA_ALERT}


def test_a_period_sloth_has_no_windows_for_gets_the_workbooks_scaled(tmp_path: Path) -> None:
    """Sloth refuses 7d without a windows file; we scale the Workbook's windows and say so."""
    result = run_sloth("base.yml", tmp_path, "--default-slo-period", "7d")
    assert result.exit_code == 0, result.output
    assert "the Workbook's windows are scaled to 7d" in result.stdout
    rules = yaml.safe_load((tmp_path / "svc01.rules.yml").read_text())["groups"][0]["rules"]
    pairs = our_alerts(rules, 99.9)
    assert pairs["page"] == [("1m", "14m", pytest.approx(14.4)), ("7m", "1h24m", pytest.approx(6))]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["--default-slo-period", "14d", "--slo-period-windows-path", "windows"],
            "no AlertWindows with sloPeriod 14d",
        ),
        (["--default-slo-period", "soon"], "--default-slo-period: not a duration"),
        (["-l", "sloth_id=x"], "--extra-labels: sloth_id is set by the rules themselves"),
        (["-l", "team"], "--extra-labels: 'team' is not key=value"),
        (["--disable-alerts", "--tests"], "--tests needs both kinds of rule"),
    ],
)
def test_bad_sloth_flags_exit_2(args: list[str], message: str, tmp_path: Path) -> None:
    result = run_sloth("base.yml", tmp_path / "out", *args)
    assert result.exit_code == 2
    assert message in result.stderr, result.stderr
    assert not (tmp_path / "out").exists()


def test_sloth_only_flags_refuse_other_sources(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["rules", str(tmp_path), "--default-slo-period", "28d"])
    assert result.exit_code == 2
    assert "--default-slo-period: only with --from-sloth" in result.stderr


@pytest.mark.parametrize(
    ("windows", "message"),
    [
        ("kind: AlertWindows\napiVersion: sloth.slok.dev/v2\n", "expected apiVersion 'sloth.slok.dev/v1'"),
        (
            "apiVersion: sloth.slok.dev/v1\nkind: AlertWindows\nspec:\n  sloPeriod: 7d\n  page:\n"
            "    quick: {errorBudgetPercent: 8, shortWindow: 1h, longWindow: 5m}\n",
            "spec.page.quick: shortWindow 1h must be shorter than longWindow 5m",
        ),
        (
            "apiVersion: sloth.slok.dev/v1\nkind: AlertWindows\nspec:\n  sloPeriod: 7d\n  page:\n"
            "    quick: {errorBudgetPercent: 0, shortWindow: 5m, longWindow: 1h}\n",
            "spec.page.quick.errorBudgetPercent: expected a percent in (0, 100]",
        ),
    ],
)
def test_a_bad_windows_file_names_its_field(windows: str, message: str, tmp_path: Path) -> None:
    path = tmp_path / "windows.yaml"
    path.write_text(windows)
    result = run_sloth("base.yml", tmp_path / "out", "--slo-period-windows-path", str(path))
    assert result.exit_code == 2
    assert message in result.stderr, result.stderr


@pytest.mark.real
def test_promtool_accepts_the_rules_of_every_case(tmp_path: Path) -> None:
    promtool = require_binary("promtool")
    files = []
    for name, case in sorted(EXPECTED["cases"].items()):
        generate(tmp_path / name, case["input"], *case["args"])
        files.append(tmp_path / name / "svc01.rules.yml")
    checked = subprocess.run(
        [promtool, "check", "rules", *map(str, files)],
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert checked.stdout.count("SUCCESS") == len(files)


@pytest.mark.parametrize(
    ("text", "written"),
    [("30d", "30d"), ("28d", "4w"), ("7d", "1w"), ("365d", "1y"), ("90d", "90d"), ("90m", "1h30m")],
)
def test_periods_are_named_as_prometheus_and_sloth_write_them(text: str, written: str) -> None:
    assert prometheus_duration(int(parse_duration(text))) == written
