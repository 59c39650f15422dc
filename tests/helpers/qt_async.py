"""Fixtures: qt_loop, a qasync event loop that runs while qtbot waits, for synchronous GUI tests.

What is real: qasync's loop and Qt's event dispatch. The loop is installed as the GUI thread's running loop
without entering `run_forever()`: its callbacks are Qt timer events and queued signals, so they run
whenever Qt processes events, i.e. inside `qtbot.waitUntil` / `qtbot.waitSignal`. That lets a synchronous
test click a button whose slot starts a task, then wait for the task's effect on the widgets.

`run_forever()` is never entered, so the loop's `stop()` (which calls `QApplication.exit()` and would make
every later nested Qt loop return at once) is never needed.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import pytest
from PySide6.QtCore import QDeadlineTimer, QEventLoop
from PySide6.QtWidgets import QApplication

from vas_console.ui.aio import new_event_loop

DRAIN_TIMEOUT_MS = 5000


def _drain(loop: asyncio.AbstractEventLoop) -> list[asyncio.Task[object]]:
    """Cancel the loop's tasks and process events until they ended; returns those still pending."""
    tasks = [t for t in asyncio.all_tasks(loop) if not t.done()]
    for task in tasks:
        task.cancel()
    deadline = QDeadlineTimer(DRAIN_TIMEOUT_MS)
    while any(not t.done() for t in tasks) and not deadline.hasExpired():
        QApplication.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 50)
    return [t for t in tasks if not t.done()]


@pytest.fixture
def qt_loop(qapp: QApplication) -> Iterator[asyncio.AbstractEventLoop]:
    """A qasync loop installed as the running loop of the GUI thread for one synchronous test.

    Never use it from `async def` tests or inside a coroutine. Teardown fails the test if a task was left
    running that nobody had cancelled (widgets are closed first, so their own cancellations are fine).
    """
    loop = new_event_loop()
    asyncio._set_running_loop(loop)
    try:
        yield loop
    finally:
        orphans = [
            t.get_name() for t in asyncio.all_tasks(loop) if not t.done() and not t.cancelling()
        ]
        stuck = _drain(loop)
        asyncio._set_running_loop(None)
        loop.close()
    assert not stuck, f"tasks did not end after cancellation: {stuck}"
    assert not orphans, f"test left asyncio tasks running: {orphans}"
