"""The artifacts: typed records (one module per artifact), their schema check and atomic write."""

from reliability.artifacts.publish import checked_text, read, to_json, write_atomically
from reliability.artifacts.schema_check import check, problems, schema

__all__ = ["check", "checked_text", "problems", "read", "schema", "to_json", "write_atomically"]
