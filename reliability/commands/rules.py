"""`reliability rules`: Prometheus rule files and promtool tests for SLOs, from our config or other tools'."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any

import typer
import yaml

from reliability.artifacts import write_atomically
from reliability.commands.shared import reporting_errors
from reliability.config import load_config
from reliability.durations import parse_duration
from reliability.errors import ConfigError
from reliability.exporters import rule_sources
from reliability.exporters.rule_choices import chosen_rules, parse_extra_labels, with_extra_labels
from reliability.exporters.rule_targets import RuleTarget, for_target
from reliability.exporters.rule_tests import unit_tests
from reliability.exporters.rules import Labels, SloRuleSpec, rule_file
from reliability.exporters.sloth_specs import DEFAULT_PERIOD, SlothOptions, from_sloth
from reliability.exporters.sloth_windows import read_catalog
from reliability.terminal.options import FormatOption, VerboseOption
from reliability.terminal.output import OutputFormat, echo_json
from reliability.vocabulary import Window

TESTS_FOLDER = "tests"  # beside the rules, so a `*.yml` glob over the rules folder reads only rules


class _PlainDumper(yaml.SafeDumper):
    """Writes repeated values out in full: `&id001` anchors would only puzzle the reader."""

    def ignore_aliases(self, data: Any) -> bool:
        return True


@dataclass
class Outcome:
    """What the command did, in the order it happened: as text and markdown lines, and as data."""

    lines: list[str] = field(default_factory=list)
    markdown_lines: list[str] = field(default_factory=list)
    written: list[dict[str, Any]] = field(default_factory=list)
    skipped: list[dict[str, str]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def wrote(self, path: Path, what: str, **counts: int) -> None:
        self.written.append({"path": str(path)} | counts)
        self._say(f"wrote {path} ({what})", f"- wrote `{path}` ({what})")

    def nothing_written(self, origin: str) -> None:
        self._say(f"nothing written: no SLO in {origin} can become rules", f"- nothing written from {origin}")

    def skip(self, text: str) -> None:
        """`text` as rule_sources words it: "service/slo: why"."""
        slo, _, reason = text.partition(": ")
        self.skipped.append({"slo": slo, "reason": reason})
        self._say(f"skipped {text}", f"- skipped `{slo}`: {reason}")

    def note(self, text: str) -> None:
        self.notes.append(text)
        self._say(f"note: {text}", f"- note: {text}")

    def _say(self, line: str, markdown: str) -> None:
        self.lines.append(line)
        self.markdown_lines.append(markdown)


def _yaml(data: dict[str, Any], header: str) -> str:
    body = yaml.dump(data, Dumper=_PlainDumper, sort_keys=False, allow_unicode=True, width=1_000_000)
    return f"# {header}\n{body}"


def _for_seconds(text: str) -> int:
    if text.strip() == "0":
        return 0
    try:
        seconds = parse_duration(text)
    except ValueError as exc:
        raise ConfigError(f"--for: {exc}") from None
    if seconds != int(seconds):
        raise ConfigError(f"--for: {text!r} must be whole seconds")
    return int(seconds)


@dataclass(frozen=True)
class Choices:
    """The options that shape every rule written, whichever the source."""

    extra_labels: Labels = ()
    recordings: bool = True
    alerts: bool = True


def _sloth_options(
    period: str | None, windows_path: Path | None, optimized: bool, from_sloth_path: Path | None
) -> SlothOptions:
    """Sloth's own flags, which only a Sloth spec takes."""
    if from_sloth_path is None:
        given = [
            flag
            for flag, set_ in (
                ("--default-slo-period", period is not None),
                ("--slo-period-windows-path", windows_path is not None),
                ("--disable-optimized-rules", not optimized),
            )
            if set_
        ]
        if given:
            raise ConfigError(f"{', '.join(given)}: only with --from-sloth")
        return SlothOptions()
    try:
        window = DEFAULT_PERIOD if period is None else Window.parse(period)
    except ValueError as exc:
        raise ConfigError(f"--default-slo-period: {exc}") from None
    catalog = None if windows_path is None else read_catalog(windows_path)
    return SlothOptions(window, catalog, windows_path, optimized)


