"""Configuration: safe YAML loading, schema validation, and the typed model."""

from reliability.config.build import load_config
from reliability.config.model import Config

__all__ = ["Config", "load_config"]
