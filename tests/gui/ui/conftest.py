"""Fixtures for the main window tests: a window over a FakeBackend, with a private log buffer."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import pytest
from pytestqt.qtbot import QtBot

from backend_embed.api import Camera
from tests.helpers.fake_backend import FakeBackend, seed_demo
from vas_console.logsetup import LogBuffer
from vas_console.ui.main_window import MainWindow


@pytest.fixture
def log_buffer() -> LogBuffer:
    """A fresh LogBuffer, attached to no logger (a test attaches it when it needs log lines)."""
    return LogBuffer(capacity=200)


@pytest.fixture
def make_window(
    qtbot: QtBot,
    qt_loop: asyncio.AbstractEventLoop,
    fake_backend: FakeBackend,
    log_buffer: LogBuffer,
) -> Callable[[], MainWindow]:
    """Builds a shown MainWindow over `fake_backend` and starts `load()`; waits until it has loaded
    (the storage report it asks for at the end included).

    Real: every widget, the qasync loop, the event relay. Fake: the backend. Teardown quits the window
    the way the composition root does (`close_for_quit`).
    """

    def make() -> MainWindow:
        window = MainWindow(fake_backend, log_buffer, database_kind="SQLite")
        qtbot.addWidget(window, before_close_func=lambda w: w.close_for_quit())
        window.show()
        window.tasks.start(window.load(), name="load")
        qtbot.waitUntil(lambda: window.tasks.idle and window.storage_panel.tasks.idle)
        return window

    return make


@pytest.fixture
def main_window(make_window: Callable[[], MainWindow]) -> MainWindow:
    """A loaded MainWindow over whatever `fake_backend` holds when the test asks for it."""
    return make_window()


@pytest.fixture
def demo_cameras(fake_backend: FakeBackend) -> dict[str, Camera]:
    """The four demo cameras of `seed_demo`, stored in `fake_backend`."""
    return seed_demo(fake_backend)


@pytest.fixture
def demo_window(
    make_window: Callable[[], MainWindow], demo_cameras: dict[str, Camera]
) -> MainWindow:
    """A loaded MainWindow showing the four demo cameras in two groups."""
    return make_window()
