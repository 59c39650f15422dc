"""TimelineWidget: zoom (wheel, pinch, buttons), pan, click and scrub to seek, lanes, coverage, hover."""

from __future__ import annotations

import time
from collections.abc import Callable

import pytest
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QColor, QNativeGestureEvent, QPointingDevice, QWheelEvent
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from backend_embed.api import Bookmark, BookmarkDraft, BookmarksChanged
from tests.gui.playback.conftest import SPANS, T0
from tests.helpers.fake_backend import FakeBackend
from tests.helpers.playback_fakes import FakePlayerFactory
from vas_console.core.timeline_model import DAY_MS, HOUR_MS, MAX_SPAN_MS, MIN_SPAN_MS, MINUTE_MS
from vas_console.ui import theme
from vas_console.ui.playback import timeline_bookmarks, timeline_paint
from vas_console.ui.playback.playback_pane import PlaybackPane
from vas_console.ui.playback.timeline_widget import TimelineWidget

GUTTER = timeline_paint.GUTTER


def lane_y(timeline: TimelineWidget, index: int = 0) -> int:
    row = timeline.rows()[index]
    return row.top + row.height // 2


def at_time(timeline: TimelineWidget, wall_ms: float, index: int = 0) -> QPoint:
    return QPoint(round(GUTTER + timeline.model.x_at(wall_ms)), lane_y(timeline, index))


def wheel(widget: TimelineWidget, pos: QPoint, dy: int = 0, dx: int = 0) -> None:
    event = QWheelEvent(
        QPointF(pos),
        QPointF(widget.mapToGlobal(pos)),
        QPoint(),
        QPoint(dx, dy),
        Qt.MouseButton.NoButton,
        Qt.KeyboardModifier.NoModifier,
        Qt.ScrollPhase.NoScrollPhase,
        False,
    )
    QApplication.sendEvent(widget, event)


@pytest.fixture
def pane(make_pane: Callable[[int], PlaybackPane]) -> PlaybackPane:
    return make_pane(1)


def test_wheel_zooms_in_around_the_pointer_and_out_again(pane: PlaybackPane) -> None:
    timeline = pane.timeline
    pos = at_time(timeline, T0 + 600_000)
    before = timeline.model.time_at(pos.x() - GUTTER)
    wheel(timeline, pos, dy=120)
    assert timeline.model.span_ms == pytest.approx(HOUR_MS / 1.25)
    assert timeline.model.time_at(pos.x() - GUTTER) == pytest.approx(before, abs=5)
    wheel(timeline, pos, dy=-240)
    assert timeline.model.span_ms == pytest.approx(HOUR_MS * 1.25)


def test_wheel_zoom_stops_at_one_minute_and_seven_days(pane: PlaybackPane) -> None:
    timeline = pane.timeline
    pos = at_time(timeline, T0)
    for _ in range(60):
        wheel(timeline, pos, dy=120)
    assert timeline.model.span_ms == MIN_SPAN_MS
    for _ in range(80):
        wheel(timeline, pos, dy=-120)
    assert timeline.model.span_ms == MAX_SPAN_MS


def test_pinch_zooms_around_its_centre(pane: PlaybackPane) -> None:
    timeline = pane.timeline
    pos = at_time(timeline, T0)
    event = QNativeGestureEvent(
        Qt.NativeGestureType.ZoomNativeGesture,
        QPointingDevice.primaryPointingDevice(),
        2,
        QPointF(pos),
        QPointF(pos),
        QPointF(timeline.mapToGlobal(pos)),
        1.0,  # +100 %: twice as close
        QPointF(),
    )
    QApplication.sendEvent(timeline, event)
    assert timeline.model.span_ms == pytest.approx(HOUR_MS / 2)
    assert timeline.model.time_at(pos.x() - GUTTER) == pytest.approx(T0, abs=5)


