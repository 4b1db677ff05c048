"""Edges that act: run hook commands."""