def _conversion(
    path: Path | None,
    from_sloth_path: Path | None,
    from_openslo: Path | None,
    sloth: SlothOptions | None = None,
) -> tuple[rule_sources.Conversion, str]:
    given = [p for p in (path, from_sloth_path, from_openslo) if p is not None]
    if len(given) > 1:
        raise ConfigError("give one of CONFIG_PATH, --from-sloth and --from-openslo")
    if from_sloth_path is not None:
        return from_sloth(from_sloth_path, sloth), f"the Sloth spec {from_sloth_path}"
    if from_openslo is not None:
        return rule_sources.from_openslo(from_openslo), f"the OpenSLO document {from_openslo}"
    config_path = path or Path("config")
    return rule_sources.from_config(load_config(config_path)), f"the configuration {config_path}"


def _by_service(specs: list[SloRuleSpec]) -> dict[str, list[SloRuleSpec]]:
    services: dict[str, list[SloRuleSpec]] = {}
    for spec in specs:
        services.setdefault(spec.service, []).append(spec)
    return services


def _write(
    conversion: rule_sources.Conversion,
    origin: str,
    out: Path,
    tests: bool,
    for_seconds: int,
    outcome: Outcome,
    target: RuleTarget = RuleTarget.PROMETHEUS,
    choices: Choices = Choices(),
) -> None:
    header = f"Generated by `reliability rules` from {origin}; edit that, not this file."
    specs_with_labels = with_extra_labels(conversion.specs, choices.extra_labels)
    for service, specs in _by_service(specs_with_labels).items():
        rules_path = out / f"{service}{target.suffix}"
        rules = chosen_rules(
            rule_file(specs, for_seconds), choices.extra_labels, choices.recordings, choices.alerts
        )
        write_atomically(rules_path, _yaml(for_target(target, service, rules), header))
        outcome.wrote(rules_path, f"{len(specs)} SLO{'s' if len(specs) != 1 else ''}", slos_total=len(specs))
        if not tests or target is not RuleTarget.PROMETHEUS:  # promtool reads Prometheus' format
            continue
        test_data, untested = unit_tests(f"../{rules_path.name}", specs, for_seconds)
        if test_data["tests"]:
            tests_path = out / TESTS_FOLDER / f"{service}.rules.test.yml"
            write_atomically(
                tests_path, _yaml(test_data, f"{header} Run: promtool test rules {tests_path.name}")
            )
            groups = len(test_data["tests"])
            outcome.wrote(tests_path, f"{groups} test groups", test_groups_total=groups)
        for line in untested:
            outcome.note(line)