def test_zoom_buttons_and_keys_walk_minute_to_week(qtbot: QtBot, pane: PlaybackPane) -> None:
    zoom_in = pane.transport.actions_by_name["zoom_in"]
    zoom_out = pane.transport.actions_by_name["zoom_out"]
    zoom_in.trigger()
    assert pane.timeline.model.span_ms == 15 * MINUTE_MS
    pane.timeline.setFocus()
    qtbot.keyClick(pane.timeline, Qt.Key.Key_Minus)
    assert pane.timeline.model.span_ms == HOUR_MS
    for _ in range(10):
        zoom_out.trigger()
    assert pane.timeline.model.span_ms == MAX_SPAN_MS
    for _ in range(12):
        zoom_in.trigger()
    assert pane.timeline.model.span_ms == MIN_SPAN_MS


def test_drag_pans_without_seeking(
    qtbot: QtBot, pane: PlaybackPane, players: FakePlayerFactory
) -> None:
    timeline = pane.timeline
    start = timeline.model.start_ms
    ms_per_px = timeline.model.ms_per_px
    y = lane_y(timeline)
    qtbot.mousePress(timeline, Qt.MouseButton.LeftButton, pos=QPoint(700, y))
    qtbot.mouseMove(timeline, QPoint(760, y))
    qtbot.mouseMove(timeline, QPoint(900, y))
    qtbot.mouseRelease(timeline, Qt.MouseButton.LeftButton, pos=QPoint(900, y))
    assert timeline.model.start_ms == pytest.approx(start - 200 * ms_per_px)
    assert timeline.model.span_ms == HOUR_MS
    assert players.players[0].requests == []


def test_click_seeks_to_the_time_under_the_pointer(
    qtbot: QtBot, pane: PlaybackPane, players: FakePlayerFactory
) -> None:
    timeline = pane.timeline
    target = T0 - 600_000
    qtbot.mouseClick(timeline, Qt.MouseButton.LeftButton, pos=at_time(timeline, target))
    player = players.players[0]
    qtbot.waitUntil(lambda: any(r[0] == "open" for r in player.requests))
    opened = next(r for r in player.requests if r[0] == "open")
    offset = int(str(opened[2]))
    wall = SPANS[0].start_ms + offset
    assert abs(wall - target) <= timeline.model.ms_per_px  # within the pixel clicked
    # a second click inside the loaded playlist is a plain seek, past the gap mapped through the entries
    target2 = T0 + 1_500_000
    qtbot.mouseClick(timeline, Qt.MouseButton.LeftButton, pos=at_time(timeline, target2))
    qtbot.waitUntil(lambda: bool(player.seeks()))
    gap = SPANS[1].start_ms - SPANS[0].end_ms
    assert abs(SPANS[0].start_ms + player.seeks()[-1] + gap - target2) <= timeline.model.ms_per_px


def test_dragging_the_playhead_scrubs(
    qtbot: QtBot, pane: PlaybackPane, players: FakePlayerFactory
) -> None:
    timeline = pane.timeline
    pane.show_time(T0 - 900_000)
    player = players.players[0]
    qtbot.waitUntil(lambda: any(r[0] == "open" for r in player.requests))
    qtbot.waitUntil(lambda: timeline.playhead_ms is not None)
    head = at_time(timeline, timeline.playhead_ms or 0)
    qtbot.mousePress(timeline, Qt.MouseButton.LeftButton, pos=head)
    for dx in range(20, 201, 20):
        qtbot.mouseMove(timeline, head + QPoint(dx, 0))
    qtbot.mouseRelease(timeline, Qt.MouseButton.LeftButton, pos=head + QPoint(200, 0))
    end = timeline.model.time_at(head.x() + 200 - GUTTER)
    qtbot.waitUntil(lambda: bool(player.seeks()) and player.seeks()[-1] == end - SPANS[0].start_ms)
    assert 1 <= len(player.seeks()) < 10  # throttled while scrubbing, the last position wins
    assert timeline.model.start_ms == pytest.approx(T0 - 1_800_000)  # scrubbing does not pan


