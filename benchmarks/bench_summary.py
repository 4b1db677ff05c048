"""`--summary-json PATH`: a benchmark's key figures as JSON, so bench_scaling.py reads numbers, not text."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any


def add_summary_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--summary-json",
        type=Path,
        metavar="PATH",
        default=None,
        help="also write the key figures to PATH as JSON (the printed output is unchanged)",
    )


def write_summary(path: Path | None, figures: dict[str, Any]) -> None:
    """Write `figures` to `path`; nothing when the option was not given."""
    if path is not None:
        path.write_text(json.dumps(figures, indent=2, sort_keys=True) + "\n")
