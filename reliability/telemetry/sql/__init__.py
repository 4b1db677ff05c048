"""The `sql` source: the engine folds the events into per-minute state; only that state comes back.

One small module per engine's dialect (duckdb_dialect, clickhouse_dialect; clickhouse_server sends
the ClickHouse dialect to a server through clickhouse-connect); query.py writes the query from the
config with a dialect's expressions (cells.py, the latency sketch's cells in SQL, so buckets come
back summed per cell); state.py is the typed result, series.py turns it into the series and latency
sketches the SLI stage reads.
"""
