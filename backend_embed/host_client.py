"""ProcessBackend: the BackendApi of a recording host running in a child process (the console's default).

The console starts the host as a child (`backend_embed.host_process`) and talks to it over a socket pair
(`backend_embed.host_link`): calls and their replies, the host's events, and its log records, which are
logged here as the console's own. Live video does not cross the link: tiles reach the host's WHEP
endpoint on 127.0.0.1, as they would a remote recorder's. See docs/decisions.md, 27.

Everything here runs on one event loop (the console's worker loop), as `BackendHost` did. The child is
owned: `stop()` asks it to stop (it stops every recorder first) and waits, then kills it; the kernel
signals it if the console dies (`parent_death_hook`), and it stops when the link closes. A host that exits
on its own is reaped and started again after a backoff (`restart_delays`): `BackendStopped` says it went,
`BackendRestarted` that it is back; calls in between raise `HostGoneError`.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
import socket
import sys
import time
from collections.abc import Callable, Sequence
from typing import Any, cast

from backend_embed.api import (
    BackendApi,
    BackendError,
    BackendRestarted,
    BackendStopped,
    EventCallback,
    Unsubscribe,
)
from backend_embed.config import BackendConfig
from backend_embed.events import EventBus
from backend_embed.ffmpeg.process import parent_death_hook
from backend_embed.host_link import METHODS, frame, read_message

logger = logging.getLogger(__name__)

#: how long the host may take to start (database migrations, a backup of an old SQLite file first)
START_TIMEOUT_S = 120.0
#: how long the host may take to stop (every recorder finishes its segment) before it is killed
STOP_TIMEOUT_S = 20.0
#: after the host exited on its own, the waits before each attempt to start it again (the last repeats)
RESTART_DELAYS_S = (1.0, 3.0, 10.0, 30.0)
#: a host that ran this long before it exited counts as having run well: its restart waits the first delay
STABLE_RUN_S = 120.0
#: the command-line flag of the packaged console that runs the host instead (`vas_console.cli`)
FROZEN_FLAG = "--backend-host-fd"


class HostGoneError(BackendError):
    """The recording host process is not running (it exited, or was never started)."""


def host_command(fd: int) -> list[str]:
    """The command that runs the host on socket fd `fd`: this interpreter, or the packaged console."""
    if getattr(sys, "frozen", False):
        return [sys.executable, FROZEN_FLAG, str(fd)]
    return [sys.executable, "-m", "backend_embed.host_process", "--fd", str(fd)]


class ProcessBackend:
    """A BackendApi whose every method is a call to the host process (generated from the protocol)."""

    def __init__(
        self,
        config: BackendConfig,
        *,
        log_level: int = logging.INFO,
        command: Callable[[int], Sequence[str]] = host_command,
        restart_delays: Sequence[float] = RESTART_DELAYS_S,
    ) -> None:
        """Args:
        config: the host's configuration (sent to the child).
        log_level: the child's log level (its records are logged here).
        command: the child's command line, given the fd of its end of the link.
        restart_delays: the waits before restarting a host that exited on its own; empty: never restart.
        """
        self.config = config
        self._log_level = log_level
        self._command = command
        self._process: asyncio.subprocess.Process | None = None
        self._writer: asyncio.StreamWriter | None = None
        self._reading: asyncio.Task[None] | None = None
        self._pending: dict[int, asyncio.Future[Any]] = {}
        self._ids = itertools.count(1)
        self._events = EventBus()  # the host's events, delivered here on this loop
        self._stopping = False
        self._gone_reason = "The recorder has not started."
        self._restart_delays = tuple(restart_delays)
        self._restarting: asyncio.Task[None] | None = None
        self._started_at = 0.0
        self._quick_exits = 0  # exits in a row, each soon after its start: the restarts wait longer

    @property
    def api(self) -> BackendApi:
        """This object as the protocol it implements (its methods are generated, so typed here)."""
        return cast(BackendApi, self)

    @property
    def pid(self) -> int | None:
        return None if self._process is None else self._process.pid

    async def start(self, timeout_s: float = START_TIMEOUT_S) -> None:
        """Start the host process and wait until its host started.

        Raises:
            BackendError: the host could not start (its own message, e.g. a database it cannot open),
                or its process could not be started at all (`HostGoneError`).
        """
        await self._launch(timeout_s)

    async def _launch(self, timeout_s: float) -> None:
        ours, theirs = socket.socketpair()
        try:
            try:
                self._process = await asyncio.create_subprocess_exec(
                    *self._command(theirs.fileno()),
                    pass_fds=(theirs.fileno(),),
                    stdin=asyncio.subprocess.DEVNULL,
                    preexec_fn=parent_death_hook(),  # see there: the host dies with the console
                )
            finally:
                theirs.close()
            logger.info("Recording host process started (pid %d)", self._process.pid)
            reader, self._writer = await asyncio.open_unix_connection(sock=ours)
            self._writer.write(frame(("start", self.config, self._log_level)))
            try:
                outcome = await asyncio.wait_for(self._until_started(reader), timeout_s)
            except TimeoutError:
                outcome = HostGoneError(f"The recorder did not start within {timeout_s:.0f} s.")
        except BaseException as exc:
            # no process, a broken link, or cancelled: leave nothing behind. Cancelled (the console quits
            # while the host starts: migrations, a backup, recovery), the host is asked to stop with
            # SIGTERM, a clean stop from its first moment, and given the time of a stop before a kill
            ours.close()
            cancelled = isinstance(exc, asyncio.CancelledError)
            await asyncio.shield(
                self._end_process(
                    timeout_s=STOP_TIMEOUT_S if cancelled else 5.0, terminate=cancelled
                )
            )
            if isinstance(exc, OSError):
                raise HostGoneError("The recorder could not be started.", detail=str(exc)) from exc
            raise
        if outcome is not None:
            await self._end_process()
            self._gone_reason = outcome.user_message
            raise outcome
        self._gone_reason = (
            "The recorder stopped unexpectedly; it is being restarted."
            if self._restart_delays
            else "The recorder stopped unexpectedly; restart the console."
        )
        self._started_at = time.monotonic()
        self._reading = asyncio.create_task(self._read(reader), name="host-link-reader")

    async def _until_started(self, reader: asyncio.StreamReader) -> BackendError | None:
        """None once the host is ready, or why it is not (log records before that are handled)."""
        while True:
            message = await read_message(reader)
            if message is None:
                return HostGoneError("The recorder exited while starting (see the log).")
            if message[0] == "ready":
                return None
            if message[0] == "failed":
                error: BackendError = message[1]
                return error
            self._dispatch(message)

    async def stop(self, timeout_s: float = STOP_TIMEOUT_S) -> None:
        """Stop the host (its recorders first) and reap the process; kill it after `timeout_s`."""
        self._stopping = True
        self._gone_reason = "The recorder has stopped."
        if self._restarting is not None:  # a restart under way ends, and its process with it
            self._restarting.cancel()
            await asyncio.gather(self._restarting, return_exceptions=True)
            self._restarting = None
        if self._writer is not None and not self._writer.is_closing():
            with contextlib.suppress(ConnectionError):
                self._writer.write(frame(("stop",)))
        if self._reading is not None:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(asyncio.shield(self._reading), timeout_s)
        await self._end_process(timeout_s=5.0)
        if self._reading is not None:
            self._reading.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._reading

    async def _end_process(self, timeout_s: float = 5.0, *, terminate: bool = False) -> None:
        if self._writer is not None:
            self._writer.close()
        process = self._process
        if process is None:
            return
        if terminate and process.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                process.terminate()
        try:
            await asyncio.wait_for(process.wait(), timeout_s)
        except TimeoutError:
            logger.warning("Recording host did not exit within %.0f s; killing it", timeout_s)
            process.kill()
            await process.wait()
        logger.info("Recording host process exited (code %s)", process.returncode)

    def subscribe(self, callback: EventCallback) -> Unsubscribe:
        return self._events.subscribe(callback)

    async def _call(self, method: str, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
        writer = self._writer
        if self._reading is None or self._reading.done() or writer is None:
            raise HostGoneError(self._gone_reason)
        call_id = next(self._ids)
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        self._pending[call_id] = future
        try:
            writer.write(frame(("call", call_id, method, args, kwargs)))
            return await future
        except asyncio.CancelledError:
            # tell the host: a cancelled export must stop (and clean up) there too
            if not writer.is_closing():
                writer.write(frame(("cancel", call_id)))
            raise
        finally:
            self._pending.pop(call_id, None)

    async def _read(self, reader: asyncio.StreamReader) -> None:
        try:
            while (message := await read_message(reader)) is not None:
                self._dispatch(message)
        except Exception:
            logger.exception("The link to the recording host broke")
        finally:
            error = HostGoneError(self._gone_reason)
            for future in self._pending.values():
                if not future.done():
                    future.set_exception(error)
            if not self._stopping:  # nothing records now: the operator must hear of it at once
                logger.error(
                    "The recording host exited unexpectedly; its calls fail until it is back"
                )
                self._events.publish(BackendStopped(self._gone_reason))
                if self._restart_delays:
                    self._restarting = asyncio.create_task(self._restart(), name="host-restart")

    async def _restart(self) -> None:
        """Reap the host that exited, then start a new one after a backoff until one starts."""
        if time.monotonic() - self._started_at >= STABLE_RUN_S:
            self._quick_exits = 0
        attempt = self._quick_exits
        self._quick_exits += 1
        await self._end_process()
        # `stop()` cancels this task, but Python 3.11's wait_for can swallow a cancellation that meets
        # its result (the reaped host's wait): so every step also checks whether the console stops
        while not self._stop_requested():
            delay = self._restart_delays[min(attempt, len(self._restart_delays) - 1)]
            logger.warning("Restarting the recording host in %g s", delay)
            await asyncio.sleep(delay)
            if self._stop_requested():
                return
            try:
                await self._launch(START_TIMEOUT_S)
            except BackendError as exc:
                logger.error(  # noqa: TRY400 - the host's own message; its log has the details
                    "The recording host could not be restarted: %s", exc.user_message
                )
                why = exc.user_message
            except Exception:  # a bug in starting it must not end the attempts: nothing records
                logger.exception("Restarting the recording host failed")
                why = "see the log"
            else:
                break
            attempt += 1
            # what calls meanwhile say: still nothing records, and why the last attempt failed
            self._gone_reason = (
                f"The recorder stopped unexpectedly and could not be started again yet ({why}); "
                "it is tried again."
            )
        if self._stop_requested():  # `stop()` ends the host this may have started
            return
        logger.warning("Recording host restarted (pid %s)", self.pid)
        self._events.publish(
            BackendRestarted("The recorder stopped unexpectedly and was restarted.")
        )

    def _stop_requested(self) -> bool:
        """Whether `stop()` was called (a method: the flag changes across awaits)."""
        return self._stopping

    def _dispatch(self, message: tuple[Any, ...]) -> None:
        kind = message[0]
        if kind == "reply":
            _, call_id, ok, value = message
            future = self._pending.get(call_id)
            if future is None or future.done():  # its caller was cancelled meanwhile
                return
            if ok:
                future.set_result(value)
            else:
                future.set_exception(value)
        elif kind == "event":
            self._events.publish(message[1])
        elif kind == "log":
            record = logging.makeLogRecord(message[1])
            target = logging.getLogger(record.name)
            if target.isEnabledFor(record.levelno):
                target.handle(record)
        else:
            logger.warning("Unknown message from the recording host: %r", kind)


def _forwarder(method: str) -> Callable[..., Any]:
    async def call(self: ProcessBackend, *args: Any, **kwargs: Any) -> Any:
        return await self._call(method, args, kwargs)

    call.__name__ = call.__qualname__ = method
    call.__doc__ = f"`BackendApi.{method}`, served by the host process."
    return call


for _method in sorted(METHODS):
    setattr(ProcessBackend, _method, _forwarder(_method))


__all__ = ["FROZEN_FLAG", "RESTART_DELAYS_S", "HostGoneError", "ProcessBackend", "host_command"]
