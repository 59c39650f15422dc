"""SyncPlayback with fake players: one timeline and speed for all, SYNC off for one, gaps joined later."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from PySide6.QtCore import QPoint, Qt
from pytestqt.qtbot import QtBot

from backend_embed.api import Span, StreamRole
from tests.gui.playback.conftest import SPANS, T0, source_for
from tests.helpers.fake_backend import FakeBackend
from tests.helpers.playback_fakes import FakePlayerFactory
from vas_console.ui.playback import timeline_paint
from vas_console.ui.playback.channel import ChannelStatus
from vas_console.ui.playback.sync_playback import SyncPlayback


@pytest.fixture
def sync(make_pane: Callable[[int], SyncPlayback]) -> SyncPlayback:
    return make_pane(4)


def click_time(qtbot: QtBot, sync: SyncPlayback, wall_ms: int) -> None:
    timeline = sync.timeline
    row = timeline.rows()[0]
    x = round(timeline_paint.GUTTER + timeline.model.x_at(wall_ms))
    qtbot.mouseClick(timeline, Qt.MouseButton.LeftButton, pos=QPoint(x, row.top + 4))


def opened(players: FakePlayerFactory) -> list[int | None]:
    result: list[int | None] = []
    for player in players.players:
        opens = [r for r in player.requests if r[0] == "open"]
        result.append(int(str(opens[-1][2])) if opens else None)
    return result


def test_four_cameras_in_a_grid_with_a_lane_each(sync: SyncPlayback) -> None:
    assert [s.caption.split("   ")[0] for s in sync.surfaces] == [
        "Cam 1",
        "Cam 2",
        "Cam 3",
        "Cam 4",
    ]
    positions = [s.geometry().topLeft() for s in sync.surfaces]
    assert positions[0].y() == positions[1].y() < positions[2].y() == positions[3].y()
    assert [r.title for r in sync.timeline.rows()] == [
        "Cam 1", "Cam 2", "Cam 3", "Cam 4", "Events", "Bookmarks",
    ]  # fmt: skip


def test_with_sync_a_click_and_the_speed_apply_to_every_camera(
    qtbot: QtBot, sync: SyncPlayback, players: FakePlayerFactory
) -> None:
    click_time(qtbot, sync, T0 - 600_000)
    qtbot.waitUntil(lambda: all(o is not None for o in opened(players)))
    offsets = opened(players)
    assert len(set(offsets)) == 1
    sync.transport.actions_by_name["faster"].trigger()
    assert [p.rate for p in players.players] == [2.0] * 4
    qtbot.waitUntil(lambda: all(c.status is ChannelStatus.PLAYING for c in sync.channels))
    sync.transport.actions_by_name["play_pause"].trigger()
    assert all(("pause",) in p.requests for p in players.players)


def test_without_sync_only_the_selected_camera_follows(
    qtbot: QtBot, sync: SyncPlayback, players: FakePlayerFactory
) -> None:
    click_time(qtbot, sync, T0 - 600_000)
    qtbot.waitUntil(lambda: all(c.status is ChannelStatus.PLAYING for c in sync.channels))
    sync.sync_button.click()
    assert not sync.group.sync
    qtbot.mouseClick(sync.surfaces[2], Qt.MouseButton.LeftButton, pos=QPoint(50, 50))
    assert sync.group.selected == 2
    assert sync.timeline.rows()[2].selected
    before = [list(p.requests) for p in players.players]
    click_time(qtbot, sync, T0 - 1_200_000)
    sync.transport.actions_by_name["slower"].trigger()
    changed = [p.requests != b for p, b in zip(players.players, before, strict=True)]
    assert changed == [False, False, True, False]
    assert players.players[2].rate == 0.5
    assert [p.rate for i, p in enumerate(players.players) if i != 2] == [1.0] * 3


def test_turning_sync_back_on_aligns_every_camera(
    qtbot: QtBot, sync: SyncPlayback, players: FakePlayerFactory
) -> None:
    click_time(qtbot, sync, T0 - 600_000)
    qtbot.waitUntil(lambda: all(c.status is ChannelStatus.PLAYING for c in sync.channels))
    sync.sync_button.click()
    sync.select(1)
    sync.transport.actions_by_name["faster"].trigger()
    sync.sync_button.click()
    assert sync.group.sync
    assert [p.rate for p in players.players] == [2.0] * 4


def test_a_camera_with_a_gap_joins_when_its_recording_starts(
    qtbot: QtBot, sync: SyncPlayback, players: FakePlayerFactory, fake_backend: FakeBackend
) -> None:
    late = sync.channels[3].camera_id
    start = T0 + 1500  # camera 4 starts recording 1.5 s after the others' playhead
    late_spans = (Span(start, SPANS[1].end_ms),)
    fake_backend.spans[(late, StreamRole.MAIN)] = list(late_spans)
    fake_backend.playback_sources[late] = source_for(late, late_spans)
    sync.group.seek(T0)
    qtbot.waitUntil(lambda: sync.channels[0].status is ChannelStatus.PLAYING)
    # the late camera's playlist starts later: it shows its first picture at `start`, paused, and waits
    qtbot.waitUntil(lambda: opened(players)[3] is not None)
    late_player = players.players[3]
    assert opened(players)[3] == 0
    assert late_player.requests[-1] == ("pause",)
    qtbot.waitUntil(lambda: sync.channels[3].status is ChannelStatus.NO_RECORDING)
    # the shared clock reaches its recording: it is sought there and plays
    qtbot.waitUntil(lambda: late_player.seeks() != [], timeout=4000)
    assert late_player.seeks()[-1] <= 600  # within the first recorded moments
    assert ("play",) in late_player.requests
