"""Bookmarks and snapshots in playback: in/out marks, B, the bookmark lane's data, S at the shown frame."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialogButtonBox
from pytestqt.qtbot import QtBot

from backend_embed.api import BookmarkDraft, BookmarksChanged, Camera, NotFoundError
from tests.gui.playback.conftest import T0
from tests.helpers.fake_backend import FakeBackend
from tests.helpers.playback_fakes import FakePlayer, FakePlayerFactory
from vas_console.media.vlc_player import PlayerState
from vas_console.ui.playback.channel import ChannelStatus
from vas_console.ui.playback.playback_view import PlaybackView
from vas_console.ui.playback.recordings import OfflineRecordings, evidence_of
from vas_console.ui.playback.video_surface import RenderMode


@pytest.fixture
def view(make_pane: Callable[[int], PlaybackView]) -> PlaybackView:
    return make_pane(1)


@pytest.fixture
def paused(qtbot: QtBot, view: PlaybackView, players: FakePlayerFactory) -> FakePlayer:
    """The view's player, paused at T0 - 15 min."""
    view.show_time(T0 - 900_000)
    player = players.players[0]
    qtbot.waitUntil(lambda: view.channel.status is ChannelStatus.PLAYING)
    view.transport.actions_by_name["play_pause"].trigger()
    qtbot.waitUntil(lambda: player.state is PlayerState.PAUSED)
    return player


def key(qtbot: QtBot, view: PlaybackView, name: Qt.Key) -> None:
    view.timeline.setFocus()
    qtbot.keyClick(view.timeline, name)


def test_in_out_and_b_bookmark_exactly_the_marked_range(
    qtbot: QtBot, view: PlaybackView, paused: FakePlayer, fake_backend: FakeBackend
) -> None:
    mark_in, mark_out = T0 - 900_000 + 123, T0 - 880_000 + 456
    view.group.seek(mark_in)
    key(qtbot, view, Qt.Key.Key_I)
    assert view.timeline.marks == (mark_in, None)
    view.group.seek(mark_out)
    key(qtbot, view, Qt.Key.Key_O)
    assert view.timeline.marks == (mark_in, mark_out)
    key(qtbot, view, Qt.Key.Key_B)
    assert view.evidence.editor is not None
    dialog = view.evidence.editor.dialog
    assert dialog is not None
    assert dialog.camera_label.text() == "Cam 1"
    dialog.buttons.button(QDialogButtonBox.StandardButton.Ok).click()
    qtbot.waitUntil(lambda: bool(fake_backend.calls_to("add_bookmark")))
    draft = fake_backend.calls_to("add_bookmark")[0].args[0]
    assert isinstance(draft, BookmarkDraft)
    assert (draft.camera_id, draft.start_ms, draft.end_ms) == (
        view.channel.camera_id,
        mark_in,
        mark_out,
    )
    assert draft.locked
    qtbot.waitUntil(lambda: view.timeline.marks == (None, None))  # saved: marks cleared
    qtbot.waitUntil(lambda: [b.name for b, _ in view.timeline.bookmark_rects()] == [draft.name])


def test_out_before_in_swaps_them_and_escape_clears(
    qtbot: QtBot, view: PlaybackView, paused: FakePlayer
) -> None:
    view.group.seek(T0 - 800_000)
    key(qtbot, view, Qt.Key.Key_I)
    view.group.seek(T0 - 850_000)
    key(qtbot, view, Qt.Key.Key_O)
    assert view.timeline.marks == (T0 - 850_000, T0 - 800_000)
    assert view.evidence.actions_by_name["clear_marks"].isEnabled()
    key(qtbot, view, Qt.Key.Key_Escape)
    assert view.timeline.marks == (None, None)
    assert not view.evidence.actions_by_name["clear_marks"].isEnabled()


def test_b_without_a_range_says_what_to_do(
    qtbot: QtBot, view: PlaybackView, paused: FakePlayer, fake_backend: FakeBackend
) -> None:
    with qtbot.waitSignal(view.notice) as signal:
        view.evidence.actions_by_name["bookmark_range"].trigger()
    assert signal.args == ["Mark a range first: I at its start, O at its end."]
    assert view.evidence.editor is not None
    assert view.evidence.editor.dialog is None


def test_snapshot_takes_the_recorded_frame_at_the_time_shown(
    qtbot: QtBot, view: PlaybackView, paused: FakePlayer, fake_backend: FakeBackend
) -> None:
    view.group.seek(T0 - 600_123)
    view.transport.actions_by_name["frame"].trigger()  # one frame on: not a whole second
    shown = T0 - 600_123 + paused.frame_ms
    assert view.channel.wall_ms() == shown
    with qtbot.waitSignal(view.notice) as signal:
        key(qtbot, view, Qt.Key.Key_S)
    assert fake_backend.calls_to("take_recorded_snapshot")[-1].args == (
        view.channel.camera_id,
        shown,
    )
    assert signal.args[0].startswith("Snapshot saved: Cam 1 ")
    assert signal.args[0].endswith(f".{shown % 1000:03d}")


def test_snapshot_failure_is_reported(
    qtbot: QtBot, view: PlaybackView, paused: FakePlayer, fake_backend: FakeBackend
) -> None:
    fake_backend.failures["take_recorded_snapshot"] = NotFoundError("Nothing is recorded then.")
    with qtbot.waitSignal(view.failed) as signal:
        view.evidence.actions_by_name["snapshot"].trigger()
    assert signal.args == ["Nothing is recorded then."]


def test_bookmarks_of_the_visible_range_are_loaded_and_follow_changes(
    qtbot: QtBot, view: PlaybackView, fake_backend: FakeBackend
) -> None:
    qtbot.waitUntil(lambda: bool(fake_backend.calls_to("list_bookmarks")))
    query = fake_backend.calls_to("list_bookmarks")[-1].args[0]
    model = view.timeline.model
    assert query.camera_ids == frozenset({view.channel.camera_id})
    assert query.start_ms <= model.start_ms
    assert query.end_ms >= model.end_ms
    draft = BookmarkDraft(view.channel.camera_id, T0 - 60_000, T0, "Ladder")
    bookmark = fake_backend._bookmark_of(500, draft, T0)
    fake_backend.bookmarks[500] = bookmark
    fake_backend.emit(BookmarksChanged((view.channel.camera_id,)))
    qtbot.waitUntil(lambda: [b for b, _ in view.timeline.bookmark_rects()] == [bookmark])


def test_offline_review_has_no_bookmarks_or_snapshots(
    qtbot: QtBot,
    fake_backend: FakeBackend,
    players: FakePlayerFactory,
    recorded_cameras: list[Camera],
) -> None:
    offline = OfflineRecordings(fake_backend, "review-1")
    assert evidence_of(offline) is None
    assert evidence_of(fake_backend) is fake_backend
    camera = recorded_cameras[0]
    view = PlaybackView(offline, players, camera.id, camera.name, mode=RenderMode.MEMORY)
    qtbot.addWidget(view, before_close_func=lambda w: w.close_playback())
    assert view.evidence.buttons == []
    assert not view.evidence.actions_by_name["snapshot"].isEnabled()
    assert not view.evidence.actions_by_name["mark_in"].isEnabled()
    assert view.timeline.bookmark_rects() == []
    view.close_playback()
