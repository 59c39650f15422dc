"""PlaybackView with fake players: loading, speed, frame step, jumps, dates, recordings, captions, shortcuts."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from PySide6.QtCore import QDateTime, Qt
from PySide6.QtWidgets import QLineEdit
from pytestqt.qtbot import QtBot

from backend_embed.api import DatabaseError, NotFoundError
from tests.gui.playback.conftest import SPANS, T0
from tests.helpers.fake_backend import FakeBackend
from tests.helpers.playback_fakes import FakePlayer, FakePlayerFactory
from vas_console.media.vlc_player import PlayerState
from vas_console.ui.playback.channel import LOAD_AFTER_MS, LOAD_BEFORE_MS, ChannelStatus
from vas_console.ui.playback.playback_view import PlaybackView

GAP_MS = SPANS[1].start_ms - SPANS[0].end_ms


def offset_of(wall_ms: int) -> int:
    """Playlist offset of a recorded wall time in the conftest's playlists."""
    if wall_ms < SPANS[0].end_ms:
        return wall_ms - SPANS[0].start_ms
    return wall_ms - SPANS[0].start_ms - GAP_MS


@pytest.fixture
def view(make_pane: Callable[[int], PlaybackView]) -> PlaybackView:
    return make_pane(1)


@pytest.fixture
def playing(qtbot: QtBot, view: PlaybackView, players: FakePlayerFactory) -> FakePlayer:
    """The view's player, playing from T0 - 15 min."""
    view.show_time(T0 - 900_000)
    player = players.players[0]
    qtbot.waitUntil(lambda: view.channel.status is ChannelStatus.PLAYING)
    return player


def test_show_time_loads_a_playlist_around_it_and_plays_from_there(
    qtbot: QtBot, view: PlaybackView, playing: FakePlayer, fake_backend: FakeBackend
) -> None:
    call = fake_backend.calls_to("playback_source")[-1]
    camera = view.channel.camera_id
    assert call.args[:3] == (camera, T0 - 900_000 - LOAD_BEFORE_MS, T0 - 900_000 + LOAD_AFTER_MS)
    assert playing.requests[-1] == ("open", f"/fake/{camera}.m3u8", offset_of(T0 - 900_000))
    assert playing.render[:3] == ("memory", 1280, 720)
    qtbot.waitUntil(lambda: "Cam 1" in view.surfaces[0].caption)
    assert view.timeline.playhead_ms is not None
    assert abs(view.timeline.playhead_ms - (T0 - 900_000)) < 1000


def test_speed_choices_and_keys_set_the_player_rate(
    qtbot: QtBot, view: PlaybackView, playing: FakePlayer
) -> None:
    view.transport.speed.setCurrentIndex(view.transport.speed.findData(8.0))
    view.transport.speed.activated.emit(view.transport.speed.currentIndex())
    assert playing.rate == 8.0
    view.transport.actions_by_name["faster"].trigger()
    assert playing.rate == 16.0
    view.transport.actions_by_name["faster"].trigger()  # 16x is the fastest
    assert playing.rate == 16.0
    for _ in range(8):
        view.transport.actions_by_name["slower"].trigger()
    assert playing.rate == 0.125
    assert view.transport.speed.currentText() == "1/8x"
    qtbot.waitUntil(lambda: "1/8x" in view.surfaces[0].caption)


def test_frame_step_pauses_first_then_steps_one_frame(
    qtbot: QtBot, view: PlaybackView, playing: FakePlayer
) -> None:
    step = view.transport.actions_by_name["frame"]
    step.trigger()
    assert ("pause",) in playing.requests
    qtbot.waitUntil(lambda: playing.state is PlayerState.PAUSED)
    before = view.channel.wall_ms()
    step.trigger()
    step.trigger()
    assert playing.requests.count(("step",)) == 2
    assert view.channel.wall_ms() == (before or 0) + 80  # the clock moves 40 ms per frame
    view.transport.actions_by_name["play_pause"].trigger()
    assert playing.requests[-1] == ("play",)


def test_jumps_move_relative_to_the_picture(
    qtbot: QtBot, view: PlaybackView, playing: FakePlayer
) -> None:
    view.channel.pause()
    qtbot.waitUntil(lambda: playing.state is PlayerState.PAUSED)
    position = view.channel.wall_ms() or 0
    view.transport.actions_by_name["forward_10s"].trigger()
    assert playing.seeks()[-1] == offset_of(position + 10_000)
    view.transport.actions_by_name["back_minute"].trigger()
    assert playing.seeks()[-1] == offset_of(position + 10_000 - 60_000)


