"""Fixtures for playback widget tests: cameras with recordings in a FakeBackend, and fake players.

Real: every widget, the timeline model, the play clock, the caches, the qasync loop. Fake: the backend
(`FakeBackend`: spans, playback sources and preview files set here) and the players (`FakePlayer`:
records what the views ask and reports state back through the same GUI-thread posting as libVLC's).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from PySide6.QtGui import QColor, QImage
from pytestqt.qtbot import QtBot

from backend_embed.api import Camera, PlaybackSource, PlaylistEntry, Preview, Span, StreamRole
from tests.helpers.fake_backend import FakeBackend
from tests.helpers.playback_fakes import FakePlayerFactory
from vas_console.logsetup import LogBuffer
from vas_console.ui.main_window import MainWindow
from vas_console.ui.playback.playback_pane import PlaybackPane
from vas_console.ui.playback.playback_view import PlaybackView
from vas_console.ui.playback.sync_playback import SyncPlayback
from vas_console.ui.playback.video_surface import RenderMode
from vas_console.ui.playback_area import PlaybackArea

T0 = 1_700_000_000_000
"""Recordings of every camera: [T0 - 1 h, T0 + 10 min) and [T0 + 20 min, T0 + 2 h): a 10-minute gap."""
SEGMENT_MS = 4000
SPANS = (Span(T0 - 3_600_000, T0 + 600_000), Span(T0 + 1_200_000, T0 + 7_200_000))


def source_for(camera_id: int, spans: tuple[Span, ...] = SPANS) -> PlaybackSource:
    """A playlist of 4 s segments over `spans`, EXT-X-DISCONTINUITY after each gap (path is fake)."""
    entries = []
    offset = 0
    for number, span in enumerate(spans):
        for start in range(span.start_ms, span.end_ms, SEGMENT_MS):
            first = number > 0 and start == span.start_ms
            entries.append(PlaylistEntry(start, start + SEGMENT_MS, offset, first))
            offset += SEGMENT_MS
    return PlaybackSource(
        camera_id,
        StreamRole.MAIN,
        spans[0].start_ms,
        spans[-1].end_ms,
        f"/fake/{camera_id}.m3u8",
        tuple(entries),
    )


@pytest.fixture
def recorded_cameras(fake_backend: FakeBackend, tmp_path: Path) -> list[Camera]:
    """Four cameras recorded over `SPANS`, each with a preview JPEG every minute."""
    cameras = [fake_backend.seed_camera(f"Cam {n}") for n in range(1, 5)]
    colours = ("#3060c0", "#c06030", "#30a060", "#a030a0")
    for camera, colour in zip(cameras, colours, strict=True):
        fake_backend.spans[(camera.id, StreamRole.MAIN)] = list(SPANS)
        fake_backend.playback_sources[camera.id] = source_for(camera.id)
        image = QImage(320, 180, QImage.Format.Format_RGB32)
        image.fill(QColor(colour))
        path = tmp_path / f"preview-{camera.id}.jpg"
        image.save(str(path), "JPEG")
        fake_backend.preview_images[camera.id] = [
            Preview(camera.id, t, str(path), 320, 180)
            for span in SPANS
            for t in range(span.start_ms, span.end_ms, 60_000)
        ]
    return cameras


@pytest.fixture
def players() -> FakePlayerFactory:
    return FakePlayerFactory()


@pytest.fixture
def main_window(
    qtbot: QtBot,
    qt_loop: asyncio.AbstractEventLoop,
    fake_backend: FakeBackend,
    players: FakePlayerFactory,
    recorded_cameras: list[Camera],
) -> MainWindow:
    """A shown main window with a Playback tab over the fakes, its cameras loaded; closed as on quit."""
    area = PlaybackArea(fake_backend, players)  # type: ignore[arg-type]  # a fake player factory
    window = MainWindow(fake_backend, LogBuffer(), playback=area)
    qtbot.addWidget(window, before_close_func=lambda w: w.close_for_quit())
    window.show()
    window.tasks.start(window.load(), name="load")
    qtbot.waitUntil(lambda: window.tasks.idle)
    return window


@pytest.fixture
def make_pane(
    qtbot: QtBot,
    qt_loop: asyncio.AbstractEventLoop,
    fake_backend: FakeBackend,
    players: FakePlayerFactory,
    recorded_cameras: list[Camera],
) -> Iterator[Callable[[int], PlaybackPane]]:
    """Builds a shown PlaybackView (1 camera) or SyncPlayback (2-4) over the fakes, 1200 px wide,
    showing the hour around T0; teardown stops its players and tasks."""
    panes: list[PlaybackPane] = []

    def make(count: int) -> PlaybackPane:
        cams = [(c.id, c.name) for c in recorded_cameras[:count]]
        pane: PlaybackPane
        if count == 1:
            pane = PlaybackView(
                fake_backend, players, cams[0][0], cams[0][1], mode=RenderMode.MEMORY
            )
        else:
            pane = SyncPlayback(fake_backend, players, cams, mode=RenderMode.MEMORY)
        qtbot.addWidget(pane, before_close_func=lambda w: w.close_playback())
        pane.resize(1200 + 104, 700)
        pane.show()
        qtbot.waitExposed(pane)
        pane.timeline.show_range(T0 - 1_800_000, 3_600_000)
        panes.append(pane)
        return pane

    yield make
    for pane in panes:
        pane.close_playback()
