"""CLI commands beyond run and validate, each registered on the typer app by its module."""
