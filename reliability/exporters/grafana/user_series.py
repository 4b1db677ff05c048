"""Request, error and latency panels from the user's own metrics, for components on a Prometheus source."""

from __future__ import annotations

from reliability.config.model import (
    Config,
    OpenMetricsSource,
    PrometheusSource,
    ScrapeFilesSource,
    Sli,
    SliKind,
    Slo,
)
from reliability.exporters.grafana.panels import Item, Query, graph
from reliability.exporters.grafana.promql import rate

LATENCY_QUANTILES = (0.5, 0.9, 0.99)


def user_series_panels(config: Config, slo: Slo) -> list[Item]:
    panels: list[Item] = []
    for component, sli in config.index.slo_slis(slo):
        if isinstance(
            config.source(component.source), (PrometheusSource, OpenMetricsSource, ScrapeFilesSource)
        ):
            panels += _sli_panels(f"{slo.id}:{component.name}", component.name, sli)
    return panels


def _sli_panels(key: str, component: str, sli: Sli) -> list[Item]:
    if sli.kind is SliKind.LATENCY and sli.histogram is not None:
        histogram = sli.histogram
        threshold = sli.threshold_seconds or 0.0
        buckets = f"sum by (le) (rate({histogram.promql(histogram.metric + '_bucket')}[$__rate_interval]))"
        quantiles = [
            Query(f"histogram_quantile({q:g}, {buckets})", f"p{q * 100:g}") for q in LATENCY_QUANTILES
        ]
        return [
            graph(
                f"{key}:requests",
                f"Requests: {component}",
                f"Requests per second counted by the histogram {histogram.describe()} (its _count).",
                [Query(rate(histogram, "_count"), "requests/s")],
                "reqps",
            ),
            graph(
                f"{key}:latency",
                f"Latency: {component}",
                f"Latency quantiles estimated from the histogram {histogram.describe()}. The dashed line "
                f"is the SLI's threshold ({threshold:g}s): slower requests are bad.",
                quantiles,
                "s",
                steps=(("green", None), ("red", threshold)),
                show_thresholds=True,
            ),
        ]
    if sli.counters is None:
        return []
    counters = sli.counters
    queries = [Query(rate(counters.total), "requests/s")]
    if counters.bad is not None:
        queries.append(Query(rate(counters.bad), "errors/s"))
    elif counters.good is not None:
        queries.append(Query(f"{rate(counters.total)} - {rate(counters.good)}", "errors/s"))
    return [
        graph(
            f"{key}:requests",
            f"Requests and errors: {component}",
            f"Requests per second ({counters.total.describe()}) and the bad ones among them as the SLI "
            f"counts them ({sli.describe()}).",
            queries,
            "reqps",
        )
    ]
