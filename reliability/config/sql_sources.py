"""Where a `sql` source's engine finds the events: files for duckdb and chdb, a server's table for
clickhouse. The checks the schema cannot express, each naming the key at fault."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from reliability.config.event_checks import KeyProblem
from reliability.config.model import SqlServer

SERVER_ENGINES = {"clickhouse"}  # engines that query a server's tables rather than read files
_SERVER_KEYS = ("table", "url", "user", "password_env")
_FILE_KEYS = ("paths", "format")


def reads_a_server(raw: dict[str, Any]) -> bool:
    return raw.get("engine", "duckdb") in SERVER_ENGINES


def sql_location_problems(raw: dict[str, Any]) -> list[KeyProblem]:
    """Files for a file engine, a table at a URL for a server engine, never both."""
    engine = raw.get("engine", "duckdb")
    if not reads_a_server(raw):
        problems: list[KeyProblem] = [
            ((key,), f"engine {engine} reads files (`paths`); `{key}` is for engine clickhouse")
            for key in _SERVER_KEYS
            if key in raw
        ]
        if "paths" not in raw:
            problems.append(((), f"engine {engine} needs `paths`: the globs of the files to read"))
        return problems
    problems = [
        ((key,), f"engine {engine} reads a table on the server (`table`), not files")
        for key in _FILE_KEYS
        if key in raw
    ]
    problems += [((), f"engine {engine} needs `{key}`") for key in ("url", "table") if key not in raw]
    if "url" in raw:
        problems += [(("url",), message) for message in _url_problems(raw["url"])]
    if "table" in raw and not table_parts(raw["table"]):
        problems.append((("table",), "a table is `name` or `database.name`, each part not empty"))
    return problems


def sql_server(raw: dict[str, Any]) -> SqlServer | None:
    """The server a server engine queries (None without a `url`: sql_location_problems says so)."""
    if not reads_a_server(raw) or "url" not in raw:
        return None
    return SqlServer(raw["url"].rstrip("/"), raw.get("user"), raw.get("password_env"))


def table_parts(name: str) -> tuple[str, ...]:
    """(table,) or (database, table); () when the name is neither."""
    parts = tuple(name.split("."))
    return parts if len(parts) <= 2 and all(parts) else ()


def _url_problems(url: str) -> list[str]:
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 (reading it checks it: a port that is not a number in range raises)
    except ValueError as exc:
        return [f"not a usable URL: {exc}"]
    if "@" in parts.netloc:
        # A password written here would end up in the config's history and in every copy of it.
        return [
            "no user or password in the URL: set `user`, and `password_env` to read it from the environment"
        ]
    if parts.scheme != "chdb" and not parts.hostname:
        return ["the URL names no host"]
    if parts.query or parts.fragment:
        return ["the URL takes no ?query or #fragment"]
    return []