def test_shortcuts_work_anywhere_in_the_view_and_are_in_tooltips(
    qtbot: QtBot, view: PlaybackView, playing: FakePlayer
) -> None:
    view.channel.pause()
    qtbot.waitUntil(lambda: playing.state is PlayerState.PAUSED)
    position = view.channel.wall_ms() or 0
    view.timeline.setFocus()
    qtbot.keyClick(view.timeline, Qt.Key.Key_Right, Qt.KeyboardModifier.ShiftModifier)
    assert playing.seeks()[-1] == offset_of(position + 60_000)
    qtbot.keyClick(view.timeline, Qt.Key.Key_BracketRight)
    assert playing.rate == 2.0
    for name, key in (("play_pause", "Space"), ("frame", "."), ("next_recording", "Ctrl+Right")):
        assert key in view.transport.actions_by_name[name].toolTip()


def test_a_jump_into_a_gap_goes_to_the_next_recording(
    qtbot: QtBot, view: PlaybackView, playing: FakePlayer
) -> None:
    view.group.seek(SPANS[0].end_ms - 5_000)
    view.transport.actions_by_name["forward_minute"].trigger()  # lands in the 10-minute gap
    assert playing.seeks()[-1] == offset_of(SPANS[1].start_ms)


def test_go_to_date_and_time(qtbot: QtBot, view: PlaybackView, playing: FakePlayer) -> None:
    target = T0 + 3_600_000
    view.transport.date.setDateTime(QDateTime.fromMSecsSinceEpoch(target))
    view.transport.actions_by_name["go_to_date"].trigger()
    assert playing.seeks()[-1] == offset_of(target)
    assert abs(view.timeline.model.start_ms + view.timeline.model.span_ms / 2 - target) < 1


def test_previous_and_next_recording(qtbot: QtBot, view: PlaybackView, playing: FakePlayer) -> None:
    view.transport.actions_by_name["next_recording"].trigger()
    qtbot.waitUntil(
        lambda: bool(playing.seeks()) and playing.seeks()[-1] == offset_of(SPANS[1].start_ms)
    )
    view.group.seek(SPANS[1].start_ms + 60_000)
    view.transport.actions_by_name["previous_recording"].trigger()  # well into it: to its start
    qtbot.waitUntil(lambda: playing.seeks()[-1] == offset_of(SPANS[1].start_ms))
    view.transport.actions_by_name["previous_recording"].trigger()  # at its start: the one before
    qtbot.waitUntil(lambda: playing.seeks()[-1] == offset_of(SPANS[0].start_ms))


def test_time_reports_and_jumps_move_the_playhead(
    qtbot: QtBot, view: PlaybackView, playing: FakePlayer
) -> None:
    view.channel.pause()
    qtbot.waitUntil(lambda: playing.state is PlayerState.PAUSED)
    playing.report_state(PlayerState.PLAYING)
    # libVLC's clock jumps ahead of the estimate: the playhead follows it
    ahead = offset_of(T0 - 900_000) + 5_000
    qtbot.wait(800)  # past the settling time after the seek
    playing.report_time(ahead)
    qtbot.waitUntil(lambda: (view.channel.wall_ms() or 0) >= T0 - 900_000 + 5_000)


def test_nothing_recorded_shows_a_message(
    qtbot: QtBot, view: PlaybackView, fake_backend: FakeBackend
) -> None:
    fake_backend.failures["playback_source"] = NotFoundError("Nothing was recorded in this range.")
    view.show_time(T0 - 30 * 86_400_000)
    qtbot.waitUntil(lambda: view.channel.status is ChannelStatus.NO_RECORDING)
    qtbot.waitUntil(lambda: "no recording" in view.surfaces[0].caption)


def test_end_of_the_playlist_loads_the_next_one(
    qtbot: QtBot, view: PlaybackView, playing: FakePlayer, fake_backend: FakeBackend
) -> None:
    loads = len(fake_backend.calls_to("playback_source"))
    playing.report_state(PlayerState.ENDED)
    qtbot.waitUntil(lambda: len(fake_backend.calls_to("playback_source")) == loads + 1)
    call = fake_backend.calls_to("playback_source")[-1]
    assert call.args[1] == SPANS[-1].end_ms - LOAD_BEFORE_MS


def test_backend_failures_are_reported(
    qtbot: QtBot, view: PlaybackView, fake_backend: FakeBackend
) -> None:
    fake_backend.failures["playback_source"] = DatabaseError("The recordings index is unavailable.")
    with qtbot.waitSignal(view.failed) as blocker:
        view.show_time(T0)
    assert blocker.args == ["The recordings index is unavailable."]


def test_a_click_on_the_picture_gives_the_view_its_keys(
    qtbot: QtBot, view: PlaybackView, playing: FakePlayer
) -> None:
    """The operator clicks the video, then presses a key: the view's shortcuts must answer."""
    outside = QLineEdit()
    qtbot.addWidget(outside)
    outside.show()
    outside.setFocus()
    qtbot.mouseClick(view.surfaces[0], Qt.MouseButton.LeftButton)
    qtbot.waitUntil(view.surfaces[0].hasFocus)
    qtbot.keyClick(view.surfaces[0], Qt.Key.Key_Period)
    assert ("pause",) in playing.requests
