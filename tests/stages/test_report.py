"""`reliability report`: the HTML page of the bundled example, its charts, escaping, and a real browser."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import pytest
from conftest import EXAMPLE_CONFIG, require_binary
from typer.testing import CliRunner

from reliability import pipeline, summary
from reliability.artifacts.error_budgets import ErrorBudgets, SloBudget
from reliability.artifacts.models import Artifact
from reliability.artifacts.run import read_run
from reliability.artifacts.sli_metrics import SliMetrics
from reliability.cli import app
from reliability.config import load_config
from reliability.conventions import ARTIFACT_FILES, MANIFEST_FILE, Stage
from reliability.errors import EXIT_BAD_INPUT, EXIT_UNTRUSTED_ARTIFACTS
from reliability.report import html, svg

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
CONSOLE_ERROR = re.compile(r"CONSOLE.*(error|Uncaught)", re.IGNORECASE)


@pytest.fixture(scope="module")
def artifacts_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    config = load_config(EXAMPLE_CONFIG)
    assert config.settings.evaluate_at is not None
    out_dir = tmp_path_factory.mktemp("artifacts")
    options = pipeline.RunOptions(
        now=config.settings.evaluate_at.timestamp(), out_dir=out_dir, ledger_path=None
    )
    pipeline.run(config, options)
    return out_dir


@pytest.fixture(scope="module")
def artifacts(artifacts_dir: Path) -> dict[Stage, Artifact]:
    return dict(read_run(artifacts_dir, optional=(Stage.SLA,)).artifacts)


@pytest.fixture(scope="module")
def page(artifacts: dict[Stage, Artifact]) -> str:
    return html.render(artifacts)


class _Collector(HTMLParser):
    """Every tag and attribute of the page, and its visible text, kept apart."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.attribute_values: list[str] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        self.attribute_values += [value or "" for _, value in attrs]

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def _parse(page: str) -> _Collector:
    collector = _Collector()
    collector.feed(page)
    return collector


def test_every_slo_has_a_section_and_an_overview_row(page: str, artifacts: dict[Stage, Artifact]) -> None:
    entries = _budgets(artifacts).slos
    assert len(entries) == 14
    for entry, row in zip(entries, summary.rows(artifacts), strict=True):
        anchor = "slo-" + re.sub(r"[^0-9A-Za-z]", "-", entry.slo)
        assert f'id="{anchor}"' in page
        assert f'href="#{anchor}">{row.slo}</a></th>' in page
        assert f">{row.budget_remaining}</td>" in page
    assert page.count('<th scope="col">') >= 9


def _budgets(artifacts: dict[Stage, Artifact]) -> ErrorBudgets:
    budgets = artifacts[Stage.BUDGETS]
    assert isinstance(budgets, ErrorBudgets)
    return budgets


def _payments(artifacts: dict[Stage, Artifact]) -> SloBudget:
    payments = _budgets(artifacts).slo("orders/payments-availability")
    assert isinstance(payments, SloBudget)
    return payments


def test_status_reads_without_colour(page: str) -> None:
    # the planted situations of the example, each as a word in a coloured cell
    assert '<td class="bad">page</td>' in page
    assert '<td class="bad">freeze</td>' in page
    assert '<td class="bad">EXHAUSTED (-134.0%)</td>' in page
    assert '<td class="bad">BREACHED (10% credit)</td>' in page
    assert '<td class="unknown">no_data</td>' in page


def test_every_chart_has_a_title_and_a_description(page: str) -> None:
    charts = re.findall(r"<svg\b.*?</svg>", page, flags=re.DOTALL)
    # burn-down, SLI per hour, SLI per day, burn rates and the alert timeline for every SLO, and the
    # last two days' timeline again where an alert fired in them
    firing_lately = 5
    assert len(charts) == 5 * 14 + firing_lately
    for chart in charts:
        assert re.search(r"<svg[^>]*>\s*<title id=\"[^\"]+\">[^<]+</title>\s*<desc", chart), chart[:200]
        assert 'role="img"' in chart


def test_burn_down_tells_the_budget_left(page: str, artifacts: dict[Stage, Artifact]) -> None:
    payments = _payments(artifacts)
    left = payments.budget.remaining_events
    assert f"{left:,.1f} left at the evaluation time (-134.0%)" in page


