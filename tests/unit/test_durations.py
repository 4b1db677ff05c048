import pytest

from reliability.durations import format_duration, parse_duration


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("5m", 300), ("1h30m", 5400), ("28d", 28 * 86400), ("4w", 28 * 86400), ("300ms", 0.3)],
)
def test_parse(text: str, seconds: float) -> None:
    assert parse_duration(text) == seconds


@pytest.mark.parametrize("text", ["", "5", "m5", "5 m", "1.5h", "-1h", "5y"])
def test_parse_rejects(text: str) -> None:
    with pytest.raises(ValueError, match="not a duration"):
        parse_duration(text)


@pytest.mark.parametrize(
    ("seconds", "text"), [(2592000, "30d"), (2419200, "28d"), (5400, "1h30m"), (300, "5m")]
)
def test_format(seconds: int, text: str) -> None:
    assert format_duration(seconds) == text
