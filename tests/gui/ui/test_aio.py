"""Tests for vas_console/ui/aio.py: owned tasks, failure reports, async slots and the app runner."""

from __future__ import annotations

import asyncio
import logging

import pytest
from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot
from shiboken6 import Shiboken

from backend_embed.api import BackendError, NotFoundError
from vas_console.ui.aio import TaskKeeper, async_slot, run_app, wait_for_signal


class Emitter(QObject):
    """A sender with a bool signal, like QAbstractButton.clicked."""

    fired = Signal(bool)


class Owner(QObject):
    """An object with async slots, as widgets have."""

    def __init__(self) -> None:
        super().__init__()
        self.tasks = TaskKeeper(self)
        self.seen: list[str] = []

    @async_slot
    async def on_fired_without_args(self) -> None:
        await asyncio.sleep(0)
        self.seen.append("no args")

    @async_slot
    async def on_fired_with_flag(self, flag: bool) -> None:
        self.seen.append(f"flag={flag}")

    @async_slot
    async def fail_expectedly(self) -> None:
        raise NotFoundError("This camera no longer exists.")

    @async_slot
    async def fail_badly(self) -> None:
        raise ZeroDivisionError("bug")


@pytest.fixture
def owner(qt_loop: asyncio.AbstractEventLoop) -> Owner:
    return Owner()


def test_async_slot_drops_signal_arguments_the_coroutine_does_not_take(
    qtbot: QtBot, owner: Owner
) -> None:
    emitter = Emitter()
    emitter.fired.connect(owner.on_fired_without_args)
    emitter.fired.connect(owner.on_fired_with_flag)

    emitter.fired.emit(True)

    qtbot.waitUntil(lambda: owner.tasks.idle)
    assert sorted(owner.seen) == ["flag=True", "no args"]


def test_backend_error_in_a_task_is_reported_not_raised(qtbot: QtBot, owner: Owner) -> None:
    with qtbot.waitSignal(owner.tasks.backend_failed, timeout=1000) as blocker:
        owner.fail_expectedly()

    [error] = blocker.args
    assert isinstance(error, BackendError)
    assert error.user_message == "This camera no longer exists."


def test_unexpected_error_in_a_task_is_logged_with_its_traceback(
    qtbot: QtBot, owner: Owner, caplog: pytest.LogCaptureFixture
) -> None:
    with qtbot.waitSignal(owner.tasks.failed_unexpectedly, timeout=1000):
        owner.fail_badly()

    [record] = [r for r in caplog.records if r.levelno == logging.ERROR]
    assert "Owner.fail_badly" in record.getMessage()
    assert record.exc_info is not None
    assert record.exc_info[0] is ZeroDivisionError


def test_cancel_all_ends_running_tasks_and_reports_idle(qtbot: QtBot, owner: Owner) -> None:
    never = asyncio.Event()
    owner.tasks.start(never.wait(), name="waiting")  # type: ignore[arg-type]
    assert not owner.tasks.idle

    with qtbot.waitSignal(owner.tasks.became_idle, timeout=1000):
        owner.tasks.cancel_all()

    assert owner.tasks.idle


def test_wait_for_signal_returns_the_signal_arguments(qtbot: QtBot, owner: Owner) -> None:
    emitter = Emitter()
    received: list[tuple[object, ...]] = []

    async def wait() -> None:
        received.append(await wait_for_signal(emitter.fired))

    owner.tasks.start(wait(), name="wait")
    qtbot.waitUntil(lambda: emitter.receivers("2fired(bool)") > 0)
    emitter.fired.emit(False)

    qtbot.waitUntil(lambda: owner.tasks.idle)
    assert received == [(False,)]


def test_run_app_runs_the_coroutine_on_a_qasync_loop_and_returns_its_result(
    qapp: QApplication,
) -> None:
    async def main() -> str:
        await asyncio.sleep(0.01)
        return type(asyncio.get_running_loop()).__name__

    quit_on_close = qapp.quitOnLastWindowClosed()
    try:
        loop_name = run_app(main())
    finally:
        qapp.setQuitOnLastWindowClosed(quit_on_close)

    assert loop_name == "QSelectorEventLoop"


def test_qtbot_waits_still_wait_after_run_app(qtbot: QtBot, qapp: QApplication) -> None:
    """Regression guard: run_app must not leave Qt in a state where nested loops return at once."""
    emitter = Emitter()

    async def main() -> None:
        await asyncio.sleep(0)

    run_app(main())
    qapp.setQuitOnLastWindowClosed(True)
    with pytest.raises(qtbot.TimeoutError):
        qtbot.waitSignal(emitter.fired, timeout=200).wait()


def test_a_task_ending_after_its_keeper_was_deleted_is_only_logged(
    qtbot: QtBot, qt_loop: asyncio.AbstractEventLoop, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="vas_console.ui.aio")
    keeper = TaskKeeper()
    release = asyncio.Event()

    async def fail_later() -> None:
        await release.wait()
        raise NotFoundError("gone")

    task = keeper.start(fail_later(), name="late")
    keeper.deleteLater()
    qtbot.waitUntil(lambda: not Shiboken.isValid(keeper))
    release.set()

    qtbot.waitUntil(task.done)
    assert "late failed: gone" in caplog.text
