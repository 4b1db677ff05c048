"""Edges that act on a run: hook commands and webhooks, run only when the safety rules allow; the gate."""
