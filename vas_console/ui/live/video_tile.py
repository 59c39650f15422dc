"""VideoTile: paints the newest frame of one live session, with the camera's name and the session's state."""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Callable

from PySide6.QtCore import QEvent, QPoint, QRect, QRectF, QSize, Qt, Signal
from PySide6.QtGui import (
    QColor,
    QContextMenuEvent,
    QDragEnterEvent,
    QDragLeaveEvent,
    QDropEvent,
    QEnterEvent,
    QFocusEvent,
    QFont,
    QFontMetrics,
    QImage,
    QKeyEvent,
    QMouseEvent,
    QPainter,
    QPaintEvent,
    QPen,
    QResizeEvent,
)
from PySide6.QtWidgets import QApplication, QSizePolicy, QWidget

from vas_console.media.frames import LatestFrameSlot
from vas_console.media.live import LiveFrame, LiveState, LiveStats, LiveStatus, fit_size
from vas_console.ui import theme
from vas_console.ui.live.dnd import camera_id_from, camera_ids_from, tile_index_from
from vas_console.ui.live.tile_controls import TileButtons
from vas_console.ui.live.tile_menu import install_tile_actions, show_tile_menu
from vas_console.ui.live.tile_paint import paint_state_box
from vas_console.ui.live.tile_text import EMPTY_HINT, fit_header, state_text, stats_text

logger = logging.getLogger(__name__)

HOVER_REFRESH_S = 1.0
_BACKGROUND = QColor("#07090c")
_HEADER_BACKGROUND = QColor(theme.PANEL)
_RECORDED_BACKGROUND = QColor("#4a3500")
RECORDED_BADGE = "RECORDED"
_MARGIN = 6
_HEADER_PAD = 3
#: arrow keys as steps on the wall (dx, dy)
_ARROWS = {
    Qt.Key.Key_Left: (-1, 0),
    Qt.Key.Key_Right: (1, 0),
    Qt.Key.Key_Up: (0, -1),
    Qt.Key.Key_Down: (0, 1),
}
_STATE_WORDS = {
    LiveState.CONNECTING: ("Connecting", theme.TEXT_DIM),
    LiveState.LIVE: ("Live", theme.TEXT_DIM),  # colour is kept for problems (docs/ui.md)
    LiveState.RECONNECTING: ("Reconnecting", theme.AMBER),
    LiveState.OFFLINE: ("Offline", theme.ERROR),
}

PaintObserver = Callable[[LiveFrame, float], None]
"""Called after a frame was painted, with the frame and time.time() (benchmarks measure latency)."""


