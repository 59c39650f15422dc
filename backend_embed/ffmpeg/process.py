"""One long-running ffmpeg child: drained and redacted stderr, stop by q -> SIGTERM -> SIGKILL, always reaped."""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import logging
import os
import signal
import sys
from collections import deque
from collections.abc import Callable, Mapping, Sequence
from types import TracebackType
from typing import Final, Self

from backend_embed.cameras.redaction import redact

logger = logging.getLogger(__name__)

TAIL_LINES: Final = 100
#: a longer stderr line is cut: ffmpeg's lines are short, a runaway one must not grow without bound
MAX_LINE_CHARS: Final = 4096
#: how long to wait, after the child is gone, for the rest of its stderr already in the pipe
_DRAIN_AFTER_EXIT_S: Final = 1.0
_READ_CHUNK: Final = 64 * 1024
_PR_SET_PDEATHSIG: Final = 1
#: the signal a child gets when the console dies: ffmpeg treats SIGTERM as "finish up", so the segment it
#: holds in memory is written, and it exits within milliseconds (its I/O checks for a pending signal)
PARENT_DEATH_SIGNAL: Final = signal.SIGTERM

LineHandler = Callable[[str], None]


class FfmpegProcessError(RuntimeError):
    """FfmpegProcess used out of order (started twice, or waited on before start): a bug in the caller."""


def parent_death_hook() -> Callable[[], None] | None:
    """A `preexec_fn` that makes the kernel signal the child when the process that forked it exits.

    Why a preexec_fn: `PR_SET_PDEATHSIG` can only be set by the child itself, between fork and exec; no
    `subprocess` argument does it. Wrapping ffmpeg in `setpriv --pdeathsig` would avoid the hook but leave
    a window (the parent dying before setpriv runs) that this hook closes by checking `getppid()` after
    arming. The hook only calls prctl through a function resolved before the fork and `os._exit`, so it
    takes no lock another thread of the console could hold.

    Caveat: the signal fires when the *thread* that forked exits, not the process. The backend starts every
    recorder from its long-lived worker loop thread, which lives until the backend stops them all.

    Returns:
        None where prctl is unavailable (not Linux): there the console's own stop is the only guarantee.
    """
    if not sys.platform.startswith("linux"):
        return None
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        prctl = libc.prctl
    except (OSError, AttributeError):
        return None
    prctl.argtypes = [ctypes.c_int, ctypes.c_ulong, ctypes.c_ulong, ctypes.c_ulong, ctypes.c_ulong]
    prctl.restype = ctypes.c_int
    parent = os.getpid()
    death_signal = int(PARENT_DEATH_SIGNAL)

    def arm() -> None:
        if prctl(_PR_SET_PDEATHSIG, death_signal, 0, 0, 0) != 0:
            os._exit(126)
        if os.getppid() != parent:  # the parent died before the signal was armed
            os._exit(125)

    return arm