def test_lanes_show_recorded_spans_gaps_and_empty_event_lanes(
    qtbot: QtBot, pane: PlaybackPane
) -> None:
    timeline = pane.timeline
    qtbot.waitUntil(
        lambda: timeline._coverage.spans(pane.channels[0].camera_id, T0, T0 + 1) is not None
    )
    image = timeline.grab().toImage()
    y = lane_y(timeline)
    recorded = image.pixelColor(at_time(timeline, T0).x(), y)
    gap = image.pixelColor(at_time(timeline, T0 + 900_000).x(), y)
    assert recorded == QColor(timeline_paint.RECORDED)
    assert gap == QColor(timeline_paint.GAP)
    assert [r.title for r in timeline.rows()] == ["Cam 1", "Events", "Bookmarks"]


def test_time_after_now_is_left_plain_not_drawn_as_a_gap(qtbot: QtBot, pane: PlaybackPane) -> None:
    timeline = pane.timeline
    now = int(time.time() * 1000)
    timeline.show_range(now - HOUR_MS, 2 * HOUR_MS)
    camera_id = pane.channels[0].camera_id
    qtbot.waitUntil(lambda: timeline._coverage.spans(camera_id, now - 1, now) is not None)
    image = timeline.grab().toImage()
    y = lane_y(timeline)
    assert image.pixelColor(at_time(timeline, now - 30 * MINUTE_MS).x(), y) == QColor(
        timeline_paint.GAP
    )
    assert image.pixelColor(at_time(timeline, now + 30 * MINUTE_MS).x(), y) == QColor(theme.BASE)


def test_coverage_requests_are_debounced_and_cached(
    qtbot: QtBot, pane: PlaybackPane, fake_backend: FakeBackend
) -> None:
    timeline = pane.timeline
    qtbot.waitUntil(lambda: pane.coverage.tasks.idle and len(fake_backend.calls_to("coverage")) > 0)
    calls = len(fake_backend.calls_to("coverage"))
    pos = at_time(timeline, T0)
    for _ in range(8):  # a quick zoom out: one round of requests once it settles
        wheel(timeline, pos, dy=-120)
    qtbot.waitUntil(lambda: len(fake_backend.calls_to("coverage")) > calls)
    qtbot.waitUntil(lambda: pane.coverage.tasks.idle)
    after_zoom = len(fake_backend.calls_to("coverage"))
    assert after_zoom - calls <= 2
    assert timeline.model.span_ms > 5 * HOUR_MS  # 1.25 ** 8: six hours
    for _ in range(8):  # back in: the hour chunks are still cached
        wheel(timeline, pos, dy=120)
    timeline.pan_by(5)
    timeline.pan_by(-5)
    qtbot.wait(300)  # longer than the debounce: nothing may be fetched
    assert len(fake_backend.calls_to("coverage")) == after_zoom


def test_hover_shows_the_time_and_a_preview_decoded_ahead(qtbot: QtBot, pane: PlaybackPane) -> None:
    timeline = pane.timeline
    popup = timeline.popup
    qtbot.mouseMove(timeline, at_time(timeline, T0 - 300_000))
    assert popup.isVisible()
    assert "Loading preview" in popup.note  # nothing decoded on the hover itself
    qtbot.waitUntil(lambda: popup.image is not None)
    assert popup.image is not None
    assert popup.image.width() <= 192
    # other buckets of the view were decoded in the same round: the next hover shows one at once
    qtbot.mouseMove(timeline, at_time(timeline, T0 - 1_500_000))
    assert popup.image is not None
    assert popup.text.endswith(":35:00") or ":" in popup.text
    qtbot.mouseMove(timeline, at_time(timeline, T0 + 900_000))  # in the gap: no preview there
    qtbot.waitUntil(lambda: popup.note == "No preview")


def test_week_view_fetches_few_chunks(
    qtbot: QtBot, pane: PlaybackPane, fake_backend: FakeBackend
) -> None:
    pane.timeline.show_range(T0 - 3 * DAY_MS, MAX_SPAN_MS)
    qtbot.waitUntil(
        lambda: (
            pane.coverage.tasks.idle
            and pane.coverage.spans(pane.channels[0].camera_id, T0, T0 + 1) is not None
        )
    )
    week_calls = [
        c for c in fake_backend.calls_to("coverage") if c.args[2] - c.args[1] == 7 * DAY_MS
    ]
    assert 1 <= len(week_calls) <= 2


