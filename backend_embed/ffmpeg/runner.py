"""Short-lived tool runs (ffprobe, a one-shot ffmpeg): start, collect output, kill and reap on every exit path."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass

logger = logging.getLogger(__name__)

#: stdout beyond this is dropped (a tool run's stdout is a small JSON document or one image)
MAX_STDOUT_BYTES = 32 * 1024 * 1024
#: only the tail of stderr is kept: the last lines say why a tool failed
MAX_STDERR_BYTES = 64 * 1024
#: how long to wait, after the child is gone, for the rest of its output already in the pipes
_DRAIN_AFTER_EXIT_S = 1.0
_READ_CHUNK = 64 * 1024


@dataclass(frozen=True, slots=True)
class ToolResult:
    """What a tool run produced.

    Attributes:
        returncode: the exit status; negative (the signal number) when the tool was killed.
        stdout: the raw standard output (the first `MAX_STDOUT_BYTES`).
        stderr: the tail of standard error, decoded as UTF-8 with replacement. NOT redacted: the caller
            knows the secrets and must pass every line through `redact()` before showing it.
        timed_out: True when the tool was killed because it ran longer than the timeout.
        elapsed_s: wall time from start to exit.
    """

    returncode: int
    stdout: bytes
    stderr: str
    timed_out: bool
    elapsed_s: float = 0.0

    @property
    def ok(self) -> bool:
        """True when the tool exited by itself with status 0."""
        return self.returncode == 0 and not self.timed_out


class _Sink:
    """A byte buffer that keeps the head or the tail of what is written to it, up to `limit` bytes."""

    def __init__(self, limit: int, *, keep_tail: bool) -> None:
        self._buf = bytearray()
        self._limit = limit
        self._keep_tail = keep_tail

    def write(self, chunk: bytes) -> None:
        if self._keep_tail:
            self._buf += chunk
            if len(self._buf) > self._limit:
                del self._buf[: len(self._buf) - self._limit]
        elif len(self._buf) < self._limit:
            self._buf += chunk[: self._limit - len(self._buf)]

    def getvalue(self) -> bytes:
        return bytes(self._buf)


async def _drain(stream: asyncio.StreamReader | None, sink: _Sink) -> None:
    if stream is None:
        return
    while chunk := await stream.read(_READ_CHUNK):
        sink.write(chunk)


async def _kill_and_reap(proc: asyncio.subprocess.Process) -> None:
    """Kill the child if it still runs and wait for its exit status, even if the caller is being cancelled."""
    if proc.returncode is None:
        with contextlib.suppress(ProcessLookupError):
            proc.kill()
    # shield: a second cancellation must not leave a zombie; SIGKILL makes the wait short
    await asyncio.shield(proc.wait())


# ASYNC109: the timeout is part of the result (timed_out, partial output), not a cancellation of the caller
async def run_tool(argv: Sequence[str], *, timeout: float) -> ToolResult:  # noqa: ASYNC109
    """Run a tool to completion and return its output.

    The child gets no stdin. If it runs longer than `timeout` seconds it is killed and the result has
    `timed_out=True` with whatever output came before. If the caller is cancelled, the child is killed and
    reaped before `CancelledError` propagates. The child is never left running or unreaped.

    Args:
        argv: the program and its arguments. May contain credentials: only `argv[0]` is ever logged.
        timeout: seconds the tool may run.

    Raises:
        OSError: the program cannot be started (FileNotFoundError when it is not installed).
    """
    if not argv:
        raise ValueError("run_tool needs a program to run")
    out = _Sink(MAX_STDOUT_BYTES, keep_tail=False)

    async def read_stdout(stream: asyncio.StreamReader | None) -> None:
        await _drain(stream, out)

    result = await _run(argv, timeout, read_stdout, "", rest=out)
    return ToolResult(
        result.returncode, out.getvalue(), result.stderr, result.timed_out, result.elapsed_s
    )


async def _run(
    argv: Sequence[str],
    timeout: float,  # noqa: ASYNC109
    read_stdout: Callable[[asyncio.StreamReader | None], Awaitable[None]],
    what: str,
    *,
    rest: _Sink | None = None,
) -> ToolResult:
    """Start `argv`, read stdout with `read_stdout` and keep stderr's tail; kill and reap on every exit path.

    The result's `stdout` is empty: `read_stdout` keeps what it needs; stdout left in the pipe after a kill
    goes to `rest` (dropped without one).
    """
    started = time.monotonic()
    proc = await asyncio.create_subprocess_exec(
        *argv,
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    logger.debug("Started %s (pid %d)%s", argv[0], proc.pid, what)
    err = _Sink(MAX_STDERR_BYTES, keep_tail=True)
    timed_out = False
    try:
        try:
            async with asyncio.timeout(timeout):
                await asyncio.gather(read_stdout(proc.stdout), _drain(proc.stderr, err))
                await proc.wait()
        except TimeoutError:
            timed_out = True
            logger.debug("%s (pid %d) ran over %.1f s: killing it", argv[0], proc.pid, timeout)
    finally:
        await _kill_and_reap(proc)
        # reading the pipes to EOF lets the transport close; on cancellation too, or GC warns about them
        await _drain_rest(proc, rest if rest is not None else _Sink(0, keep_tail=False), err)
    elapsed = time.monotonic() - started
    returncode = proc.returncode if proc.returncode is not None else -1
    logger.debug("%s (pid %d) exited with %d after %.2f s", argv[0], proc.pid, returncode, elapsed)
    return ToolResult(
        returncode=returncode,
        stdout=b"",
        stderr=err.getvalue().decode("utf-8", errors="replace"),
        timed_out=timed_out,
        elapsed_s=elapsed,
    )


async def _drain_rest(proc: asyncio.subprocess.Process, out: _Sink, err: _Sink) -> None:
    """Collect what a killed child had already written; give up if a grandchild keeps the pipes open."""
    with contextlib.suppress(TimeoutError):
        async with asyncio.timeout(_DRAIN_AFTER_EXIT_S):
            await asyncio.gather(_drain(proc.stdout, out), _drain(proc.stderr, err))


#: a stdout line longer than this is cut (progress lines are short; a runaway one must not grow unbounded)
_MAX_LINE_BYTES = 4096


async def _lines(stream: asyncio.StreamReader | None, on_line: Callable[[str], None]) -> None:
    """Read `stream` to EOF and hand each line (decoded, without its end) to `on_line`."""
    if stream is None:
        return
    pending = bytearray()
    while chunk := await stream.read(_READ_CHUNK):
        pending += chunk
        *complete, rest = pending.split(b"\n")
        pending = bytearray(rest[:_MAX_LINE_BYTES])
        for line in complete:
            on_line(line[:_MAX_LINE_BYTES].decode("utf-8", errors="replace").rstrip("\r"))
    if pending:
        on_line(pending.decode("utf-8", errors="replace").rstrip("\r"))


# ASYNC109: as with run_tool, the timeout is part of the result
async def run_tool_lines(
    argv: Sequence[str],
    *,
    timeout: float,  # noqa: ASYNC109
    on_line: Callable[[str], None],
) -> ToolResult:
    """Run a tool to completion like `run_tool`, handing each stdout line to `on_line` as it arrives.

    For tools that report as they go (`ffmpeg -progress pipe:1`). The result's `stdout` is empty; the
    stderr tail, exit status, timeout and the kill-and-reap on every exit path (cancellation included) are
    as with `run_tool`. An exception raised by `on_line` stops the run: the child is killed and reaped and
    the exception propagates.
    """
    if not argv:
        raise ValueError("run_tool_lines needs a program to run")

    async def read_stdout(stream: asyncio.StreamReader | None) -> None:
        await _lines(stream, on_line)

    return await _run(argv, timeout, read_stdout, ", reading its output lines")
