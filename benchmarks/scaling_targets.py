"""Issue 12's figures and targets: each row of bench_scaling.py's table from the benchmarks' summaries.

Pure: the summaries (`--summary-json` of each benchmark, keyed by the step that wrote them) go in,
rows come out. A row holds our figure, the peer's from the same run, their ratio and the target's
verdict, with how far the figure is from the target either way.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

Summary = dict[str, Any]
Summaries = Mapping[str, Summary | None]  # None: that benchmark wrote no figures

MEMORY_LIMIT_MIB = 1024
PARQUET_SPEEDUP = 3.0
SCALING_LIMIT = 10.5  # 10 times the events in at most 10.5 times the time
EXAMPLE_LIMIT_S = 1.5
HELP_LIMIT_S = 0.25
SERVE_RATE = 2000
FLAT_GROWTH_PERCENT = 5.0  # server RSS at its highest during the load, over its RSS at the start


@dataclass(frozen=True)
class Measured:
    """One figure of ours and the same figure of the peer (None: not measured), in one unit."""

    ours: float | None
    unit: str
    peer: float | None = None
    peer_name: str = ""
    holds: bool | None = None  # for a target that is a yes or no (outputs identical, SLIs agree)

    @property
    def ratio(self) -> float | None:
        if self.ours is None or not self.peer:
            return None
        return self.ours / self.peer


@dataclass(frozen=True)
class Verdict:
    met: bool | None  # None: the row has no target
    text: str


NO_TARGET = Verdict(None, "-")


@dataclass(frozen=True)
class Limit:
    """A bound on our figure, or (on_ratio) on ours over the peer's."""

    bound: float
    kind: str  # "under", "at most" or "at least"
    unit: str
    on_ratio: bool = False

    @property
    def text(self) -> str:
        subject = "ours/peer " if self.on_ratio else ""
        return f"{subject}{self.kind} {show(self.bound, self.unit)}"

    def judge(self, measured: Measured) -> Verdict:
        value = measured.ratio if self.on_ratio else measured.ours
        if value is None:
            return Verdict(False, "NOT MET (no figure)")
        if self.kind == "at least":
            if value >= self.bound:
                return Verdict(True, f"met ({self.gap(value - self.bound)} over)")
            return Verdict(False, f"NOT MET ({self.gap(self.bound - value)} short)")
        met = value < self.bound if self.kind == "under" else value <= self.bound
        if met:
            return Verdict(True, f"met ({self.gap(self.bound - value)} to spare)")
        return Verdict(False, f"NOT MET ({self.gap(value - self.bound)} over)")

    def gap(self, difference: float) -> str:
        """How far from the bound: a share of it, or percentage points for a bound in percent."""
        if self.unit == "%":
            return f"{difference:.1f} points"
        return f"{100 * difference / self.bound:.0f} %"


@dataclass(frozen=True)
class Holds:
    """A yes or no target: outputs identical, SLIs agree."""

    text: str

    def judge(self, measured: Measured) -> Verdict:
        if measured.holds is None:
            return Verdict(False, "NOT MET (no figure)")
        return Verdict(True, "met") if measured.holds else Verdict(False, "NOT MET (they differ)")


Target = Limit | Holds


@dataclass(frozen=True)
class Spec:
    """A row to be: its figure's name, its target (None: shown only) and how to measure it."""

    figure: str
    needs: tuple[str, ...]  # the summaries it reads, in the order `measure` takes them
    measure: Callable[..., Measured]
    target: Target | None = None


@dataclass(frozen=True)
class Row:
    figure: str
    ours: str
    peer: str
    ratio: str
    target: str
    verdict: Verdict


def show(value: float | None, unit: str) -> str:
    if value is None:
        return "-"
    if unit == "s":
        return f"{value:.3f} s" if value < 1 else f"{value:.2f} s"
    if unit == "x":
        return f"{value:.2f}x"
    if unit == "%":
        return f"{value:+.1f} %"
    if unit == "/s":
        return f"{value:,.0f}/s"
    return f"{value:,.0f} {unit}"


def row_of(spec: Spec, summaries: Summaries) -> Row:
    found = [summaries.get(name) for name in spec.needs]
    if any(summary is None for summary in found):
        verdict = NO_TARGET if spec.target is None else Verdict(False, "NOT MET (no figures)")
        return Row(spec.figure, "no figures", "-", "-", spec.target.text if spec.target else "-", verdict)
    measured = spec.measure(*found)
    peer = show(measured.peer, measured.unit)
    if measured.peer is not None and measured.peer_name:
        peer = f"{measured.peer_name} {peer}"
    ratio = "-" if measured.ratio is None else f"{measured.ratio:.2f}x"
    if spec.target is None:
        return Row(spec.figure, show(measured.ours, measured.unit), peer, ratio, "-", NO_TARGET)
    verdict = spec.target.judge(measured)
    return Row(spec.figure, show(measured.ours, measured.unit), peer, ratio, spec.target.text, verdict)