def test_burn_down_ends_at_the_exact_budget_left(
    artifacts: dict[Stage, Artifact], monkeypatch: pytest.MonkeyPatch
) -> None:
    # The 30d window starts at noon: its first day is partial, yet the curve must end where the
    # budgets stage does (the partial day holds what the whole days do not).
    charts: dict[str, list[svg.Series]] = {}
    monkeypatch.setattr(svg, "line_chart", lambda chart_id, *args, **_: charts.setdefault(chart_id, args[3]))
    payments = _payments(artifacts)
    sli = artifacts[Stage.SLI]
    assert isinstance(sli, SliMetrics)
    measured = sli.slo(payments.slo)
    assert measured.window.start.hour == 12
    html._burn_down(payments, measured, "chart")
    actual = [v for v in charts["chart"][0].values if v is not None]
    assert actual[-1] == pytest.approx(payments.budget.remaining_events)  # 7 of its 311 bad: before noon


def test_auto_objective_shows_its_backtest(page: str) -> None:
    section = page[page.index('id="slo-storefront-catalog-latency"') :]
    section = section[: section.index("</section>")]
    # a 28-day SLO: the Workbook's windows scaled to its period
    assert "<caption>Backtest of the objective ladder (sre-workbook-28d alerts)</caption>" in section
    assert '<th scope="row">99%</th><td>kept</td><td>8 of 8</td>' in section
    assert "<td>met, but used up to 80% of its budget (over 75%)</td>" in section
    declared = page[page.index('id="slo-orders-checkout-availability"') :]
    assert "declared 99.9% is achievable" in declared[: declared.index("</section>")]


def test_alert_thresholds_come_from_the_alert_pairs(page: str) -> None:
    # the Workbook's page pair 1h/5m: 2% of a 30d budget in 1h is a 14.4x burn
    assert '<th scope="row">page 1h/5m</th><td>14.4x</td><td>142.09x</td>' in page
    assert "<title>page 1h/5m: 14.4x</title>" in page
    assert "page: 1h burn 142.09x and 5m burn 314.29x above 14.4x" in page


def test_sla_shows_the_credit_tier(page: str) -> None:
    assert "SLA <strong>orders/payments-contract</strong>: target 99.9%" in page
    assert "below 99.9%: 10% credit" in page


def test_page_needs_no_network(page: str) -> None:
    parsed = _parse(page)
    assert not {"script", "img", "link", "iframe", "object", "embed"} & set(parsed.tags)
    assert [v for v in parsed.attribute_values if "http" in v or "//" in v] == []
    styles = re.findall(r"<style>(.*?)</style>", page, flags=re.DOTALL)
    assert styles and not any("url(" in s or "@import" in s for s in styles)
    assert "@media print" in styles[0]


def test_artifact_text_is_escaped(artifacts: dict[Stage, Artifact]) -> None:
    budgets = _budgets(artifacts).to_json()
    entry = budgets["slos"][0]
    entry["policy"]["reason"] = "<script>alert(1)</script>"
    entry["attribution"]["day"]["shares"][0]["key"] = '"><img src=x>'
    page = html.render(artifacts | {Stage.BUDGETS: ErrorBudgets.from_json(budgets)})
    assert "<script>" not in page and "<img" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "&quot;&gt;&lt;img src=x&gt;" in page


def test_line_chart_leaves_gaps_for_missing_days() -> None:
    chart = svg.line_chart(
        "gap",
        "A <gap>",
        "desc",
        ["a", "b", "c", "d", "e"],
        [svg.Series("s", [1.0, 2.0, None, 3.0, 4.0], "x")],
        "y",
    )
    assert chart.count("<polyline") == 2
    assert '<title id="gap-title">A &lt;gap&gt;</title>' in chart


def test_bar_chart_shows_no_data_as_text_not_as_zero() -> None:
    chart = svg.bar_chart("bars", "t", "d", [svg.Bar("5m", None), svg.Bar("1h", 2.0)], "x", logarithmic=True)
    assert chart.count("<rect") == 1
    assert ">no data</text>" in chart


