"""The worker loop thread: results, errors and cancellation cross threads; stop cleans up."""

from __future__ import annotations

import asyncio
import threading

import pytest

from vas_console.runtime.loop_thread import LoopThread, LoopThreadError


@pytest.fixture
def worker() -> LoopThread:
    thread = LoopThread(name="test-worker")
    thread.start()
    yield thread
    thread.stop()


async def _thread_name() -> str:
    await asyncio.sleep(0)
    return threading.current_thread().name


def test_run_sync_runs_on_the_worker_thread(worker: LoopThread) -> None:
    assert worker.run_sync(_thread_name(), timeout=5) == "test-worker"


def test_call_is_awaitable_from_another_loop(worker: LoopThread) -> None:
    async def gui_side() -> str:
        return await worker.call(_thread_name())

    assert asyncio.run(gui_side()) == "test-worker"


def test_errors_propagate_to_the_caller(worker: LoopThread) -> None:
    async def boom() -> None:
        raise ValueError("bad input")

    with pytest.raises(ValueError, match="bad input"):
        worker.run_sync(boom(), timeout=5)


def test_cancelling_the_caller_cancels_the_worker_coroutine(worker: LoopThread) -> None:
    started, cancelled = threading.Event(), threading.Event()

    async def slow() -> None:
        started.set()
        try:
            await asyncio.sleep(30)
        except asyncio.CancelledError:
            cancelled.set()
            raise

    async def gui_side() -> None:
        task = asyncio.ensure_future(worker.call(slow()))
        # cancelled before the worker ran it, the coroutine would never start (nor see a cancellation)
        assert await asyncio.to_thread(started.wait, 5)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task

    asyncio.run(gui_side())
    assert cancelled.wait(2)


def test_stop_cancels_pending_tasks_and_lets_them_clean_up() -> None:
    thread = LoopThread()
    thread.start()
    cleaned = threading.Event()

    async def background() -> None:
        try:
            await asyncio.sleep(30)
        finally:
            cleaned.set()

    thread.submit(background())
    thread.stop(timeout=5)
    assert cleaned.is_set()
    assert not thread.running


def test_submit_after_stop_raises_and_closes_the_coroutine() -> None:
    thread = LoopThread()
    thread.start()
    thread.stop()
    coro = _thread_name()
    with pytest.raises(LoopThreadError):
        thread.submit(coro)
    assert coro.cr_frame is None  # closed, so no "never awaited" warning