def rows(specs: list[Spec], summaries: Summaries) -> list[Row]:
    return [row_of(spec, summaries) for spec in specs]


# --------------------------------------------------------------------------- what each row reads


def short_count(n: int) -> str:
    """10000000 -> '10M', 20000 -> '20k': the sizes in the rows' names."""
    for size, suffix in ((1_000_000, "M"), (1_000, "k")):
        if n >= size and n % size == 0:
            return f"{n // size:,}{suffix}"
    return f"{n:,}"


def sli_vs_duckdb(fmt: str, seconds: str) -> Callable[[Summary], Measured]:
    def measure(pipeline: Summary) -> Measured:
        run = pipeline["formats"][fmt]
        duck = run["duckdb"]
        return Measured(run[f"sli_{seconds}"], "s", duck and duck[seconds], "DuckDB")

    return measure


def peak_rss(pipeline: Summary) -> Measured:
    runs = pipeline["formats"].values()
    ours = max([run["peak_rss_mib"] for run in runs] + [pipeline["full_run_peak_rss_mib"] or 0])
    peers = [run["duckdb"]["peak_rss_mib"] for run in runs if run["duckdb"]]
    return Measured(ours, "MiB", max(peers) if peers else None, "DuckDB")


def parquet_speedup(pipeline: Summary) -> Measured:
    csv, parquet = pipeline["formats"]["csv"], pipeline["formats"]["parquet"]
    duck = None
    if csv["duckdb"] and parquet["duckdb"]:
        duck = csv["duckdb"]["wall_s"] / parquet["duckdb"]["wall_s"]
    return Measured(csv["sli_wall_s"] / parquet["sli_wall_s"], "x", duck, "DuckDB")


def sql_vs_event_file(fmt: str, engine: str) -> Callable[[Summary], Measured]:
    def measure(pipeline: Summary) -> Measured:
        run = pipeline["formats"][fmt]
        sql = run["sql"].get(engine)
        if sql is None:  # the engine is not installed
            return Measured(None, "s", run["sli_wall_s"], "event file")
        return Measured(sql["wall_s"], "s", run["sli_wall_s"], "event file", holds=sql["identical"])

    return measure


def scaling(fmt: str) -> Callable[[Summary, Summary], Measured]:
    """How many times the 10x larger run's SLI stage took, ours and DuckDB's."""

    def measure(small: Summary, large: Summary) -> Measured:
        a, b = small["formats"][fmt], large["formats"][fmt]
        duck = None
        if a["duckdb"] and b["duckdb"]:
            duck = b["duckdb"]["wall_s"] / a["duckdb"]["wall_s"]
        return Measured(b["sli_wall_s"] / a["sli_wall_s"], "x", duck, "DuckDB")

    return measure


def parse_figure(field: str, unit: str) -> Callable[[Summary], Measured]:
    def measure(parse: Summary) -> Measured:
        readers = parse["readers"]
        peer = readers.get("json_loads")
        return Measured(readers["ours"][field], unit, peer and peer[field], "json.loads")

    return measure


def prometheus_whole(seconds: str) -> Callable[[Summary], Measured]:
    def measure(real: Summary) -> Measured:
        compared = real["peer"]
        if not compared or "ours" not in compared:
            return Measured(None, "s")
        return Measured(compared["ours"][seconds], "s", compared["peer"][seconds], "slo-generator")

    return measure


def prometheus_agree(real: Summary) -> Measured:
    compared = real["peer"]
    return Measured(None, "", holds=None if not compared else bool(compared["agree"]))


def prometheus_peak(real: Summary) -> Measured:
    return Measured(max((run["peak_mib"] for run in real["runs"]), default=None), "MiB")


def example_run(seconds: str) -> Callable[[Summary], Measured]:
    def measure(example: Summary) -> Measured:
        return Measured(example["modes"]["cached"][seconds], "s")

    return measure


def help_run(seconds: str) -> Callable[[Summary], Measured]:
    def measure(startup: Summary) -> Measured:
        return Measured(startup[seconds], "s")

    return measure


def serve_rate(serve: Summary) -> Measured:
    return Measured(serve["requests_per_second"], "/s")


def serve_growth(serve: Summary) -> Measured:
    start = serve["rss_start_mib"]
    return Measured(100 * (serve["rss_peak_mib"] - start) / start, "%")


# --------------------------------------------------------------------------- the rows, in order


