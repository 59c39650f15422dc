"""Fixtures for the live wall: a real worker loop, fake sessions, cameras with live endpoints in a FakeBackend."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from backend_embed.api import Camera, LiveCodecPath, LiveEndpoint, StreamRole
from tests.helpers.fake_backend import FakeBackend
from tests.helpers.live_fakes import FakeSessionFactory
from vas_console.core.layouts import LayoutStore
from vas_console.runtime.loop_thread import LoopThread
from vas_console.ui.live.live_wall import LiveWall

SUB_SIZE = (640, 360)
MAIN_SIZE = (1920, 1080)
WallFactory = Callable[[], LiveWall]
#: what the fake endpoints carry as the recorder's access token
TOKEN = "test-token-" + "x" * 32


def whep_url(camera_id: int, stream: StreamRole) -> str:
    return f"http://127.0.0.1:9/whep/{camera_id}/{stream.value}"


@pytest.fixture
def worker() -> Iterator[LoopThread]:
    """A real worker thread with its asyncio loop (the fake sessions start and close on it)."""
    thread = LoopThread("test-worker")
    thread.start()
    yield thread
    thread.stop()


@pytest.fixture
def sessions() -> FakeSessionFactory:
    """Builds fake sessions (no network): LIVE at once with one solid frame, unless a test says otherwise."""
    return FakeSessionFactory()


@pytest.fixture
def cameras(fake_backend: FakeBackend) -> list[Camera]:
    """Three cameras, each with a sub (640x360) and a main (1920x1080) live endpoint."""
    seeded = [fake_backend.seed_camera(name) for name in ("Entrance", "Gate", "Yard")]
    for camera in seeded:
        for stream, (width, height) in ((StreamRole.SUB, SUB_SIZE), (StreamRole.MAIN, MAIN_SIZE)):
            fake_backend.live_endpoints[(camera.id, stream)] = LiveEndpoint(
                camera.id,
                stream,
                whep_url(camera.id, stream),
                LiveCodecPath.PASSTHROUGH,
                width,
                height,
                bearer_token=TOKEN,
            )
    return seeded


@pytest.fixture
def layout_store(tmp_path: Path) -> LayoutStore:
    return LayoutStore(tmp_path / "config" / "live_layouts.json")


@pytest.fixture
def make_wall(
    qtbot: QtBot,
    qt_loop: asyncio.AbstractEventLoop,
    fake_backend: FakeBackend,
    worker: LoopThread,
    sessions: FakeSessionFactory,
    layout_store: LayoutStore,
) -> Iterator[WallFactory]:
    """Builds shown LiveWalls (1280x760) over `fake_backend` and waits until `restore()` finished.

    Real: the widgets, the worker loop, the layout file, the queued status relay. Fake: backend, sessions.
    Teardown quits each wall as the composition root does and checks every session was closed.
    """
    walls: list[LiveWall] = []

    def make() -> LiveWall:
        wall = LiveWall(fake_backend, worker, layout_store, session_factory=sessions)
        qtbot.addWidget(wall, before_close_func=lambda w: w.close_for_quit())
        wall.resize(1280, 760)
        wall.show()
        wall.tasks.start(wall.restore(), name="restore")
        qtbot.waitUntil(lambda: wall.tasks.idle and wall.feeds.tasks.idle)
        walls.append(wall)
        return wall

    yield make
    for wall in walls:
        wall.close_for_quit()
        for future in wall.feeds.closing:
            future.result(timeout=5)
    assert not sessions.open(), "sessions left open"


@pytest.fixture
def wall(make_wall: WallFactory) -> LiveWall:
    return make_wall()