def rules(
    path: Annotated[
        Path | None,
        typer.Argument(
            metavar="CONFIG_PATH",
            help="A configuration file or folder (default: config).",
            show_default=False,
        ),
    ] = None,
    out: Annotated[Path, typer.Option("--out", help="Folder for the rule files.")] = Path("generated/rules"),
    from_sloth_path: Annotated[
        Path | None,
        typer.Option(
            "--from-sloth",
            help="Convert Sloth specs instead: prometheus/v1 or the PrometheusServiceLevel CRD, "
            "several YAML documents per file allowed.",
        ),
    ] = None,
    from_openslo: Annotated[
        Path | None,
        typer.Option("--from-openslo", help="Convert OpenSLO v1 SLO documents (ratioMetric) instead."),
    ] = None,
    tests: Annotated[
        bool, typer.Option("--tests", help="Also write promtool unit tests to OUT/tests, per service.")
    ] = False,
    for_: Annotated[
        str,
        typer.Option(
            "--for", help="How long a burn must last before an alert fires, e.g. 2m (default: at once)."
        ),
    ] = "0",
    target: Annotated[
        RuleTarget,
        typer.Option(
            "--target",
            help="prometheus (rule files), kubernetes (PrometheusRule objects) or vmalert (its rule files).",
        ),
    ] = RuleTarget.PROMETHEUS,
    extra_labels: Annotated[
        list[str] | None,
        typer.Option(
            "--extra-labels",
            "-l",
            metavar="KEY=VALUE",
            help="key=value added to every rule, over the SLO's own labels (repeatable), as Sloth's -l.",
        ),
    ] = None,
    disable_recordings: Annotated[
        bool, typer.Option("--disable-recordings", help="Write no recording rules (alerts only).")
    ] = False,
    disable_alerts: Annotated[
        bool, typer.Option("--disable-alerts", help="Write no alerting rules (recordings only).")
    ] = False,
    default_slo_period: Annotated[
        str | None,
        typer.Option(
            "--default-slo-period",
            metavar="DURATION",
            help="With --from-sloth: the SLO period, e.g. 30d (default), 28d, 7d. Sloth's windows for "
            "30d and 28d; others from --slo-period-windows-path or the Workbook's scaled to the period.",
            show_default=False,
        ),
    ] = None,
    slo_period_windows_path: Annotated[
        Path | None,
        typer.Option(
            "--slo-period-windows-path",
            help="With --from-sloth: a file or folder of Sloth AlertWindows (sloth.slok.dev/v1); "
            "replaces Sloth's 30d and 28d windows, as in Sloth.",
        ),
    ] = None,
    disable_optimized_rules: Annotated[
        bool,
        typer.Option(
            "--disable-optimized-rules",
            help="With --from-sloth: the period's ratio is the SLI query over the whole period "
            "(exact, but a 30-day range query).",
        ),
    ] = False,
    output: FormatOption = OutputFormat.TABLE,
    verbose: VerboseOption = False,
) -> None:
    """Write Prometheus recording and alerting rules for every SLO measured in Prometheus.

    One file per service, OUT/SERVICE.rules.yml, with Sloth's rule names and labels
    (OUT/SERVICE.prometheusrule.yaml for kubernetes, OUT/SERVICE.vmalert.yml for vmalert).
    One multiwindow burn-rate alert rule per window pair.
    Sloth's generate flags work alike: -l/--extra-labels, --disable-recordings, --disable-alerts and,
    with --from-sloth, --default-slo-period, --slo-period-windows-path and --disable-optimized-rules.
    SLOs that rules cannot express (calendar windows, time slices, auto objectives, composites) are skipped.
    Exit code 0 when written, 2 when the config or spec is invalid.
    """
    with reporting_errors(verbose):
        for_seconds = _for_seconds(for_)
        choices = Choices(parse_extra_labels(extra_labels or []), not disable_recordings, not disable_alerts)
        if tests and not (choices.recordings and choices.alerts):
            raise ConfigError(
                "--tests needs both kinds of rule: drop --disable-recordings and --disable-alerts"
            )
        sloth = _sloth_options(
            default_slo_period, slo_period_windows_path, not disable_optimized_rules, from_sloth_path
        )
        conversion, origin = _conversion(path, from_sloth_path, from_openslo, sloth)
        outcome = Outcome()
        if tests and not all(spec.counters for spec in conversion.specs):
            outcome.note("no tests for imported specs: their queries are free PromQL, so no inputs are known")
            tests = False
        _write(conversion, origin, out, tests, for_seconds, outcome, target, choices)
        if not conversion.specs:
            outcome.nothing_written(origin)
        for line in conversion.skipped:
            outcome.skip(line)
        for line in conversion.notes:
            outcome.note(line)
        if output is OutputFormat.JSON:
            echo_json(
                {
                    "from": origin,
                    "written": outcome.written,
                    "skipped": outcome.skipped,
                    "notes": outcome.notes,
                }
            )
        elif output is OutputFormat.MARKDOWN:
            typer.echo("\n".join(outcome.markdown_lines))
        else:
            typer.echo("\n".join(outcome.lines))


def register(app: typer.Typer) -> None:
    """Add the `rules` command to the CLI."""
    app.command("rules")(rules)
