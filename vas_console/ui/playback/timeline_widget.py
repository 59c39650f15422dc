"""TimelineWidget: recorded spans of one or more cameras on a zoomable time axis, with a playhead."""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass

from PySide6.QtCore import QEvent, QPoint, QPointF, QRectF, QSize, Qt, Signal
from PySide6.QtGui import (
    QColor,
    QHelpEvent,
    QMouseEvent,
    QPainter,
    QPaintEvent,
    QResizeEvent,
    QWheelEvent,
)
from PySide6.QtWidgets import QSizePolicy, QToolTip, QWidget

from backend_embed.api import Bookmark
from vas_console.core.timeline_model import HOUR_MS, TimelineModel
from vas_console.ui import theme
from vas_console.ui.playback import timeline_bookmarks as marks
from vas_console.ui.playback import timeline_paint as paint
from vas_console.ui.playback.bookmark_cache import BookmarkCache
from vas_console.ui.playback.coverage_cache import CoverageCache
from vas_console.ui.playback.hover_popup import HoverPopup
from vas_console.ui.playback.preview_cache import PreviewCache
from vas_console.ui.playback.timeline_gestures import zoom_gesture

WHEEL_STEP = 1.25
"""Zoom factor per wheel notch (120 eighths of a degree)."""
DRAG_THRESHOLD_PX = 4
PLAYHEAD_GRAB_PX = 6
FOLLOW_PAUSE_S = 4.0
"""After the operator zooms or pans, the view stops following the playhead this long."""
EXTRA_LANES = ("Events", "Bookmarks")
BOOKMARK_LANE = "Bookmarks"


@dataclass(frozen=True, slots=True)
class CameraLane:
    """One camera's row on the timeline."""

    camera_id: int
    title: str


