"""The worker thread: one plain asyncio loop for all ffmpeg, aiortc, database and file work.

The GUI thread never blocks on it: `call()` is awaitable from the GUI's own (qasync) loop, and cancelling that
await cancels the coroutine on the worker loop too.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import logging
import threading
from collections.abc import Coroutine
from typing import Any, TypeVar

logger = logging.getLogger(__name__)

T = TypeVar("T")


class LoopThreadError(RuntimeError):
    """The worker loop is not running (not started yet, or already stopped)."""


class LoopThread:
    """Owns a daemon-free thread running an asyncio loop until `stop()`.

    Must be started before use and stopped exactly once; `stop()` cancels every task still on the loop,
    waits for them to finish their cleanup, then joins the thread.
    """

    def __init__(self, name: str = "vas-worker") -> None:
        self._name = name
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._ready = threading.Event()
        self._stopping: asyncio.Event | None = None

    @property
    def loop(self) -> asyncio.AbstractEventLoop:
        if self._loop is None:
            raise LoopThreadError("worker loop is not running")
        return self._loop

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def start(self) -> None:
        if self._thread is not None:
            raise LoopThreadError("worker loop already started")
        self._thread = threading.Thread(target=self._run, name=self._name)
        self._thread.start()
        self._ready.wait()

    def _run(self) -> None:
        asyncio.run(self._main())

    async def _main(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._stopping = asyncio.Event()
        self._ready.set()
        try:
            await self._stopping.wait()
        finally:
            await self._cancel_remaining()
            self._loop = None

    async def _cancel_remaining(self) -> None:
        current = asyncio.current_task()
        tasks = [t for t in asyncio.all_tasks() if t is not current]
        for task in tasks:
            task.cancel()
        results = await asyncio.gather(*tasks, return_exceptions=True)
        for task, result in zip(tasks, results, strict=True):
            if isinstance(result, BaseException) and not isinstance(result, asyncio.CancelledError):
                logger.error("Task %s failed while stopping: %r", task.get_name(), result)

    def submit(self, coro: Coroutine[Any, Any, T]) -> concurrent.futures.Future[T]:
        """Schedule `coro` on the worker loop from any thread."""
        try:
            loop = self.loop
        except LoopThreadError:
            coro.close()
            raise
        return asyncio.run_coroutine_threadsafe(coro, loop)

    async def call(self, coro: Coroutine[Any, Any, T]) -> T:
        """Run `coro` on the worker loop and await its result from another running loop (the GUI's)."""
        future = self.submit(coro)
        return await asyncio.wrap_future(future)

    def run_sync(self, coro: Coroutine[Any, Any, T], timeout: float | None = None) -> T:
        """Run `coro` on the worker loop and block until it finishes. Never call this from the GUI loop."""
        return self.submit(coro).result(timeout)

    def stop(self, timeout: float = 5.0) -> None:
        """Cancel what is left on the loop, let it clean up, and join the thread."""
        if self._thread is None:
            return
        loop, stopping = self._loop, self._stopping
        if loop is not None and stopping is not None and not loop.is_closed():
            loop.call_soon_threadsafe(stopping.set)
        self._thread.join(timeout)
        if self._thread.is_alive():
            raise LoopThreadError(f"worker thread {self._name} did not stop within {timeout} s")
        self._thread = None
