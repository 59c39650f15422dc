"""The typed wrapper over qasync: the GUI event loop, owned UI tasks and the `async_slot` decorator.

qasync is untyped; nothing else in the project imports it. Every coroutine started from a Qt slot runs as a
task owned by a `TaskKeeper`, which keeps a reference until the task ends and reports how it failed:
`BackendError`s are expected and become a notice; anything else is a bug and is logged with its traceback.
"""

from __future__ import annotations

import asyncio
import functools
import inspect
import logging
import os
import sys
from collections.abc import Callable, Coroutine
from typing import Any, Concatenate, ParamSpec, Protocol, TypeVar, cast

from PySide6.QtCore import QObject, Signal, SignalInstance
from PySide6.QtWidgets import QApplication
from shiboken6 import Shiboken

from backend_embed.api import BackendError

logger = logging.getLogger(__name__)

T = TypeVar("T")
P = ParamSpec("P")

#: How long a thread may hold the GIL while another waits for it (Python's default is 5 ms). The GUI
#: thread shares the GIL with the worker loop and the live decode pool, whose every frame takes and drops
#: it several times around native work; at 5 ms each hand-over could keep the GUI waiting that long. On a
#: busy 16-tile wall 1 ms gave 17 -> 22 fps painted, GUI stall p99 unchanged (decision 26).
GUI_SWITCH_INTERVAL_S = 0.001


def new_event_loop() -> asyncio.AbstractEventLoop:
    """Create a qasync event loop on the existing QApplication.

    Must only be called on the GUI thread, after the QApplication was created.
    """
    # qasync picks its Qt binding at import time; the project only ships PySide6.
    os.environ.setdefault("QT_API", "pyside6")
    import qasync

    loop = qasync.QEventLoop(QApplication.instance())
    return cast("asyncio.AbstractEventLoop", loop)


def run_app(main: Coroutine[Any, Any, T]) -> T:
    """Run `main` on a qasync loop until it returns, then close the loop.

    The QApplication must exist. Closing the last window does not quit the application: `main` decides when
    to return (await the main window's `quit_requested`, clean up, then return), because quitting Qt while
    cleanup is pending stops the loop under the coroutine ("Event loop stopped before Future completed").
    """
    app = QApplication.instance()
    if not isinstance(app, QApplication):
        main.close()
        raise RuntimeError("run_app needs a QApplication")  # noqa: TRY004 - a missing object, not a type
    app.setQuitOnLastWindowClosed(False)
    previous = sys.getswitchinterval()
    sys.setswitchinterval(GUI_SWITCH_INTERVAL_S)
    try:
        # asyncio.run(loop_factory=) is 3.12+; asyncio.Runner has it on 3.11.
        with asyncio.Runner(loop_factory=new_event_loop) as runner:
            return runner.run(main)
    finally:
        sys.setswitchinterval(previous)


async def wait_for_signal(signal: SignalInstance) -> tuple[object, ...]:
    """Wait until `signal` is emitted and return its arguments. Awaitable from the GUI loop only."""
    future: asyncio.Future[tuple[object, ...]] = asyncio.get_running_loop().create_future()

    def on_emitted(*args: object) -> None:
        if not future.done():
            future.set_result(args)

    signal.connect(on_emitted)
    try:
        return await future
    finally:
        signal.disconnect(on_emitted)


class TaskKeeper(QObject):
    """Owns the asyncio tasks one part of the UI starts, and reports how each one failed.

    Failure policy: a task that raises a `BackendError` is logged at INFO and reported with `backend_failed`;
    any other exception is logged with its traceback (`logger.exception`) and reported with
    `failed_unexpectedly`. Cancellation is not a failure.

    Signals:
        backend_failed(BackendError): a task ended with an expected backend failure.
        failed_unexpectedly(BaseException): a task ended with a bug.
        became_idle(): the last running task ended.
    """

    backend_failed = Signal(object)
    failed_unexpectedly = Signal(object)
    became_idle = Signal()

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._tasks: set[asyncio.Task[None]] = set()

    @property
    def idle(self) -> bool:
        """True when no task is running."""
        return not self._tasks

    def start(self, coro: Coroutine[Any, Any, None], *, name: str) -> asyncio.Task[None]:
        """Run `coro` as a task on the running (GUI) loop and keep it until it ends."""
        task = asyncio.get_running_loop().create_task(coro, name=name)
        self._tasks.add(task)
        task.add_done_callback(self._on_task_done)
        return task

    def cancel_all(self) -> None:
        """Ask every running task but the caller's own to stop; they end on a later loop iteration."""
        try:
            current = asyncio.current_task()
        except RuntimeError:  # no running loop: nothing can be the caller's task
            current = None
        for task in self._tasks:
            if task is not current:
                task.cancel()

    async def aclose(self) -> None:
        """Cancel every running task and wait until all have ended."""
        tasks = list(self._tasks)
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    def _on_task_done(self, task: asyncio.Task[None]) -> None:
        self._tasks.discard(task)
        # A task cancelled while its widget closed may end after Qt deleted this object: log only.
        alive = Shiboken.isValid(self)
        try:
            task.result()
        except asyncio.CancelledError:
            logger.debug("Task %s cancelled", task.get_name())
        except BackendError as exc:
            logger.info("%s failed: %s", task.get_name(), exc)
            if alive:
                self.backend_failed.emit(exc)
        except Exception as exc:
            logger.exception("Unexpected error in %s", task.get_name())
            if alive:
                self.failed_unexpectedly.emit(exc)
        if alive and not self._tasks:
            self.became_idle.emit()


class TaskOwner(Protocol):
    """An object whose async slots run as tasks of its `tasks` keeper."""

    @property
    def tasks(self) -> TaskKeeper: ...


S = TypeVar("S", bound=TaskOwner)


def async_slot(
    fn: Callable[Concatenate[S, P], Coroutine[Any, Any, None]],
) -> Callable[Concatenate[S, P], None]:
    """Turn an `async def` method into a Qt slot that runs it as a task of `self.tasks`.

    Arguments a signal passes beyond those the coroutine accepts are dropped (as Qt does for C++ slots),
    so `triggered(bool)` can drive `async def _on_x_triggered(self)`.
    """
    signature = inspect.signature(fn)

    def slot(self: S, /, *args: P.args, **kwargs: P.kwargs) -> None:
        fitted: tuple[Any, ...] = tuple(args)
        while fitted:
            try:
                signature.bind(self, *fitted, **kwargs)
            except TypeError:
                fitted = fitted[:-1]
            else:
                break
        call = cast("Callable[..., Coroutine[Any, Any, None]]", fn)
        self.tasks.start(call(self, *fitted, **kwargs), name=fn.__qualname__)

    functools.update_wrapper(slot, fn)
    return slot
