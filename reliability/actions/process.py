"""Run one program for a hook: in a session of its own, input fed and output read without limit on
how long it talks, but with a bound on what is kept; on timeout the whole process group is killed.

The program is finished when it has exited and closed its output. A program that leaves a process
behind still holding its stdout or stderr counts as running until the timeout, which kills them all
(POSIX: the group is the session the program was started in).
"""

from __future__ import annotations

import contextlib
import os
import selectors
import signal
import subprocess
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

KEPT_OUTPUT_BYTES = 8 * 1024  # kept of each of stdout and stderr: the record shows at most 2000 characters
READ_CHUNK_BYTES = 64 * 1024
WRITE_CHUNK_BYTES = 4096  # at most PIPE_BUF: a write the selector reported ready never blocks
REAP_AFTER_KILL_SECONDS = 5.0


class TailBuffer:
    """The last `limit` bytes of a stream, and how many bytes before them were dropped."""

    def __init__(self, limit: int = KEPT_OUTPUT_BYTES) -> None:
        self.limit = limit
        self._kept = bytearray()
        self.dropped_bytes = 0

    def add(self, data: bytes) -> None:
        self._kept += data
        excess = len(self._kept) - self.limit
        if excess > 0:
            del self._kept[:excess]
            self.dropped_bytes += excess

    @property
    def kept(self) -> bytes:
        return bytes(self._kept)


@dataclass(frozen=True)
class Finished:
    """How the program ended: exit code (None when killed at the timeout) and its output's tails."""

    exit_code: int | None
    timed_out: bool
    stdout: TailBuffer
    stderr: TailBuffer


def run_bounded(
    argv: Sequence[str],
    stdin: bytes,
    *,
    cwd: Path | None,
    env: Mapping[str, str],
    timeout_seconds: float,
    kept_bytes: int = KEPT_OUTPUT_BYTES,
) -> Finished:
    """Run argv (never a shell) with `stdin` as its input; OSError when it cannot start."""
    deadline = time.monotonic() + timeout_seconds
    process = subprocess.Popen(
        list(argv),
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        cwd=cwd,
        env=dict(env),
        start_new_session=True,  # its own process group: a timeout kills what it started too
    )
    stdout, stderr = TailBuffer(kept_bytes), TailBuffer(kept_bytes)
    try:
        closed = _exchange(process, stdin, {"stdout": stdout, "stderr": stderr}, deadline)
        if closed:
            with contextlib.suppress(subprocess.TimeoutExpired):
                return Finished(process.wait(max(0.0, deadline - time.monotonic())), False, stdout, stderr)
        _kill_group(process)
        return Finished(None, True, stdout, stderr)
    except BaseException:  # interrupted ourselves: leave nothing of the program running
        _kill_group(process)
        raise
    finally:
        for pipe in (process.stdin, process.stdout, process.stderr):
            if pipe is not None:
                pipe.close()


def _exchange(
    process: subprocess.Popen[bytes], data: bytes, tails: Mapping[str, TailBuffer], deadline: float
) -> bool:
    """Feed stdin and read stdout and stderr until both close (True) or the deadline passes (False)."""
    assert process.stdin is not None and process.stdout is not None and process.stderr is not None
    pending = memoryview(data)
    with selectors.DefaultSelector() as selector:
        for name, pipe in (("stdout", process.stdout), ("stderr", process.stderr)):
            os.set_blocking(pipe.fileno(), False)
            selector.register(pipe.fileno(), selectors.EVENT_READ, name)
        if pending:
            os.set_blocking(process.stdin.fileno(), False)
            selector.register(process.stdin.fileno(), selectors.EVENT_WRITE, "stdin")
        else:
            process.stdin.close()
        readers = 2
        while readers:
            left = deadline - time.monotonic()
            if left <= 0:
                return False
            for key, _ in selector.select(left):
                if key.data == "stdin":
                    pending = _write_some(process.stdin.fileno(), pending)
                    if not pending:
                        selector.unregister(key.fd)
                        process.stdin.close()
                    continue
                chunk = _read_some(key.fd)
                if chunk is None:
                    continue
                if chunk:
                    tails[key.data].add(chunk)
                else:
                    selector.unregister(key.fd)
                    readers -= 1
    return True


def _write_some(fd: int, pending: memoryview) -> memoryview:
    """What is left to write; nothing when the program closed its stdin (it need not read it)."""
    try:
        written = os.write(fd, pending[:WRITE_CHUNK_BYTES])
    except BlockingIOError:
        return pending
    except BrokenPipeError:
        return pending[:0]
    return pending[written:]


def _read_some(fd: int) -> bytes | None:
    """The next chunk; b"" at the end; None when nothing was there after all."""
    try:
        return os.read(fd, READ_CHUNK_BYTES)
    except BlockingIOError:
        return None


def _kill_group(process: subprocess.Popen[bytes]) -> None:
    """SIGKILL every process of the program's group, then reap the program itself.

    The program is not reaped before this, so its pid (the group's id) cannot have been reused.
    """
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)
    with contextlib.suppress(subprocess.TimeoutExpired):
        process.wait(REAP_AFTER_KILL_SECONDS)
