"""Write the telemetry of the golden cases: `python tests/golden/make_telemetry.py`.

Seeded and small, so the files are committed and the cases never depend on this script's
future edits; rerun it only on purpose (and then update the golden files with it).
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

from reliability.examples import bundled
from reliability.synthetic import constant, diurnal, generate, step
from reliability.timefmt import parse_rfc3339

HERE = Path(__file__).resolve().parent
SEED = 10


def _epoch(text: str) -> int:
    return int(parse_rfc3339(text).timestamp())


def counters(out: Path, rng: np.random.Generator) -> None:
    """Two gateways scraped every 5 minutes for 12 days; `eu` errors hard in the last half hour."""
    start, end = _epoch("2026-03-01T00:00:00Z"), _epoch("2026-03-13T06:00:00Z")
    incident = end - 30 * 60
    us = generate(rng, start, end, diurnal(8), constant(0.0004), constant(0.07))
    eu = generate(rng, start, end, diurnal(5), step(0.0002, 0.15, incident), constant(0.2), 0.8)
    for job, traffic in (("us", us), ("eu", eu)):
        path = out / f"{job}.om.gz"
        bundled.write_gateway_openmetrics(path, traffic, (start, end), job=job, codes=(200, 500, 503))


def calendar(out: Path, rng: np.random.Generator) -> None:
    """Billing events over 70 days; `exports` goes silent two days before evaluation."""
    start, end = _epoch("2026-01-20T00:00:00Z"), _epoch("2026-03-31T09:30:00Z")
    outage = _epoch("2026-03-30T22:00:00Z")
    parts = {
        "invoices": generate(rng, start, end, diurnal(0.4), constant(0.0008), constant(0.3)),
        "ledger": generate(rng, start, end, diurnal(0.3), step(0.0003, 0.05, outage), constant(0.1)),
        "exports": generate(rng, start, end - 2 * 86400, diurnal(0.1), constant(0.001), constant(0.5)),
    }
    bundled.write_storefront_csv(out / "billing.csv.gz", parts, rng)


def main() -> None:
    rng = np.random.default_rng(SEED)
    counters(HERE / "counters" / "config" / "telemetry", rng)
    calendar(HERE / "calendar" / "config" / "telemetry", rng)


if __name__ == "__main__":
    if len(sys.argv) > 1:
        sys.exit("usage: python tests/golden/make_telemetry.py")
    main()
