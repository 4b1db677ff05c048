"""The scrape-folder source: Prometheus text exposition files, one scrape each, into counters.

A scrape's samples carry no time of their own; each file's scrape time comes from where the
config says (a `# timestamp` line, the file name, or the file's mtime), never guessed. Files are
parsed by the OpenMetrics source's parser and its samples take the same path from there on.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path

from reliability.config.model import ScrapeFilesSource, ScrapeTime
from reliability.errors import InputError, Problem, printable
from reliability.telemetry.blocks import iter_line_blocks, open_stream
from reliability.telemetry.openmetrics_files import FoundSamples
from reliability.timefmt import parse_rfc3339

_TIMESTAMP_LINE = re.compile(
    rb"^#[ \t]*timestamp[ \t]*[:=]?[ \t]*(\S*)[ \t]*\r?$", re.MULTILINE | re.IGNORECASE
)


def read_file(source: ScrapeFilesSource, path: Path, found: FoundSamples) -> set[float]:
    """The scrape's samples into `found`, at its scrape time; that time."""
    when = scrape_time(source, path)
    found.report.files[str(path)] = 0
    for block in iter_line_blocks(path):
        found.add_block(str(path), block, scrape_time=when)
    return {when}


def scrape_time(source: ScrapeFilesSource, path: Path) -> float:
    """When the file was scraped, in epoch seconds, from where the source says to find it."""
    if source.scrape_time is ScrapeTime.MTIME:
        return path.stat().st_mtime
    if source.scrape_time is ScrapeTime.FILE_NAME:
        assert source.file_name_pattern is not None
        match = re.search(source.file_name_pattern, path.name)
        if match is None or match.group("time") is None:
            raise _refused(
                path, None, f"file name does not match {source.file_name_pattern!r}", "scrape_time"
            )
        return _time_of_name(path, match.group("time"), source.file_name_format)
    with open_stream(path) as stream:
        found = list(_TIMESTAMP_LINE.finditer(stream.read()))
    if not found:
        raise _refused(path, None, "no `# timestamp <time>` line (RFC 3339 or unix seconds)", "# timestamp")
    text = found[0].group(1).decode("utf-8", "replace")
    line = found[0].string.count(b"\n", 0, found[0].start()) + 1
    if any(m.group(1) != found[0].group(1) for m in found[1:]):
        raise _refused(path, line, "more than one `# timestamp` line, with different times", "# timestamp")
    try:
        return float(text) if re.fullmatch(r"\d+(\.\d*)?", text) else parse_rfc3339(text).timestamp()
    except ValueError:
        raise _refused(
            path,
            line,
            f"`# timestamp` {printable(text)!r} is neither RFC 3339 nor unix seconds",
            "# timestamp",
        ) from None


def _time_of_name(path: Path, text: str, fmt: str) -> float:
    try:
        if fmt in ("unix_s", "unix_ms"):
            seconds = float(text)
            return seconds / 1000 if fmt == "unix_ms" else seconds
        parsed = datetime.strptime(text, fmt)
    except ValueError:
        raise _refused(
            path, None, f"time {text!r} in the file name does not read as {fmt!r}", "scrape_time"
        ) from None
    return (parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)).timestamp()


def _refused(path: Path, line: int | None, message: str, where: str) -> InputError:
    problem = Problem(str(path), message, line, where)
    return InputError(f"{problem} (a scrape's time must be known)", [problem])
