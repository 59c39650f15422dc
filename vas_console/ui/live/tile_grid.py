"""TileGrid: lays video tiles out on a wall layout's unit grid, or one tile over the whole area."""

from __future__ import annotations

from PySide6.QtCore import QRect, Qt, QTimer, Signal
from PySide6.QtGui import QHideEvent, QPalette, QResizeEvent, QShowEvent
from PySide6.QtWidgets import QWidget

from vas_console.core.layouts import LAYOUTS, GridLayout, LayoutKind
from vas_console.ui.live.video_tile import VideoTile

GAP = 2
# 60 Hz: at 30 Hz, arrival jitter put two frames of a 25 fps stream into one tick often enough to drop
# about 1 frame in 5 on a 16-tile wall; a tick with no new frame costs one lock per tile.
FRAME_POLL_MS = 16


class TileGrid(QWidget):
    """Owns the tiles of the current layout and places them itself (exact fractions, spans, a thin gap).

    `set_layout` replaces the tiles (returns the new ones); `set_maximised(i)` shows tile `i` alone.
    While shown, one frame clock polls every visible tile, so all the tiles' repaints of a tick are
    painted and flushed in one pass instead of one pass per tile.

    Signals:
        tiles_resized(): the tiles were placed anew (a resize, a layout change, a maximised tile) or the
            grid was shown again.
    """

    tiles_resized = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("tileGrid")
        self.setAutoFillBackground(True)
        palette = self.palette()
        palette.setColor(QPalette.ColorRole.Window, "#000000")
        self.setPalette(palette)
        self._layout: GridLayout = LAYOUTS[LayoutKind.GRID_2X2]
        self._tiles: list[VideoTile] = []
        self._maximised: int | None = None
        self._clock = QTimer(self)
        self._clock.setObjectName("frameClock")
        self._clock.setTimerType(Qt.TimerType.PreciseTimer)
        self._clock.setInterval(FRAME_POLL_MS)
        self._clock.timeout.connect(self._on_clock_timeout)

    @property
    def tiles(self) -> list[VideoTile]:
        return list(self._tiles)

    @property
    def layout_kind(self) -> LayoutKind:
        return self._layout.kind

    @property
    def maximised(self) -> int | None:
        return self._maximised

    def set_layout(self, kind: LayoutKind) -> list[VideoTile]:
        """Replace the tiles with the layout's (fresh tiles, nothing maximised); the old ones are deleted."""
        for tile in self._tiles:
            tile.set_feed(None)
            tile.hide()
            tile.deleteLater()
        self._layout = LAYOUTS[kind]
        self._maximised = None
        self._tiles = [VideoTile(i, self) for i in range(self._layout.tile_count)]
        for tile in self._tiles:
            tile.focus_step.connect(self._on_tile_focus_step)
        self._place()
        for tile in self._tiles:
            tile.show()
        return self.tiles

    def set_maximised(self, index: int | None) -> None:
        self._maximised = index
        for tile in self._tiles:
            tile.setVisible(index is None or tile.index == index)
        self._place()

    def tile_rect(self, index: int) -> QRect:
        """Where tile `index` goes in the grid's current size."""
        if self._maximised == index:
            return self.rect()
        unit = self._layout.unit_rect(index)
        width, height = self.width(), self.height()
        left, top = round(unit.x * width), round(unit.y * height)
        right, bottom = round((unit.x + unit.width) * width), round((unit.y + unit.height) * height)
        gap_right = GAP if right < width else 0
        gap_bottom = GAP if bottom < height else 0
        return QRect(left, top, right - left - gap_right, bottom - top - gap_bottom)

    def stop_clock(self) -> None:
        """Stop polling the tiles (at quit; showing the grid again restarts it)."""
        self._clock.stop()

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self._clock.start()
        self.tiles_resized.emit()  # placed while hidden (a layout changed on another tab): fit them now

    def hideEvent(self, event: QHideEvent) -> None:
        super().hideEvent(event)
        self._clock.stop()

    def _on_tile_focus_step(self, index: int, dx: int, dy: int) -> None:
        if self._maximised is not None:
            return  # one tile shown: nowhere to go
        neighbour = self._layout.neighbour(index, dx, dy)
        if neighbour is not None:
            self._tiles[neighbour].setFocus(Qt.FocusReason.OtherFocusReason)

    def _on_clock_timeout(self) -> None:
        for tile in self._tiles:
            if tile.isVisible():
                tile.poll()

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._place()

    def _place(self) -> None:
        for tile in self._tiles:
            tile.setGeometry(self.tile_rect(tile.index))
        self.tiles_resized.emit()
