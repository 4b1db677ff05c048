"""Credentials in URLs are replaced wherever text is shown or stored; everything else is left alone."""

from __future__ import annotations

import pytest

from reliability.redact import without_credentials


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("http://user:pass@host:9090/prom", "http://***@host:9090/prom"),
        ("https://token@host", "https://***@host"),
        ("http://user:p@ss@host/x", "http://***@host/x"),  # an unescaped @ in the password
        ("http://user:p%40ss@[::1]:9090", "http://***@[::1]:9090"),
        (
            "source p (http://a:b@h) failed; retry http://c:d@k/x",
            "source p (http://***@h) failed; retry http://***@k/x",
        ),
        ("'ftp://u:secret@h' does not match '^https?://'", "'ftp://***@h' does not match '^https?://'"),
        (
            "http://host:9090/api?user=a@b",
            "http://host:9090/api?user=a@b",
        ),  # an @ after the host is not userinfo
        ("write to ops@example.com or http://host/", "write to ops@example.com or http://host/"),
        ("no URL here", "no URL here"),
    ],
)
def test_credentials_are_replaced_and_the_rest_kept(text: str, shown: str) -> None:
    assert without_credentials(text) == shown
