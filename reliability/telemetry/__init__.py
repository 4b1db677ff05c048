"""Telemetry sources: each turns its input into EventColumns, one chunk at a time."""
