"""Recorded video from the camera list: one camera plays alone, a group plays its first four cameras in sync."""

from __future__ import annotations

from pytestqt.qtbot import QtBot

from backend_embed.api import Camera
from tests.helpers.fake_backend import FakeBackend
from tests.helpers.playback_fakes import FakePlayerFactory
from vas_console.ui.main_window import MainWindow
from vas_console.ui.playback.playback_view import PlaybackView
from vas_console.ui.playback.sync_playback import SyncPlayback


def test_recorded_video_opens_the_selection_in_the_playback_tab(
    qtbot: QtBot,
    main_window: MainWindow,
    fake_backend: FakeBackend,
    players: FakePlayerFactory,
    recorded_cameras: list[Camera],
) -> None:
    window = main_window
    area = window.playback
    assert area is not None
    assert not window.commands.play_recordings.isEnabled(), "nothing selected"

    window.tree.select_camera(recorded_cameras[1].id)
    assert window.commands.play_recordings.isEnabled()
    window.commands.play_recordings.trigger()
    assert window.workspace.currentWidget() is area
    assert isinstance(area.view, PlaybackView)
    first = area.view

    window.tree.select_group(None)  # "Ungrouped" holds all four
    window.commands.play_recordings.trigger()
    assert isinstance(area.view, SyncPlayback)
    assert area.view is not first
    assert len(area.view.channels) == 4

    window.close_for_quit()
    assert area.view is None
    assert players.players, "players were made"
    assert all(p.closed for p in players.players), "every player closed"