class VideoTile(QWidget):
    """One tile of the live wall.

    `poll()` (driven by the grid's ~60 Hz frame clock) takes the newest frame from the feed's slot and
    repaints only when there is one; the frame's bytes are wrapped by a QImage, not copied, and drawn 1:1 when the
    session already scaled it to the video area's device size. A header bar above the picture (so it
    never hides the camera's own caption) shows the camera's name and its state, or on hover the
    stream's figures (fps, bitrate, latency); a state other than live is also shown over the picture
    (connecting, reconnecting in N s, offline: reason).

    Signals:
        double_clicked(int): the tile (its index) was double-clicked, or Enter pressed on it: maximise it,
            or go back.
        focus_step(int, int, int): an arrow key on the tile (index, dx, dy): the next tile that way takes
            the focus.
        camera_dropped(int, int): a camera (id) was dropped onto the tile (index).
        cameras_dropped(int, list): several cameras (a group's ids, in order) were dropped onto the tile.
        drag_started(int): the operator started dragging the tile's camera (index): the wall runs the drag.
        tile_dropped(int, int): another tile of the wall (its index) was dropped onto this one (index).
        clear_requested(int): the operator asked to empty the tile.
        back_requested(int), pick_requested(int): play the tile's recordings from 30 s ago / a picked time.
        live_requested(int): leave recorded video, back to live.
        snapshot_requested(int), bookmark_requested(int): save the live picture / bookmark now (button,
            context menu, or S / B while the tile has the focus).

    While recorded (`set_recorded`), the header turns amber with a RECORDED badge and a Live button, and
    `set_overlay`'s widget (the playback view) covers the video area.
    """

    double_clicked = Signal(int)
    focus_step = Signal(int, int, int)
    camera_dropped = Signal(int, int)
    cameras_dropped = Signal(int, list)
    drag_started = Signal(int)
    tile_dropped = Signal(int, int)
    clear_requested = Signal(int)
    back_requested = Signal(int)
    pick_requested = Signal(int)
    live_requested = Signal(int)
    snapshot_requested = Signal(int)
    bookmark_requested = Signal(int)

    def __init__(self, index: int, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.index = index
        self.setObjectName(f"videoTile{index}")
        self.setAcceptDrops(True)
        self.setMouseTracking(True)
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Ignored)
        self.setAttribute(Qt.WidgetAttribute.WA_OpaquePaintEvent)
        self._camera_name: str | None = None
        self._stream = ""
        self._slot: LatestFrameSlot[LiveFrame] | None = None
        self._stats: Callable[[], LiveStats] | None = None
        self._status: LiveStatus | None = None
        self._frame: LiveFrame | None = None
        self._image: QImage | None = None
        self._hovered = False
        self._drop_target = False
        self._press_at: QPoint | None = None  # where a left press began that may become a drag
        self._shown_text = ""
        self._next_hover_refresh = 0.0
        self.painted_frames = 0
        self.paint_observer: PaintObserver | None = None
        self._playback_available = False
        self._recorded = False
        self._overlay: QWidget | None = None
        # taken by a click or Tab; then the arrows, Enter, S and B act on the tile
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.actions_by_name = install_tile_actions(self)
        self.buttons = TileButtons(self)
        self.buttons.back_clicked.connect(lambda: self.back_requested.emit(self.index))
        self.buttons.pick_clicked.connect(lambda: self.pick_requested.emit(self.index))
        self.buttons.live_clicked.connect(lambda: self.live_requested.emit(self.index))
        self.buttons.snapshot_clicked.connect(self.actions_by_name["snapshot"].trigger)
        self.buttons.bookmark_clicked.connect(self.actions_by_name["bookmark_now"].trigger)

    # -- state -------------------------------------------------------------------------------------

    @property
    def camera_name(self) -> str | None:
        return self._camera_name

    @property
    def status(self) -> LiveStatus | None:
        return self._status

    @property
    def overlay_text(self) -> str:
        """The state line the tile shows now ("" while live or empty)."""
        return state_text(self._status)

    @property
    def hover_text(self) -> str:
        """The figures the tile shows while hovered ("" when not hovered or nothing plays)."""
        if not self._hovered or self._stats is None or self._frame is None:
            return ""
        return stats_text(self._stats(), self._stream)

    def set_camera(self, name: str | None, stream: str = "") -> None:
        """Show `name` on the tile (None: an empty tile, which also drops the feed and state)."""
        self._camera_name = name
        self._stream = stream
        if name is None:
            self.set_feed(None)
            self._status = None
        self._update_buttons()
        self.update()

    @property
    def recorded(self) -> bool:
        return self._recorded

    @property
    def playback_available(self) -> bool:
        return self._playback_available

    def set_playback_available(self, available: bool) -> None:
        """Offer "Back 30 s" and "Play from…" (hover buttons, context menu)."""
        self._playback_available = available
        self._update_buttons()

    def set_recorded(self, recorded: bool) -> None:
        """Mark the tile as showing recorded video (amber header, RECORDED, a Live button)."""
        self._recorded = recorded
        if recorded:
            self._status = None
        self._update_buttons()
        self.update()

    def set_overlay(self, widget: QWidget | None) -> None:
        """Cover the video area with `widget` (reparented to the tile), or remove the current one."""
        if self._overlay is not None and self._overlay is not widget:
            self._overlay.hide()
        self._overlay = widget
        if widget is not None:
            widget.setParent(self)
            widget.setGeometry(self.video_rect())
            widget.show()
            self.buttons.raise_()

    def _update_buttons(self) -> None:
        self.buttons.update_visibility(
            hovered=self._hovered,
            available=self._playback_available and self._camera_name is not None,
            recorded=self._recorded,
            camera=self._camera_name is not None,
        )
        self.buttons.place(self.width(), self.header_height())

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        if self._overlay is not None:
            self._overlay.setGeometry(self.video_rect())
        self.buttons.place(self.width(), self.header_height())

    def set_stream(self, stream: str) -> None:
        self._stream = stream
        self.update()

    def set_feed(
        self, slot: LatestFrameSlot[LiveFrame] | None, stats: Callable[[], LiveStats] | None = None
    ) -> None:
        """Paint frames from `slot` from now on (None: stop); the last picture stays until a new one."""
        self._slot = slot
        self._stats = stats
        if slot is None:
            self._frame = None
            self._image = None
        else:
            self._take_frame(slot.peek())
        self.update()

    def set_status(self, status: LiveStatus) -> None:
        self._status = status
        if status.state is LiveState.CLOSED:
            self._status = None
        self.update()

    def device_size(self) -> tuple[int, int]:
        """The video area's size in device pixels (what a session should scale its frames to)."""
        ratio = self.devicePixelRatioF()
        area = self.video_rect()
        return max(2, round(area.width() * ratio)), max(2, round(area.height() * ratio))

    def header_height(self) -> int:
        return self.fontMetrics().height() + 2 * _HEADER_PAD

    def video_rect(self) -> QRect:
        """Where the picture goes: everything below the header."""
        return self.rect().adjusted(0, self.header_height(), 0, 0)

    def sizeHint(self) -> QSize:
        return QSize(320, 180)

    # -- frames ------------------------------------------------------------------------------------

    def poll(self) -> None:
        """Take the newest frame, if any, and repaint; else repaint only when the overlay changed.

        Called by the grid's frame clock (one timer for every tile, so their repaints share one pass).
        """
        slot = self._slot
        if slot is not None:
            frame = slot.take()
            if frame is not None:
                self._take_frame(frame)
                self.update(self.video_rect())  # the header repaints only when its text changes
                return
        text = state_text(self._status)
        now = time.monotonic()
        if text != self._shown_text or (self._hovered and now >= self._next_hover_refresh):
            self.update()

    def _take_frame(self, frame: LiveFrame | None) -> None:
        self._frame = frame
        if frame is None:
            self._image = None
            return
        image = QImage(
            frame.pixels, frame.width, frame.height, frame.stride, QImage.Format.Format_RGB32
        )
        image.setDevicePixelRatio(self.devicePixelRatioF())
        self._image = image

    # -- painting ----------------------------------------------------------------------------------

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        try:
            picture = self._frame_target()
            if picture is None:
                painter.fillRect(event.rect(), _BACKGROUND)
            else:  # only around the picture: filling under it too had cost more than drawing it
                for bar in _around(event.rect(), _inside(picture)):
                    painter.fillRect(bar, _BACKGROUND)
                self._paint_frame(painter, picture)
            if event.rect().top() < self.header_height():
                self._paint_header(painter)
            self._paint_state(painter)
            marked = self._drop_target or self.hasFocus()
            painter.setPen(
                QPen(QColor(theme.ACCENT if marked else theme.BORDER), 2 if marked else 1)
            )
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.drawRect(self.rect().adjusted(0, 0, -1, -1))
        finally:
            painter.end()

    def _frame_target(self) -> QRectF | None:
        """Where the current picture goes (centred in the video area, aspect kept), or None."""
        frame = self._frame
        if frame is None or self._image is None:
            return None
        ratio = self.devicePixelRatioF()
        width, height = fit_size((frame.source_width, frame.source_height), self.device_size())
        target = QRectF(0, 0, width / ratio, height / ratio)
        target.moveCenter(QRectF(self.video_rect()).center())
        return target

    def _paint_frame(self, painter: QPainter, target: QRectF) -> None:
        frame, image = self._frame, self._image
        assert frame is not None
        assert image is not None
        ratio = self.devicePixelRatioF()
        if (frame.width, frame.height) != (
            round(target.width() * ratio),
            round(target.height() * ratio),
        ):
            painter.setRenderHint(
                QPainter.RenderHint.SmoothPixmapTransform
            )  # resized since: Qt scales
        painter.drawImage(target, image)
        self.painted_frames += 1
        if self.paint_observer is not None:
            self.paint_observer(frame, time.time())

    def _paint_header(self, painter: QPainter) -> None:
        """The bar above the picture: the camera's name, and its figures (hovered) or its state."""
        bar = QRect(0, 0, self.width(), self.header_height())
        painter.fillRect(bar, _RECORDED_BACKGROUND if self._recorded else _HEADER_BACKGROUND)
        buttons = self.buttons.width() + _MARGIN if self.buttons.isVisible() else 0
        text_area = bar.adjusted(_MARGIN, 0, -_MARGIN - buttons, 0)
        metrics = painter.fontMetrics()
        self._shown_text = state_text(self._status)
        right, colour = self.hover_text, theme.TEXT_DIM
        if self._recorded:
            right, colour = RECORDED_BADGE, theme.AMBER
        elif right:
            self._next_hover_refresh = time.monotonic() + HOVER_REFRESH_S
        elif self._status is not None:
            right, colour = _STATE_WORDS.get(self._status.state, ("", theme.TEXT_DIM))
        bold = QFont(painter.font())
        bold.setBold(True)
        name, right = fit_header(
            self._camera_name or "", right, text_area.width(), QFontMetrics(bold), metrics, _MARGIN
        )
        painter.setPen(QColor(colour))
        painter.drawText(
            text_area, Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignRight, right
        )
        painter.setFont(bold)
        painter.setPen(QColor(theme.TEXT))
        painter.drawText(
            text_area, Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft, name
        )
        painter.setFont(QFont(self.font()))

    def _paint_state(self, painter: QPainter) -> None:
        """Centred over the picture: the empty tile's hint, or why the tile is not live."""
        area = self.video_rect()
        if self._camera_name is None:
            painter.setPen(QColor(theme.TEXT_DIM))
            painter.drawText(area, Qt.AlignmentFlag.AlignCenter, EMPTY_HINT)
            return
        if not self._shown_text or self._status is None:
            return
        colour = _STATE_WORDS.get(self._status.state, ("", theme.TEXT))[1]
        paint_state_box(painter, self.video_rect(), self._status, colour)

    # -- input -------------------------------------------------------------------------------------

    def enterEvent(self, event: QEnterEvent) -> None:
        self._hovered = True
        self._update_buttons()
        self.update()
        super().enterEvent(event)

    def leaveEvent(self, event: QEvent) -> None:
        self._hovered = False
        self._update_buttons()
        self.update()
        super().leaveEvent(event)

    def mousePressEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton:
            self._press_at = event.position().toPoint()
        super().mousePressEvent(event)

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        start = self._press_at
        if start is not None and event.buttons() & Qt.MouseButton.LeftButton:
            moved = (event.position().toPoint() - start).manhattanLength()
            if moved >= QApplication.startDragDistance() and self._camera_name is not None:
                self._press_at = None
                self.drag_started.emit(self.index)
                return
        super().mouseMoveEvent(event)

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        self._press_at = None
        super().mouseReleaseEvent(event)

    def mouseDoubleClickEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton:
            self.double_clicked.emit(self.index)
            event.accept()
            return
        super().mouseDoubleClickEvent(event)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.modifiers() & ~Qt.KeyboardModifier.KeypadModifier:
            super().keyPressEvent(event)
            return
        key = Qt.Key(event.key())
        step = _ARROWS.get(key)
        if key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            self.double_clicked.emit(self.index)
        elif step is not None:
            self.focus_step.emit(self.index, *step)
        else:
            super().keyPressEvent(event)
            return
        event.accept()

    def contextMenuEvent(self, event: QContextMenuEvent) -> None:
        show_tile_menu(self, event.globalPos())

    def focusInEvent(self, event: QFocusEvent) -> None:
        self.update()  # the border shows which tile S and B act on
        super().focusInEvent(event)

    def focusOutEvent(self, event: QFocusEvent) -> None:
        self.update()
        super().focusOutEvent(event)

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        data = event.mimeData()
        if camera_id_from(data) is None or tile_index_from(data) == self.index:
            event.ignore()  # nothing to show, or the tile dragged over itself
            return
        event.acceptProposedAction()
        self._drop_target = True
        self.update()

    def dragLeaveEvent(self, event: QDragLeaveEvent) -> None:
        self._drop_target = False
        self.update()

    def dropEvent(self, event: QDropEvent) -> None:
        self._drop_target = False
        camera_id = camera_id_from(event.mimeData())
        if camera_id is None:
            event.ignore()
            return
        event.acceptProposedAction()
        self.update()
        source = tile_index_from(event.mimeData())
        cameras = camera_ids_from(event.mimeData())
        if source is not None:
            if source != self.index:
                self.tile_dropped.emit(source, self.index)
        elif len(cameras) > 1:
            self.cameras_dropped.emit(self.index, cameras)
        else:
            self.camera_dropped.emit(self.index, camera_id)


def _inside(rect: QRectF) -> QRect:
    """The whole pixels `rect` covers (rounded inwards): the background need not be filled there."""
    left, top = math.ceil(rect.left()), math.ceil(rect.top())
    return QRect(left, top, math.floor(rect.right()) - left, math.floor(rect.bottom()) - top)


def _around(area: QRect, hole: QRect) -> list[QRect]:
    """The parts of `area` outside `hole`: up to four bars (above, below, left, right)."""
    hole = hole.intersected(area)
    if hole.isEmpty():
        return [area]
    top = QRect(area.left(), area.top(), area.width(), hole.top() - area.top())
    bottom = QRect(area.left(), hole.bottom() + 1, area.width(), area.bottom() - hole.bottom())
    middle_top, middle_bottom = max(area.top(), hole.top()), min(area.bottom(), hole.bottom())
    left = QRect(area.left(), middle_top, hole.left() - area.left(), middle_bottom - middle_top + 1)
    right = QRect(hole.right() + 1, middle_top, area.right() - hole.right(), left.height())
    return [bar for bar in (top, bottom, left, right) if bar.width() > 0 and bar.height() > 0]
