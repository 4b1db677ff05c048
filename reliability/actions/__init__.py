"""Edges that act: hook commands and webhooks, run only when the safety rules allow."""