class FfmpegProcess:
    """One ffmpeg child that runs until it exits or is stopped.

    stdin is a pipe (for `q`), stdout goes to /dev/null, and stderr is drained by a task this object owns
    into a ring of the last `TAIL_LINES` lines, each redacted. Lines are logged at DEBUG only; the caller
    attaches `stderr_tail()` to whatever it reports. The child runs in its own process group (a Ctrl-C in
    the terminal reaches the console, which then stops its recorders in order) and is sent SIGTERM by the
    kernel if the console dies (see `parent_death_hook`).

    Use as an async context manager, or call `start()` and then `stop()` in a `finally`.
    """

    def __init__(
        self,
        argv: Sequence[str],
        *,
        secrets: Sequence[str] = (),
        on_line: LineHandler | None = None,
        env: Mapping[str, str] | None = None,
        name: str = "ffmpeg",
    ) -> None:
        """Describe the child; nothing runs until `start()`.

        Args:
            argv: the program and its arguments; may hold credentials (only `name` is ever logged).
            secrets: plain-text secrets masked in every stderr line.
            on_line: called on the loop with each redacted stderr line, in order. Must not block. An
                exception from it is logged and does not stop the draining.
            env: the child's environment; the console's own if None.
            name: how logs name this child (e.g. "recorder 3/main").
        """
        if not argv:
            raise ValueError("FfmpegProcess needs a program to run")
        self._argv = list(argv)
        self._secrets = list(secrets)
        self._on_line = on_line
        self._env = dict(env) if env is not None else None
        self._name = name
        self._tail: deque[str] = deque(maxlen=TAIL_LINES)
        self._proc: asyncio.subprocess.Process | None = None
        self._drain_task: asyncio.Task[None] | None = None
        self._stop_task: asyncio.Task[int] | None = None

    @property
    def pid(self) -> int | None:
        """The child's process id, or None before `start()`."""
        return self._proc.pid if self._proc is not None else None

    @property
    def returncode(self) -> int | None:
        """The exit status once the child was reaped (negative: killed by that signal), else None."""
        return self._proc.returncode if self._proc is not None else None

    def stderr_tail(self) -> list[str]:
        """The last stderr lines (at most `TAIL_LINES`), redacted, oldest first."""
        return list(self._tail)

    async def start(self) -> None:
        """Start the child.

        Raises:
            FfmpegProcessError: already started.
            OSError: the program cannot be started (FileNotFoundError when it is not installed).
        """
        if self._proc is not None:
            raise FfmpegProcessError(f"{self._name} was already started")
        self._proc = await asyncio.create_subprocess_exec(
            *self._argv,
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.DEVNULL,
            stderr=asyncio.subprocess.PIPE,
            env=self._env,
            process_group=0,
            preexec_fn=parent_death_hook(),  # see parent_death_hook for why
        )
        self._drain_task = asyncio.create_task(
            self._drain(self._proc.stderr), name=f"{self._name} stderr"
        )
        logger.debug("Started %s (pid %d)", self._name, self._proc.pid)

    async def wait(self) -> int:
        """Wait until the child exits and its stderr is read; return its exit status.

        Cancelling this wait leaves the child running (use `stop()` for that).

        Raises:
            FfmpegProcessError: not started.
        """
        proc = self._require_started()
        returncode = await proc.wait()
        await self._finish_drain()
        return returncode

    async def stop(self, grace_q: float = 3.0, grace_term: float = 2.0) -> int | None:
        """Stop the child and reap it: `q` on stdin, then SIGTERM after `grace_q` s, then SIGKILL after
        `grace_term` s more. Safe to call twice, concurrently, or after the child exited by itself.

        The child is reaped before this returns, even if the caller is cancelled meanwhile: the stop goes
        on (for at most about `grace_q + grace_term` seconds), then the CancelledError propagates.

        Returns:
            The exit status, or None if the child was never started.
        """
        if self._proc is None:
            return None
        if self._stop_task is None:
            self._stop_task = asyncio.create_task(
                self._stop(self._proc, grace_q, grace_term), name=f"{self._name} stop"
            )
        task = self._stop_task
        try:
            return await asyncio.shield(task)
        except asyncio.CancelledError:
            await _finish_uncancellably(task)
            raise

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.stop()

    def _require_started(self) -> asyncio.subprocess.Process:
        if self._proc is None:
            raise FfmpegProcessError(f"{self._name} was not started")
        return self._proc

    async def _stop(
        self, proc: asyncio.subprocess.Process, grace_q: float, grace_term: float
    ) -> int:
        if proc.returncode is None:
            await self._send_quit(proc)
        for grace, sig in ((grace_q, signal.SIGTERM), (grace_term, signal.SIGKILL)):
            if await _exited_within(proc, grace):
                break
            logger.debug("%s (pid %d) still runs after %.1f s: sending %s",
                         self._name, proc.pid, grace, sig.name)  # fmt: skip
            with contextlib.suppress(ProcessLookupError):
                proc.send_signal(sig)
        returncode = await proc.wait()
        if proc.stdin is not None:
            proc.stdin.close()
        await self._finish_drain()
        logger.debug("%s (pid %d) exited with %d", self._name, proc.pid, returncode)
        return returncode

    async def _send_quit(self, proc: asyncio.subprocess.Process) -> None:
        """Ask ffmpeg to finish: `q` ends its main loop, then it writes trailers and closes outputs."""
        stdin = proc.stdin
        if stdin is None or stdin.is_closing():
            return
        try:
            stdin.write(b"q")
            await stdin.drain()
        except (BrokenPipeError, ConnectionResetError):  # it exited meanwhile
            return
        finally:
            stdin.close()

    async def _finish_drain(self) -> None:
        task = self._drain_task
        if task is None or task.done():
            return
        try:
            async with asyncio.timeout(_DRAIN_AFTER_EXIT_S):
                await asyncio.shield(task)
        except TimeoutError:  # a grandchild holds the pipe open: stop reading
            task.cancel()
            await asyncio.wait({task})

    async def _drain(self, stream: asyncio.StreamReader | None) -> None:
        if stream is None:
            return
        pending = b""
        while chunk := await stream.read(_READ_CHUNK):
            *lines, pending = (pending + chunk).replace(b"\r", b"\n").split(b"\n")
            for raw in lines:
                self._take_line(raw)
            if len(pending) > MAX_LINE_CHARS:
                self._take_line(pending)
                pending = b""
        if pending:
            self._take_line(pending)

    def _take_line(self, raw: bytes) -> None:
        text = raw[:MAX_LINE_CHARS].decode("utf-8", errors="replace").rstrip()
        if not text:
            return
        line = redact(text, self._secrets)
        self._tail.append(line)
        logger.debug("%s: %s", self._name, line)
        if self._on_line is None:
            return
        try:
            self._on_line(line)
        except Exception:  # the drain must go on, or the child blocks on a full pipe
            logger.exception("%s: the stderr line handler failed", self._name)


async def _exited_within(proc: asyncio.subprocess.Process, seconds: float) -> bool:
    if proc.returncode is not None:
        return True
    try:
        async with asyncio.timeout(seconds):
            await proc.wait()
    except TimeoutError:
        return False
    return True


async def _finish_uncancellably(task: asyncio.Task[int]) -> None:
    """Await `task` to its end, even through further cancellations (the caller re-raises afterwards)."""
    while not task.done():
        with contextlib.suppress(asyncio.CancelledError):
            await asyncio.wait({task})