class TimelineWidget(QWidget):
    """The time axis with a lane per camera (recorded spans and gaps), empty event and bookmark lanes,
    a playhead, and a hover popup with the time and a preview thumbnail.

    Zoom (1 minute to 7 days) with the wheel, a pinch or `zoom_in`/`zoom_out`; drag to pan; click to seek;
    drag the playhead to scrub. Coverage comes from a `CoverageCache` and thumbnails from a
    `PreviewCache`; both are asked for what the visible range needs whenever it changes.

    Signals:
        seek_requested(int): the operator clicked or scrubbed to this wall time (UTC ms).
        range_changed(): the visible range changed (zoom, pan, follow).
        lane_clicked(int): the title of this camera's lane was clicked.
        bookmark_clicked(Bookmark): a bookmark on the bookmark lane was clicked (it is selected and
            `seek_requested` carries its start).

    Bookmarks (from a `BookmarkCache`, see `set_bookmarks`) are bars on the bookmark lane with a tooltip;
    `set_marks` draws the marked in/out range over every lane.
    """

    seek_requested = Signal(object)
    range_changed = Signal()
    lane_clicked = Signal(object)
    bookmark_clicked = Signal(object)

    def __init__(
        self,
        coverage: CoverageCache,
        previews: PreviewCache | None = None,
        *,
        start_ms: float | None = None,
        span_ms: float = HOUR_MS,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        start = time.time() * 1000 - span_ms / 2 if start_ms is None else start_ms
        self.model = TimelineModel(640, start, span_ms)
        self._coverage = coverage
        self._previews = previews
        self._lanes: list[CameraLane] = []
        self._selected: int | None = None
        self._playhead: int | None = None
        self._press: QPointF | None = None
        self._mode = ""  # "", "press", "pan", "scrub"
        self._last_x = 0.0
        self._hover_x: float | None = None
        self._hover_camera: int | None = None
        self._interacted_at = 0.0
        self._bookmarks: BookmarkCache | None = None
        self._marks: tuple[int | None, int | None] = (None, None)
        self.selected_bookmark: int | None = None
        self._press_bookmark: Bookmark | None = None
        self._popup = HoverPopup(self)
        self.setMouseTracking(True)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.grabGesture(Qt.GestureType.PinchGesture)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.setToolTip(
            "Wheel or pinch: zoom · drag: pan · click: go to · drag the playhead: scrub"
        )
        coverage.changed.connect(self.update)
        if previews is not None:
            previews.changed.connect(self._on_previews_changed)
        self._request_data()

    # -- state ------------------------------------------------------------------------------------

    @property
    def popup(self) -> HoverPopup:
        return self._popup

    @property
    def lanes(self) -> list[CameraLane]:
        return list(self._lanes)

    @property
    def playhead_ms(self) -> int | None:
        return self._playhead

    def set_lanes(self, lanes: Sequence[CameraLane]) -> None:
        self._lanes = list(lanes)
        self.updateGeometry()
        self.setFixedHeight(self.sizeHint().height())
        self._request_data()
        self.update()

    @property
    def marks(self) -> tuple[int | None, int | None]:
        """The marked range's (in, out), either None while not marked."""
        return self._marks

    def set_marks(self, mark_in: int | None, mark_out: int | None) -> None:
        self._marks = (mark_in, mark_out)
        self.update()

    def set_bookmarks(self, cache: BookmarkCache) -> None:
        """Show `cache`'s bookmarks on the bookmark lane (and ask it for the visible range)."""
        self._bookmarks = cache
        cache.changed.connect(self.update)
        self._request_data()

    def bookmark_rects(self) -> list[tuple[Bookmark, QRectF]]:
        """The bookmark bars (widget coordinates) as painted now."""
        row = next((r for r in self.rows() if r.title == BOOKMARK_LANE), None)
        if self._bookmarks is None or row is None:
            return []
        return marks.bookmark_rects(self.model, row, self._bookmarks.bookmarks())

    def bookmark_at(self, pos: QPointF) -> Bookmark | None:
        """The bookmark under `pos` (the topmost, i.e. the last painted), if any."""
        return next((b for b, r in reversed(self.bookmark_rects()) if r.contains(pos)), None)

    def set_selected(self, camera_id: int | None) -> None:
        self._selected = camera_id
        self.update()

    def set_playhead(self, wall_ms: int | None, *, follow: bool = False) -> None:
        """Move the playhead; with `follow`, page the view to keep it visible unless the operator is
        looking elsewhere (for `FOLLOW_PAUSE_S` after a zoom or pan)."""
        self._playhead = wall_ms
        idle = time.monotonic() - self._interacted_at >= FOLLOW_PAUSE_S and self._mode == ""
        if follow and wall_ms is not None and idle and self.model.follow(wall_ms):
            self._range_changed()
        self.update()

    def show_range(self, start_ms: float, span_ms: float) -> None:
        self.model.set_range(start_ms, span_ms)
        self._range_changed()

    def center_on(self, wall_ms: float) -> None:
        self.model.center_on(wall_ms)
        self._range_changed()

    def zoom_in(self) -> None:
        self._zoom_step(+1)

    def zoom_out(self) -> None:
        self._zoom_step(-1)

    def zoom_by(self, factor: float, anchor_x: float | None = None) -> None:
        """Zoom by `factor` (> 1 in) around `anchor_x` (lane-area pixels; the middle by default)."""
        self._interacted_at = time.monotonic()
        if self.model.zoom(factor, anchor_x):
            self._range_changed()

    def pan_by(self, dx: float) -> None:
        self._interacted_at = time.monotonic()
        self.model.pan_px(dx)
        self._range_changed()

    def sizeHint(self) -> QSize:
        lanes = max(1, len(self._lanes))
        height = paint.AXIS_H + lanes * (paint.LANE_H + paint.LANE_GAP)
        height += len(EXTRA_LANES) * (paint.EXTRA_LANE_H + paint.LANE_GAP) + paint.LANE_GAP
        height += paint.BOOKMARK_LANE_H - paint.EXTRA_LANE_H
        return QSize(640, height)

    def rows(self) -> list[paint.LaneRow]:
        top = paint.AXIS_H + paint.LANE_GAP
        rows = []
        for lane in self._lanes:
            selected = lane.camera_id == self._selected
            rows.append(paint.LaneRow(lane.title, top, paint.LANE_H, lane.camera_id, selected))
            top += paint.LANE_H + paint.LANE_GAP
        for title in EXTRA_LANES:
            height = paint.BOOKMARK_LANE_H if title == BOOKMARK_LANE else paint.EXTRA_LANE_H
            rows.append(paint.LaneRow(title, top, height))
            top += height + paint.LANE_GAP
        return rows

    # -- painting ---------------------------------------------------------------------------------

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.fillRect(self.rect(), QColor(theme.BASE))
        ticks = self.model.ticks()
        paint.paint_axis(painter, self.model, ticks, self.width())
        paint.paint_grid(painter, self.model, ticks, paint.AXIS_H, self.height())
        start, end = self.model.start_ms, self.model.end_ms
        for row in self.rows():
            spans = None
            if row.camera_id is not None:
                spans = self._coverage.spans(row.camera_id, start, end)
            paint.paint_lane(painter, self.model, row, spans, int(time.time() * 1000))
        marks.paint_bookmarks(painter, self.bookmark_rects(), self.selected_bookmark)
        marks.paint_marks(painter, self.model, *self._marks, paint.AXIS_H, self.height())
        if self._hover_x is not None:
            paint.paint_hover_line(painter, self._hover_x, self.height())
        if self._playhead is not None:
            paint.paint_playhead(painter, self.model, self._playhead, self.height())
        painter.end()

    def resizeEvent(self, event: QResizeEvent) -> None:
        self.model.resize(max(1, event.size().width() - paint.GUTTER))
        self._range_changed()

    # -- input ------------------------------------------------------------------------------------

    def mousePressEvent(self, event: QMouseEvent) -> None:
        if event.button() is not Qt.MouseButton.LeftButton:
            return
        pos = event.position()
        if pos.x() < paint.GUTTER:
            camera = self._camera_at(pos.y())
            if camera is not None:
                self.lane_clicked.emit(camera)
            return
        self._press, self._last_x = pos, pos.x()
        self._press_bookmark = self.bookmark_at(pos)
        on_playhead = (
            self._playhead is not None
            and abs(self._lane_x(pos.x()) - self.model.x_at(self._playhead)) <= PLAYHEAD_GRAB_PX
        )
        self._mode = "scrub" if on_playhead else "press"

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        pos = event.position()
        moved = self._press is not None and abs(pos.x() - self._press.x()) > DRAG_THRESHOLD_PX
        if self._mode == "press" and moved:
            self._mode = "pan"
        if self._mode == "pan":
            self.pan_by(pos.x() - self._last_x)
        elif self._mode == "scrub":
            self._playhead = self._time_at(pos.x())
            self.seek_requested.emit(self._playhead)
        self._last_x = pos.x()
        self._hover(pos)

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        if event.button() is not Qt.MouseButton.LeftButton:
            return
        bookmark, self._press_bookmark = self._press_bookmark, None
        if self._mode == "press" and bookmark is not None:
            self.selected_bookmark = bookmark.id
            self._playhead = bookmark.start_ms
            self.bookmark_clicked.emit(bookmark)
            self.seek_requested.emit(bookmark.start_ms)
            self.update()
        elif self._mode in ("press", "scrub"):
            self._playhead = self._time_at(event.position().x())
            self.seek_requested.emit(self._playhead)
            self.update()
        self._mode = ""
        self._press = None

    def leaveEvent(self, event: QEvent) -> None:
        self._hover_x = None
        self._hover_camera = None
        self._popup.hide()
        self.update()

    def wheelEvent(self, event: QWheelEvent) -> None:
        delta = event.angleDelta()
        x = self._lane_x(event.position().x())
        if delta.x() and not delta.y():
            self.pan_by(delta.x() / 120 * 40)
        elif event.modifiers() & Qt.KeyboardModifier.ShiftModifier:
            self.pan_by(delta.y() / 120 * 40)
        elif delta.y():
            self.zoom_by(WHEEL_STEP ** (delta.y() / 120), x)
        event.accept()

    def event(self, event: QEvent) -> bool:
        if isinstance(event, QHelpEvent) and event.type() is QEvent.Type.ToolTip:
            text = self.tooltip_at(QPointF(event.pos()))
            if text:
                QToolTip.showText(event.globalPos(), text, self)
                return True
        gesture = zoom_gesture(self, event)
        if gesture is not None:
            self.zoom_by(gesture[0], self._lane_x(gesture[1]))
            return True
        return super().event(event)

    # -- helpers ----------------------------------------------------------------------------------

    def tooltip_at(self, pos: QPointF) -> str:
        """The bookmark tooltip for `pos` ("" when no bookmark is there)."""
        bookmark = self.bookmark_at(pos)
        titles = {lane.camera_id: lane.title for lane in self._lanes}
        return marks.bookmark_tooltip(bookmark, titles) if bookmark is not None else ""

    def _zoom_step(self, direction: int) -> None:
        self._interacted_at = time.monotonic()
        anchor = None
        if self._playhead is not None:
            x = self.model.x_at(self._playhead)
            anchor = x if 0 <= x <= self.model.width_px else None
        if self.model.zoom_step(direction, anchor):
            self._range_changed()

    def _lane_x(self, widget_x: float) -> float:
        return widget_x - paint.GUTTER

    def _time_at(self, widget_x: float) -> int:
        x = min(max(0.0, self._lane_x(widget_x)), float(self.model.width_px))
        return self.model.time_at(x)

    def _camera_at(self, y: float) -> int | None:
        for row in self.rows():
            if row.camera_id is not None and row.top <= y < row.top + row.height:
                return row.camera_id
        return None

    def _hover(self, pos: QPointF) -> None:
        if pos.x() < paint.GUTTER or self._mode in ("pan", "scrub"):
            self._hover_x = None
            self._popup.hide()
            self.update()
            return
        self._hover_x = self._lane_x(pos.x())
        camera = self._camera_at(pos.y())
        if camera is None and self._lanes:
            camera = self._selected if self._selected is not None else self._lanes[0].camera_id
        if camera != self._hover_camera and camera is not None and self._previews is not None:
            self._previews.request([camera], self.model.start_ms, self.model.end_ms)
        self._hover_camera = camera
        self._show_popup()
        self.update()

    def _show_popup(self) -> None:
        if self._hover_x is None:
            return
        when = self.model.time_at(self._hover_x)
        text = paint.format_time(when, self.model.span_ms)
        image, note = None, ""
        if self._hover_camera is not None and self._previews is not None:
            span = self.model.span_ms
            image = self._previews.image_at(self._hover_camera, when, span)
            if image is None:
                known = self._previews.known(self._hover_camera, when, span)
                note = "No preview" if known else "Loading preview…"
        anchor = self.mapToGlobal(QPoint(round(paint.GUTTER + self._hover_x), 0))
        self._popup.show_at(anchor, text, image, note)

    def _on_previews_changed(self) -> None:
        if self._hover_x is not None and self._popup.isVisible():
            self._show_popup()

    def _range_changed(self) -> None:
        self._request_data()
        self.update()
        self.range_changed.emit()

    def _request_data(self) -> None:
        cameras = [lane.camera_id for lane in self._lanes]
        if cameras:
            self._coverage.request(cameras, self.model.chunks())
            if self._bookmarks is not None:
                self._bookmarks.request(cameras, self.model.start_ms, self.model.end_ms)
        if self._hover_camera is not None and self._previews is not None:
            self._previews.request([self._hover_camera], self.model.start_ms, self.model.end_ms)
