"""Engine `clickhouse`: the ClickHouse dialect's queries sent through clickhouse-connect, to a
server's HTTP interface (`http(s)://`) or to chDB's tables in process (`chdb:///path`).

The password is read from the environment when the first query is sent, and never shown: every
message that leaves here has it replaced by ***.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any

import pyarrow as pa

from reliability.config.model import SqlServer
from reliability.errors import EXIT_FAILURE, ReliabilityError
from reliability.redact import REDACTED, without_credentials
from reliability.telemetry.sql.clickhouse_dialect import ClickHouseDialect

if TYPE_CHECKING:
    from clickhouse_connect.driver.client import Client

_MESSAGE_CHARS = 500  # a server's message may quote the whole query: its start is what helps


class ClickHouseServerError(ReliabilityError):
    """The server could not be reached, refused the login or failed the query: no numbers came back."""

    def __init__(self, message: str) -> None:
        super().__init__(message, EXIT_FAILURE)


class ClickHouseServerDialect(ClickHouseDialect):
    """The ClickHouse dialect, run by a clickhouse-connect client that connects on the first query."""

    name = "clickhouse"

    def __init__(self, source_name: str, server: SqlServer) -> None:
        self.source_name = source_name
        self.server = server
        self._client: Client | None = None
        self._password = ""

    def run(self, sql: str) -> pa.Table:
        from clickhouse_connect.driver.exceptions import ClickHouseError

        try:
            # Strings as Arrow text, as chdb.query returns them: component names are compared as text.
            table: pa.Table = self._connected().query_arrow(sql, use_strings=True)
        except ClickHouseError as exc:
            # `from None`: the driver's exception chain may carry the request, headers included.
            raise ClickHouseServerError(self._failure(exc)) from None
        return table

    def close(self) -> None:
        if self._client is not None:
            self._client.close()
            self._client = None

    def _connected(self) -> Client:
        if self._client is None:
            import clickhouse_connect  # an optional extra: imported only when a source uses it

            self._password = self._secret()
            options: dict[str, Any] = {"dsn": self.server.url, "password": self._password}
            if self.server.user:
                options["username"] = self.server.user
            # Connecting asks the server its version and settings: failures are the query's.
            self._client = clickhouse_connect.get_client(**options)
        return self._client

    def _secret(self) -> str:
        variable = self.server.password_env
        if variable is None:
            return ""
        value = os.environ.get(variable)
        if not value:
            raise ReliabilityError(f"source {self.source_name}: environment variable {variable} is not set")
        return value

    def _failure(self, exc: Exception) -> str:
        told = " ".join(str(exc).split())
        if self._password:
            told = told.replace(self._password, REDACTED)
        if len(told) > _MESSAGE_CHARS:
            told = told[:_MESSAGE_CHARS] + " ..."
        return without_credentials(f"source {self.source_name}: ClickHouse at {self.server.url}: {told}")
