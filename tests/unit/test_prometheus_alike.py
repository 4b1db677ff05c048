"""The counters of one SLI are read at the same points: one read minute by minute takes the others
along, and so does a series two selectors share."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from reliability.config.model import (
    Component,
    CounterSelectors,
    Origin,
    PrometheusSource,
    Selector,
    Sli,
    SliKind,
)
from reliability.telemetry import prometheus_api
from reliability.telemetry.openmetrics_files import SeriesKey
from reliability.telemetry.prometheus_alike import read_alike
from reliability.telemetry.report import ReadReport

REQUESTS = ("requests_total", (("code", "200"),))
SLIS = [
    frozenset({"requests", "errors"}),  # total and bad counter of one SLI
    frozenset({"requests_200", "slow"}),  # another SLI, whose total shares a series with `requests`
    frozenset({"jobs", "failed_jobs"}),
]
SERIES_AT_HOURS = {
    "requests": {REQUESTS, ("requests_total", (("code", "500"),))},
    "requests_200": {REQUESTS},
    "slow": {("slow_total", ())},
    "jobs": {("jobs_total", ())},
    "failed_jobs": {("failed_jobs_total", ())},
}


def test_a_bad_counter_read_by_minutes_takes_its_total_along() -> None:
    # `errors` reset: every selector reading what its SLI's total reads follows, jobs stay at hours
    found = read_alike(["errors"], SLIS, {k: v for k, v in SERIES_AT_HOURS.items() if k != "errors"})
    assert found == {"errors", "requests", "requests_200", "slow"}


def test_a_total_read_by_minutes_takes_its_bad_counter_along() -> None:
    without = {k: v for k, v in SERIES_AT_HOURS.items() if k != "jobs"}
    assert read_alike(["jobs"], SLIS, without) == {"jobs", "failed_jobs"}


def test_nothing_read_by_minutes_takes_nothing_along() -> None:
    assert read_alike([], SLIS, SERIES_AT_HOURS) == set()


def _closure(
    by_minutes: list[str], slis: list[frozenset[str]], series_of: dict[str, set[SeriesKey]]
) -> set[str]:
    """The definition, step by step: add the SLIs and shared series of what was found until none is added."""
    found = set(by_minutes)
    while True:
        shared = {key for query in found for key in series_of.get(query, set())}
        more = {query for sli in slis if sli & found for query in sli}
        more |= {query for query, series in series_of.items() if series & shared}
        if more <= found:
            return found
        found |= more


QUERIES = st.sampled_from([f"q{i}" for i in range(12)])
KEYS = st.sampled_from([("m_total", (("k", str(i)),)) for i in range(8)])


@settings(max_examples=200, deadline=None)
@given(
    by_minutes=st.lists(QUERIES, max_size=3),
    slis=st.lists(st.frozensets(QUERIES, min_size=1, max_size=3), max_size=6),
    series_of=st.dictionaries(QUERIES, st.sets(KEYS, max_size=3), max_size=12),
)
def test_what_is_read_alike_is_the_closure_over_slis_and_shared_series(
    by_minutes: list[str], slis: list[frozenset[str]], series_of: dict[str, set[SeriesKey]]
) -> None:
    assert read_alike(by_minutes, slis, series_of) == _closure(by_minutes, slis, series_of)


def test_a_long_chain_of_slis_sharing_series_is_taken_along_whole() -> None:
    # 10 chains of 100 SLIs, each SLI's bad counter reading a series of the next one's total
    slis, series_of = [], {}
    for chain in range(10):
        for link in range(100):
            total, bad = f"total_{chain}_{link}", f"bad_{chain}_{link}"
            slis.append(frozenset({total, bad}))
            series_of[total] = {("requests_total", (("chain", str(chain)), ("link", str(link))))}
            series_of[bad] = {("requests_total", (("chain", str(chain)), ("link", str(link + 1))))}
    found = read_alike(["bad_3_57"], slis, series_of)
    assert found == {f"{kind}_3_{link}" for kind in ("total", "bad") for link in range(100)}


def _component(slo: str) -> Component:
    label = (("slo", slo),)
    counters = CounterSelectors(Selector("requests_total", label), bad=Selector("errors_total", label))
    sli = Sli("availability", SliKind.AVAILABILITY, counters=counters)
    return Component("shop", slo, "prom", "", (sli,), Origin("c.yaml", None))


def test_among_a_thousand_slos_a_refused_selector_takes_along_only_what_shares_its_series() -> None:
    # one more SLI whose selectors, patterns, read the series of slo-0007 and slo-0070
    components = [*(_component(f"slo-{i:04d}") for i in range(1000)), _component("slo-00(07|70)")]
    source = PrometheusSource("prom", "http://prometheus.invalid", Origin("c.yaml", None))
    collected = prometheus_api._Collected(prometheus_api.PrometheusClient(source), ReadReport("prom"), False)
    for i in range(1000):
        for code in ("200", "500"):
            collected.series[("requests_total", (("code", code), ("slo", f"slo-{i:04d}")))] = ([], [])
            if i != 7:  # the refused selector's series: not kept from the hour points
                collected.series[("errors_total", (("code", code), ("slo", f"slo-{i:04d}")))] = ([], [])
    wanted = prometheus_api._wanted(components)
    found = prometheus_api._read_alike(wanted, ['errors_total{slo=~"slo-0007"}'], collected, components)
    assert found == [
        f'{metric}{{slo=~"{slo}"}}'
        for slo in ("slo-0007", "slo-0070", "slo-00(07|70)")
        for metric in ("requests_total", "errors_total")
    ]
    # their samples at hour points let go, the others' kept
    assert {dict(labels)["slo"] for _, labels in collected.series} == {
        f"slo-{i:04d}" for i in range(1000) if i not in (7, 70)
    }