def test_command_writes_the_report(artifacts_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "nested" / "report.html"
    result = CliRunner().invoke(app, ["report", "--artifacts", str(artifacts_dir), "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert f"wrote {out}" in result.output
    assert out.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")


def test_command_fails_clearly_without_artifacts(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["report", "--artifacts", str(tmp_path)])
    assert result.exit_code == EXIT_BAD_INPUT
    assert "sli-metrics.json: no such artifact" in result.output
    assert not (tmp_path / "report.html").exists()


def test_a_run_that_stopped_before_the_sla_stage_still_reports(artifacts_dir: Path, tmp_path: Path) -> None:
    folder = tmp_path / "artifacts"
    shutil.copytree(artifacts_dir, folder)
    (folder / ARTIFACT_FILES[Stage.SLA]).unlink()
    manifest = json.loads((folder / MANIFEST_FILE).read_text(encoding="utf-8"))  # as such a run has it
    manifest["artifacts"] = [e for e in manifest["artifacts"] if e["file"] != ARTIFACT_FILES[Stage.SLA]]
    (folder / MANIFEST_FILE).write_text(json.dumps(manifest), encoding="utf-8")
    result = CliRunner().invoke(app, ["report", "--artifacts", str(folder)])
    assert result.exit_code == 0, result.output
    assert (folder / "report.html").read_text(encoding="utf-8").startswith("<!DOCTYPE html>")


def test_artifacts_of_two_runs_are_refused(artifacts_dir: Path, tmp_path: Path) -> None:
    folder = tmp_path / "artifacts"
    shutil.copytree(artifacts_dir, folder)
    budgets = folder / ARTIFACT_FILES[Stage.BUDGETS]
    other_run = re.sub(
        r'"run_id": "\w+"', '"run_id": "0000000000000000"', budgets.read_text(encoding="utf-8")
    )
    budgets.write_text(other_run, encoding="utf-8")
    result = CliRunner().invoke(app, ["report", "--artifacts", str(folder)])
    assert result.exit_code == EXIT_UNTRUSTED_ARTIFACTS
    assert "are from different runs" in result.output
    assert not (folder / "report.html").exists()


def _chromium(binary: str, profile: Path, *arguments: str) -> subprocess.CompletedProcess[str]:
    flags = [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        f"--user-data-dir={profile}",
        "--enable-logging=stderr",
        "--v=0",
    ]
    return subprocess.run(
        [binary, *flags, *arguments], capture_output=True, text=True, timeout=120, check=False
    )


@pytest.mark.real
def test_report_renders_in_chromium(artifacts_dir: Path, tmp_path: Path) -> None:
    binary = require_binary("chromium")
    report_file = tmp_path / "report.html"
    result = CliRunner().invoke(app, ["report", "--artifacts", str(artifacts_dir), "--out", str(report_file)])
    assert result.exit_code == 0, result.output
    artifacts = dict(read_run(artifacts_dir, optional=(Stage.SLA,)).artifacts)

    dumped = _chromium(binary, tmp_path / "profile", "--dump-dom", report_file.as_uri())
    assert dumped.returncode == 0, dumped.stderr[-2000:]
    dom = dumped.stdout
    for entry, row in zip(_budgets(artifacts).slos, summary.rows(artifacts), strict=True):
        assert f">{entry.slo}</h2>" in dom
        assert f">{row.budget_remaining}</td>" in dom
        assert f">{row.sli}</td>" in dom
    assert dom.count("<svg") == html.render(artifacts).count("<svg")
    assert [line for line in dumped.stderr.splitlines() if CONSOLE_ERROR.search(line)] == []

    screenshot = tmp_path / "report.png"
    shot = _chromium(
        binary,
        tmp_path / "profile",
        f"--screenshot={screenshot}",
        "--window-size=1280,4000",
        report_file.as_uri(),
    )
    assert shot.returncode == 0, shot.stderr[-2000:]
    assert [line for line in shot.stderr.splitlines() if CONSOLE_ERROR.search(line)] == []
    data = screenshot.read_bytes()
    assert data.startswith(PNG_SIGNATURE)
    assert len(data) > 50_000  # a blank 1280x4000 page compresses to a few kilobytes
    print(f"report screenshot: {screenshot}")


def test_states_are_named_in_the_artifacts_words_as_run_and_gate_print_them(page: str) -> None:
    assert '<td class="bad">firing</td>' in page and '<td class="unknown">no_data</td>' in page
    assert "policy <strong>freeze</strong>" in page
    assert re.search(r"\b(FIRING|NO DATA|NO_DATA|PAGE|TICKET|FREEZE)\b", page) is None


def _section(page: str, slo_id: str) -> str:
    start = page.index(f'id="slo-{re.sub(r"[^0-9A-Za-z]", "-", slo_id)}"')
    return page[start : page.index("</section>", start)]


def test_every_slo_says_what_to_do(page: str) -> None:
    assert page.count('<p class="todo"><strong>What to do:</strong>') == 14
    checkout = _section(page, "orders/checkout-availability")
    assert "Act now: the page is firing and the budget runs out in 2h45m" in checkout
    assert "hold releases of orders except reliability fixes" in checkout
    calm = _section(page, "storefront/catalog-availability")
    assert "Nothing to do: the budget is on track and no alert is firing." in calm


def test_a_near_exhaustion_beside_a_calm_forecast_says_why(page: str) -> None:
    checkout = _section(page, "orders/checkout-availability")
    assert "Exhausts in: <strong>2h45m</strong> (at the current (1h) burn rate" in checkout
    assert "<strong>0%</strong> chance it is spent by then" in checkout
    assert "Why exhausts in and the forecast can disagree" in checkout
    assert "Why exhausts in" not in _section(page, "storefront/catalog-availability")


def test_burn_down_carries_the_forecast_band(page: str) -> None:
    checkout = _section(page, "orders/checkout-availability")
    burn_down = checkout[checkout.index('id="slo-orders-checkout-availability-burn-down-title"') :]
    burn_down = burn_down[: burn_down.index("</svg>")]
    assert '<polygon class="forecast"' in burn_down
    assert "forecast p10-p90" in burn_down and "11-12</text>" in burn_down  # the horizon on the axis


def test_hourly_chart_shows_the_incident_in_progress(artifacts: dict[Stage, Artifact]) -> None:
    sli = artifacts[Stage.SLI]
    assert isinstance(sli, SliMetrics)
    hours = sli.slo("orders/checkout-availability").recent_hours or ()
    assert len(hours) == 48
    last = hours[-1]
    assert last.hour.hour == 11 and last.figures.ratio is not None and last.figures.ratio < 0.9
    assert all(h.figures.ratio is None or h.figures.ratio > 0.99 for h in hours[:-1])


def test_alert_timeline_shows_the_page_still_firing(page: str) -> None:
    checkout = _section(page, "orders/checkout-availability")
    assert "page from 2026-11-05T11:30:00Z still firing (1h/5m, 6h/30m)" in checkout
    assert 'class="lane-page"' in checkout
    assert 'id="slo-orders-checkout-availability-alerts-recent-title"' in checkout
    calm = _section(page, "storefront/catalog-availability")
    assert calm.count("did not fire") == 2 and "-alerts-recent" not in calm


def _probe_in_chromium(binary: str, report_file: Path, tmp_path: Path, width: int) -> dict[str, int]:
    """The report in a frame `width` px wide (headless windows have a minimum width): how wide the
    page is against its frame, and how many charts have a size and drawn marks."""
    probe = (
        "<script>const charts = [...document.querySelectorAll('svg.chart')];"
        "const drawn = charts.filter(c => { const r = c.getBoundingClientRect();"
        " return r.width > 0 && r.height > 0 && c.querySelector('polyline, rect, circle, polygon'); });"
        "document.body.dataset.probe = JSON.stringify({frame: document.documentElement.clientWidth,"
        " page: document.documentElement.scrollWidth, charts: charts.length, drawn: drawn.length});</script>"
    )
    probed = tmp_path / f"probed-{width}.html"
    probed.write_text(report_file.read_text(encoding="utf-8").replace("</body>", probe + "</body>"))
    harness = tmp_path / f"harness-{width}.html"
    harness.write_text(
        f'<!DOCTYPE html><html><body style="margin:0"><iframe id="f" src="{probed.name}" '
        f'style="width:{width}px;height:3000px;border:0"></iframe><script>'
        "document.getElementById('f').addEventListener('load', e => {"
        " document.body.dataset.probe = e.target.contentDocument.body.dataset.probe; });"
        "</script></body></html>",
        encoding="utf-8",
    )
    dumped = _chromium(
        binary,
        tmp_path / f"profile-{width}",
        "--allow-file-access-from-files",
        f"--window-size={max(width, 500)},900",
        "--dump-dom",
        harness.as_uri(),
    )
    assert dumped.returncode == 0, dumped.stderr[-2000:]
    found = re.search(r'data-probe="([^"]+)"', dumped.stdout)
    assert found, dumped.stdout[-2000:]
    result: dict[str, int] = json.loads(found.group(1).replace("&quot;", '"'))
    shot = tmp_path / f"report-{width}.png"
    taken = _chromium(
        binary,
        tmp_path / f"profile-{width}",
        "--allow-file-access-from-files",
        "--hide-scrollbars",
        f"--window-size={width},3000",
        f"--screenshot={shot}",
        harness.as_uri(),
    )
    assert taken.returncode == 0 and shot.read_bytes().startswith(PNG_SIGNATURE), taken.stderr[-2000:]
    print(f"report screenshot at {width} px: {shot}")
    return result


@pytest.mark.real
@pytest.mark.parametrize("width", [400, 1400])
def test_report_fits_phone_and_desktop_widths(artifacts_dir: Path, tmp_path: Path, width: int) -> None:
    binary = require_binary("chromium")
    report_file = tmp_path / "report.html"
    result = CliRunner().invoke(app, ["report", "--artifacts", str(artifacts_dir), "--out", str(report_file)])
    assert result.exit_code == 0, result.output
    measured = _probe_in_chromium(binary, report_file, tmp_path, width)
    assert measured["frame"] <= width
    assert measured["page"] <= measured["frame"], measured  # no sideways scrolling of the page itself
    assert measured["charts"] == report_file.read_text(encoding="utf-8").count('<svg class="chart"')
    assert measured["drawn"] == measured["charts"]
