"""ClickHouse's HTTP interface on 127.0.0.1, each query executed by chDB (ClickHouse's engine in process).

No clickhouse-server runs in CI (the distribution's is far too old for our SQL), so the HTTP path
of the `clickhouse` engine is tested against this: what clickhouse-connect sends (the query in the
POST body or the `query` parameter, settings and `param_` values as URL parameters, a user and
password by Basic auth or X-ClickHouse-User/-Key) is answered as a server answers it, in the
format the query's FORMAT clause or `default_format` names (TabSeparated otherwise). On connecting
the client asks `SELECT version(), timezone()` and reads system.settings: chDB answers both itself.
A failed query is HTTP 500 with the exception code in X-ClickHouse-Exception-Code and ClickHouse's
message as the body; a refused login is answered the same way, with ClickHouse's code 516
(AUTHENTICATION_FAILED) and its message (the client reads the code and message, not the status).
"""

from __future__ import annotations

import base64
import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import chdb.session

from support.local_http import local_http

# URL parameters of the HTTP interface that are not settings (the rest are, as on a server).
NOT_SETTINGS = {
    "query",
    "database",
    "default_format",
    "user",
    "password",
    "query_id",
    "session_id",
    "session_timeout",
    "session_check",
    "compress",
    "decompress",
    "buffer_size",
    "wait_end_of_query",
    "client_protocol_version",
    "quota_key",
}
_CODE = re.compile(r"Code: (\d+)\.")
_FORMAT = re.compile(r"\bFORMAT\s+(\w+)\s*;?\s*$", re.IGNORECASE)
_SETTING_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


@dataclass
class ChdbHttp:
    """The endpoint's URL, its one user, and the query text of every request it answered."""

    session: chdb.session.Session
    user: str
    password: str
    url: str = ""
    queries: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def answer(self, params: dict[str, str], body: str) -> tuple[int, dict[str, str], bytes]:
        query = "\n".join(part for part in (params.get("query", ""), body) if part)
        settings = {k: v for k, v in params.items() if k not in NOT_SETTINGS and not k.startswith("param_")}
        values = {k.removeprefix("param_"): v for k, v in params.items() if k.startswith("param_")}
        default_format = params.get("default_format", "TabSeparated")
        named = _FORMAT.search(query)
        headers = {"X-ClickHouse-Format": named.group(1) if named else default_format}
        with self.lock:  # one chDB session: each request's settings hold for its query alone
            self.queries.append(query)
            try:
                for name, value in settings.items():
                    self.session.query(f"SET {_setting(name)} = {_text(value)}")
                try:
                    result = self.session.query(query, default_format, params=values or None)
                finally:
                    for name in settings:
                        self.session.query(f"SET {_setting(name)} = DEFAULT")
            except Exception as exc:  # chDB's error carries ClickHouse's code and message
                message = str(exc)
                found = _CODE.search(message)
                return (
                    500,
                    {"X-ClickHouse-Exception-Code": found.group(1) if found else "1002"},
                    message.encode(),
                )
        return 200, headers, result.bytes()

    def login(self, handler: BaseHTTPRequestHandler, params: dict[str, str]) -> tuple[str, bool]:
        """(the user the request names, whether its password is that user's)."""
        user = handler.headers.get("X-ClickHouse-User") or params.get("user", "default")
        password = handler.headers.get("X-ClickHouse-Key") or params.get("password", "")
        basic = handler.headers.get("Authorization", "")
        if basic.startswith("Basic "):
            user, _, password = base64.b64decode(basic[6:]).decode().partition(":")
        return user, (user, password) == (self.user, self.password)


def _setting(name: str) -> str:
    if not _SETTING_NAME.match(name):
        raise ValueError(f"Code: 115. DB::Exception: Unknown setting '{name}'. (UNKNOWN_SETTING)")
    return name


def _text(value: str) -> str:
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


def _handler(endpoint: ChdbHttp) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"  # keep-alive, as clickhouse-connect's connection pool expects

        def do_GET(self) -> None:
            self._reply()

        def do_POST(self) -> None:
            self._reply()

        def _reply(self) -> None:
            params = dict(parse_qsl(urlsplit(self.path).query, keep_blank_values=True))
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0)).decode()
            user, logged_in = endpoint.login(self, params)
            if urlsplit(self.path).path == "/ping":
                self._send(200, {}, b"Ok.\n")
            elif not logged_in:
                message = (
                    f"Code: 516. DB::Exception: {user}: Authentication failed: password is incorrect, "
                    "or there is no user with such name. (AUTHENTICATION_FAILED)"
                )
                self._send(500, {"X-ClickHouse-Exception-Code": "516"}, message.encode())
            else:
                self._send(*endpoint.answer(params, body))

        def _send(self, status: int, headers: dict[str, str], data: bytes) -> None:
            self.send_response(status)
            for name, value in headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *_: Any) -> None:
            return

    return Handler


@contextmanager
def chdb_http(session: chdb.session.Session, user: str, password: str) -> Iterator[ChdbHttp]:
    """The endpoint on a free port, answering from `session`, stopped when the block ends."""
    endpoint = ChdbHttp(session, user, password)
    with local_http(_handler(endpoint)) as endpoint.url:
        yield endpoint
