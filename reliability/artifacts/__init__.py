"""The artifacts: typed records (one module per artifact), their schema check and atomic write."""

from reliability.artifacts.publish import read, to_json, write_atomically
from reliability.artifacts.schema_check import check, problems, schema

__all__ = ["check", "problems", "read", "schema", "to_json", "write_atomically"]
