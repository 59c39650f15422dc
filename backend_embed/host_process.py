"""The recording host in a process of its own: `BackendHost` served to the console over a host link.

Started by `backend_embed.host_client.ProcessBackend` as `python -m backend_embed.host_process --fd N` (the
packaged console: `vas-console --backend-host-fd N`), with one end of a socket pair as fd N. It runs until
the console says stop, the link closes (the console is gone) or SIGTERM comes (the kernel sends it when the
console dies, `parent_death_hook`); each way it stops the host, and so every ffmpeg it owns, first.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import functools
import logging
import signal
import socket
import sys
import threading
import traceback
from collections.abc import Callable, Sequence
from typing import Any

from backend_embed.api import BackendError, redact
from backend_embed.heap_trim import HeapTrimmer
from backend_embed.host import BackendHost
from backend_embed.host_link import METHODS, HostCallError, frame, read_message, record_fields

logger = logging.getLogger("backend_embed.host_process")  # (its __name__ is __main__ when run)

Send = Callable[[tuple[Any, ...]], None]


class _Link:
    """Writes messages to the console from any thread (the loop's writer is not thread-safe)."""

    def __init__(self, writer: asyncio.StreamWriter) -> None:
        self._writer = writer
        self._loop = asyncio.get_running_loop()
        self._loop_thread = threading.get_ident()

    def send(self, message: tuple[Any, ...]) -> None:
        data = frame(message)
        if threading.get_ident() == self._loop_thread:
            self._write(data)
        else:
            with contextlib.suppress(RuntimeError):  # the loop closed: nobody left to tell
                self._loop.call_soon_threadsafe(self._write, data)

    def _write(self, data: bytes) -> None:
        if not self._writer.is_closing():
            self._writer.write(data)

    async def drain(self) -> None:
        with contextlib.suppress(ConnectionError):
            await self._writer.drain()


class _LogForwarder(logging.Handler):
    """Sends every log record of this process to the console, which logs it as its own."""

    def __init__(self, send: Send) -> None:
        super().__init__()
        self._send = send

    def emit(self, record: logging.LogRecord) -> None:
        try:
            exc_text = None
            if record.exc_info:  # redacted here too: the console's filter sees only the text
                exc_text = redact("".join(traceback.format_exception(*record.exc_info)))
            self._send(("log", record_fields(record, exc_text)))
        except Exception:  # noqa: BLE001 - a record that cannot cross must not raise in the caller
            self.handleError(record)


async def _answer(
    host: BackendHost, link: _Link, call_id: int, method: str, args: Any, kwargs: Any
) -> None:
    if method not in METHODS:
        link.send(
            ("reply", call_id, False, HostCallError(f"{method!r} is not a BackendApi method"))
        )
        return
    try:
        value = await getattr(host, method)(*args, **kwargs)
    except asyncio.CancelledError:
        logger.debug("Call %d (%s) cancelled by the console", call_id, method)
        raise
    except BackendError as exc:  # expected: the console shows its user_message
        link.send(("reply", call_id, False, exc))
        return
    except Exception as exc:
        logger.exception("The recording host failed while serving %s", method)
        error = HostCallError(f"{method}: {type(exc).__name__}: {exc}")
        link.send(("reply", call_id, False, error))
        return
    try:
        link.send(("reply", call_id, True, value))
    except Exception as exc:  # (a value that cannot be pickled: a bug in a DTO)
        logger.exception("The reply to %s could not be sent", method)
        link.send(("reply", call_id, False, HostCallError(f"{method}: reply not sendable: {exc}")))


def _forget(calls: dict[int, asyncio.Task[None]], call_id: int, _task: object) -> None:
    calls.pop(call_id, None)


async def _serve_calls(
    host: BackendHost, link: _Link, reader: asyncio.StreamReader, stopping: asyncio.Event
) -> None:
    """Answer calls until a stop, the end of the link or SIGTERM (`stopping`)."""
    stop_wait = asyncio.create_task(stopping.wait())
    calls: dict[int, asyncio.Task[None]] = {}
    try:
        while True:
            read = asyncio.create_task(read_message(reader))
            await asyncio.wait({read, stop_wait}, return_when=asyncio.FIRST_COMPLETED)
            if not read.done():
                read.cancel()
                logger.info("Recording host: SIGTERM (the console is gone); stopping")
                return
            message = read.result()
            if message is None:
                logger.info("Recording host: the console closed the link; stopping")
                return
            if message[0] == "stop":
                return
            if message[0] == "cancel":  # the caller gave up: an export stops and cleans up
                task = calls.get(message[1])
                if task is not None:
                    task.cancel()
            elif message[0] == "call":
                _, call_id, method, args, kwargs = message
                task = asyncio.create_task(_answer(host, link, call_id, method, args, kwargs))
                calls[call_id] = task
                task.add_done_callback(functools.partial(_forget, calls, call_id))
    finally:
        stop_wait.cancel()
        for task in list(calls.values()):
            task.cancel()
        await asyncio.gather(*calls.values(), return_exceptions=True)


async def serve(sock: socket.socket) -> None:
    """Serve one console over `sock` (one end of its socket pair) until it is done with us.

    SIGTERM (the kernel sends it when the console dies) is handled from the first moment to the last:
    whatever the host is doing then, it still stops cleanly (recorders finish their segments, the
    database closes) instead of dying mid-write.
    """
    loop = asyncio.get_running_loop()
    stopping = asyncio.Event()
    loop.add_signal_handler(signal.SIGTERM, stopping.set)
    reader, writer = await asyncio.open_unix_connection(sock=sock)
    link = _Link(writer)
    root = logging.getLogger()
    forwarder = _LogForwarder(link.send)
    try:
        first = await read_message(reader)
        if first is None or first[0] != "start":
            return
        _, config, level = first
        root.addHandler(forwarder)
        root.setLevel(level)
        await _run_host(config, link, reader, stopping)
    finally:
        await link.drain()
        root.removeHandler(forwarder)
        writer.close()
        with contextlib.suppress(ConnectionError):
            await writer.wait_closed()
        loop.remove_signal_handler(signal.SIGTERM)


async def _run_host(
    config: Any, link: _Link, reader: asyncio.StreamReader, stopping: asyncio.Event
) -> None:
    host: BackendHost | None = None
    try:
        host = BackendHost(config)
        await host.start()
    except Exception as exc:
        if not isinstance(exc, BackendError):
            logger.exception("The recording host failed to start")
            exc = BackendError("The recorder could not start.", detail=repr(exc))
        link.send(("failed", exc))  # first: a failing stop below must not hide why
        if host is not None:
            try:
                await host.stop()  # what did start (safe after a failed start)
            except Exception:
                logger.exception("Stopping the recording host after its failed start failed")
        return
    unsubscribe = host.subscribe(lambda event: link.send(("event", event)))
    # packet readers on many threads fragment the C heap: give its free pages back each minute
    trimmer = HeapTrimmer()
    trimmer.start()
    link.send(("ready",))
    try:
        if not stopping.is_set():
            await _serve_calls(host, link, reader, stopping)
    finally:
        unsubscribe()
        await trimmer.aclose()
        await host.stop()


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="backend_embed.host_process")
    parser.add_argument(
        "--fd", type=int, required=True, help="this end of the console's socket pair"
    )
    args = parser.parse_args(argv)
    # Ctrl-C in a terminal reaches the whole process group: the console handles it and stops us
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    sock = socket.socket(fileno=args.fd)
    asyncio.run(serve(sock))
    return 0


if __name__ == "__main__":
    sys.exit(main())