def pipeline_specs(step: str, events: int, *, first: bool) -> list[Spec]:
    """The pipeline's rows; the issue puts the targets against DuckDB and on Parquet's speed-up on the
    first size, whose run also has the SQL source rows."""
    size = short_count(events)
    specs = [
        Spec(
            f"SLI stage, {size} CSV events, wall",
            (step,),
            sli_vs_duckdb("csv", "wall_s"),
            Limit(1.0, "at most", "x", on_ratio=True) if first else None,
        ),
        Spec(f"SLI stage, {size} CSV events, CPU", (step,), sli_vs_duckdb("csv", "cpu_s")),
        Spec(f"SLI stage, {size} Parquet events, wall", (step,), sli_vs_duckdb("parquet", "wall_s")),
        Spec(f"SLI stage, {size} Parquet events, CPU", (step,), sli_vs_duckdb("parquet", "cpu_s")),
        Spec(f"peak RSS, {size} events", (step,), peak_rss, Limit(MEMORY_LIMIT_MIB, "under", "MiB")),
        Spec(
            f"Parquet vs CSV speed-up, {size}",
            (step,),
            parquet_speedup,
            Limit(PARQUET_SPEEDUP, "at least", "x") if first else None,
        ),
    ]
    for fmt in ("csv", "parquet") if first else ():
        for engine in ("duckdb", "chdb"):
            specs.append(
                Spec(
                    f"SQL source ({engine}), {size} {fmt}, wall",
                    (step,),
                    sql_vs_event_file(fmt, engine),
                    Holds("outputs identical"),
                )
            )
    return specs


def scaling_specs(small: str, large: str, ratio: str) -> list[Spec]:
    return [
        Spec(
            f"SLI stage {ratio} time, {fmt}",
            (small, large),
            scaling(fmt),
            Limit(SCALING_LIMIT, "at most", "x"),
        )
        for fmt in ("csv", "parquet")
    ]


def parse_specs(step: str, samples: int) -> list[Spec]:
    size = short_count(samples)
    return [
        Spec(f"Prometheus range answer, {size} samples, parse", (step,), parse_figure("seconds", "s")),
        Spec(
            f"Prometheus range answer, {size} samples, peak RSS", (step,), parse_figure("peak_rss_mib", "MiB")
        ),
    ]


def prometheus_specs(step: str, slos: int) -> list[Spec]:
    return [
        Spec(
            f"real Prometheus, {slos:,} SLOs, whole run wall",
            (step,),
            prometheus_whole("wall_s"),
            Limit(1.0, "under", "x", on_ratio=True),
        ),
        Spec(f"real Prometheus, {slos:,} SLOs, whole run CPU", (step,), prometheus_whole("cpu_s")),
        Spec(
            f"real Prometheus, {slos:,} SLOs, SLIs", (step,), prometheus_agree, Holds("agree with the peer")
        ),
        Spec(f"real Prometheus, {slos:,} SLOs, peak RSS in-process", (step,), prometheus_peak),
    ]


def cli_specs(example: str, startup: str) -> list[Spec]:
    return [
        Spec(
            "example `run config --html`, bytecode cached",
            (example,),
            example_run("wall_s"),
            Limit(EXAMPLE_LIMIT_S, "under", "s"),
        ),
        Spec("example `run config --html`, CPU", (example,), example_run("cpu_s")),
        Spec("`reliability --help`", (startup,), help_run("wall_s"), Limit(HELP_LIMIT_S, "under", "s")),
        Spec("`reliability --help`, CPU", (startup,), help_run("cpu_s")),
    ]


def serve_specs(step: str, seconds: float, connections: int) -> list[Spec]:
    load = f"{seconds:g} s x {connections} connections"
    return [
        Spec(f"serve /metrics, {load}", (step,), serve_rate, Limit(SERVE_RATE, "at least", "/s")),
        Spec(
            f"serve RSS growth under {load}",
            (step,),
            serve_growth,
            Limit(FLAT_GROWTH_PERCENT, "at most", "%"),
        ),
    ]


def table(found: list[Row]) -> list[str]:
    """The rows as aligned text columns under a header."""
    header = Row("figure", "ours", "peer (same run)", "ours/peer", "target", Verdict(None, "verdict"))
    cells = [(r.figure, r.ours, r.peer, r.ratio, r.target, r.verdict.text) for r in [header, *found]]
    widths = [max(len(line[i]) for line in cells) for i in range(6)]
    right = (False, True, True, True, False, False)
    lines = []
    for line in cells:
        parts = [c.rjust(w) if r else c.ljust(w) for c, w, r in zip(line, widths, right, strict=True)]
        lines.append("  ".join(parts).rstrip())
    return lines