def _bookmark(
    fake_backend: FakeBackend, camera_id: int, start_ms: int, end_ms: int, name: str, locked: bool
) -> Bookmark:
    draft = BookmarkDraft(camera_id, start_ms, end_ms, name, "", ("tag",), locked)
    bookmark = fake_backend._bookmark_of(next(fake_backend._ids), draft, start_ms)
    fake_backend.bookmarks[bookmark.id] = bookmark
    return bookmark


def test_bookmark_lane_bars_sit_at_the_bookmark_times(
    qtbot: QtBot, pane: PlaybackPane, fake_backend: FakeBackend
) -> None:
    timeline = pane.timeline
    camera = pane.channels[0].camera_id
    first = _bookmark(fake_backend, camera, T0 - 600_000, T0 - 300_000, "Van", True)
    second = _bookmark(fake_backend, camera, T0 + 60_000, T0 + 61_000, "Blink", False)
    outside = _bookmark(fake_backend, camera, T0 + 7_200_000, T0 + 7_300_000, "Later", False)
    fake_backend.emit(BookmarksChanged((camera,)))
    qtbot.waitUntil(lambda: len(timeline.bookmark_rects()) == 2)
    row = next(r for r in timeline.rows() if r.title == "Bookmarks")
    model = timeline.model
    rects = {b.id: r for b, r in timeline.bookmark_rects()}
    assert outside.id not in rects
    van = rects[first.id]
    assert van.left() == pytest.approx(GUTTER + model.x_at(first.start_ms))
    assert van.right() == pytest.approx(GUTTER + model.x_at(first.end_ms))
    assert (van.top(), van.bottom()) == (row.top + 1, row.top + row.height - 1)
    blink = rects[second.id]  # one second on a one-hour view: widened to stay clickable
    assert blink.left() == pytest.approx(GUTTER + model.x_at(second.start_ms))
    assert blink.width() == pytest.approx(timeline_bookmarks.MIN_BOOKMARK_PX)
    image = timeline.grab().toImage()
    centre = van.center().toPoint()
    assert image.pixelColor(centre.x() + 30, centre.y()) == timeline_bookmarks.BOOKMARK_LOCKED
    text = timeline.tooltip_at(van.center())
    assert text.splitlines()[0] == "Van"
    assert "Tags: tag" in text
    assert "Locked" in text
    assert timeline.tooltip_at(QPointF(van.center().x(), lane_y(timeline))) == ""


def test_clicking_a_bookmark_selects_it_and_plays_from_its_start(
    qtbot: QtBot, pane: PlaybackPane, fake_backend: FakeBackend
) -> None:
    timeline = pane.timeline
    camera = pane.channels[0].camera_id
    bookmark = _bookmark(fake_backend, camera, T0 - 600_000, T0 - 300_000, "Van", False)
    fake_backend.emit(BookmarksChanged((camera,)))
    qtbot.waitUntil(lambda: bool(timeline.bookmark_rects()))
    where = timeline.bookmark_rects()[0][1].center().toPoint() + QPoint(40, 0)
    with qtbot.waitSignal(timeline.seek_requested) as seek:
        qtbot.mouseClick(timeline, Qt.MouseButton.LeftButton, pos=where)
    assert seek.args == [bookmark.start_ms]
    assert timeline.selected_bookmark == bookmark.id


def test_marked_range_is_drawn_between_in_and_out(pane: PlaybackPane) -> None:
    timeline = pane.timeline
    timeline.set_marks(T0 - 300_000, T0 + 300_000)
    band = timeline_bookmarks.mark_rect(
        timeline.model, *timeline.marks, timeline_paint.AXIS_H, timeline.height()
    )
    assert band is not None
    assert band.left() == pytest.approx(GUTTER + timeline.model.x_at(T0 - 300_000))
    assert band.right() == pytest.approx(GUTTER + timeline.model.x_at(T0 + 300_000))
    image = timeline.grab().toImage()
    x = round(band.center().x())
    y = next(r for r in timeline.rows() if r.title == "Events").top + 3
    inside, outside = image.pixelColor(x, y), image.pixelColor(round(band.left()) - 40, y)
    assert inside != outside  # the translucent band tints the lanes under it
