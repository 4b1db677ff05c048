"""Every SQL dialect computes the same latency bucket, and the same whole microseconds, as the fold."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from reliability.core.latency_buckets import MAX_MICROS, bucket_index, micros_of
from reliability.telemetry.sql.clickhouse_dialect import ClickHouseDialect
from reliability.telemetry.sql.dialect import Dialect
from reliability.telemetry.sql.duckdb_dialect import DuckDbDialect
from reliability.telemetry.sql.expressions import whole_micros

pytest.importorskip("duckdb")
pytest.importorskip("chdb")

DIALECTS = [DuckDbDialect(), ClickHouseDialect()]


def edge_micros() -> np.ndarray:
    powers = [1 << k for k in range(41)]
    near = [p + d for p in powers for d in (-1, 0, 1)]
    rng = np.random.default_rng(12)
    spread = np.exp(rng.uniform(0, np.log(MAX_MICROS), 5000)).astype(np.int64)
    values = np.array([*near, 0, MAX_MICROS, *rng.integers(0, MAX_MICROS, 2000), *spread], dtype=np.int64)
    return np.unique(np.clip(values, 0, MAX_MICROS))


def in_sql(dialect: Dialect, tmp_path: Path, column: pa.Array, expression: str) -> np.ndarray:
    path = tmp_path / f"values-{dialect.name}.parquet"
    pq.write_table(pa.table({"row": pa.array(np.arange(len(column))), "v": column}), path)
    table = dialect.run(
        f"SELECT {expression} AS out FROM {dialect.scan([str(path)], 'parquet')} ORDER BY row"
    )
    return table.column("out").to_numpy()


@pytest.mark.parametrize("dialect", DIALECTS, ids=lambda d: d.name)
def test_the_sql_bucket_index_is_the_folds(dialect: Dialect, tmp_path: Path) -> None:
    micros = edge_micros()
    found = in_sql(dialect, tmp_path, pa.array(micros, pa.int64()), dialect.bucket_index('"v"'))
    expected = bucket_index(micros)
    wrong = np.flatnonzero(found != expected)
    assert not wrong.size, [(int(micros[i]), int(found[i]), int(expected[i])) for i in wrong[:5]]
    assert len(found) > 5000


@pytest.mark.parametrize("dialect", DIALECTS, ids=lambda d: d.name)
def test_the_sql_rounding_to_microseconds_is_the_folds(dialect: Dialect, tmp_path: Path) -> None:
    rng = np.random.default_rng(5)
    halves = (np.arange(2000) + 0.5) / 1e6  # exactly half a microsecond over: rounding half up
    # Past the ceiling (2**40 us) too: clamped to it, into the open last bucket.
    ceiling = [(MAX_MICROS - 1) / 1e6, MAX_MICROS / 1e6, 1e300]
    seconds = np.concatenate([halves, rng.lognormal(-2, 2, 5000), [0.0, 1e-7, 2e7, *ceiling]])
    found = in_sql(dialect, tmp_path, pa.array(seconds, pa.float64()), whole_micros(dialect, '"v"'))
    assert np.array_equal(found, micros_of(seconds))
