"""TilePlayback: recorded video shown in place of a live tile's picture (one `PlaybackView` per tile)."""

from __future__ import annotations

import logging

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtWidgets import QWidget

from backend_embed.api import BackendApi
from vas_console.media.vlc_player import PlayerFactory
from vas_console.ui.live.tile_controls import TimePicker
from vas_console.ui.live.video_tile import VideoTile
from vas_console.ui.playback.playback_view import PlaybackView
from vas_console.ui.playback.video_surface import RenderMode

logger = logging.getLogger(__name__)


class TilePlayback(QObject):
    """Which tiles play recorded video, and their views.

    `open(tile, camera_id, wall_ms)` puts a `PlaybackView` of the camera over the tile's video area (the
    caller stops the live session first) and marks the tile RECORDED; `close(tile)` stops its players and
    drops the view (the caller resumes live). Views are children of their tile, so they move, hide and
    maximise with it.

    `pick(tile, parent)` opens the (single, non-modal) time picker for a tile; accepting it emits
    `time_chosen`.

    Signals:
        failed(str): a view's operator message for a backend failure.
        notice(str): a view's operator message that is not a failure (a snapshot saved).
        time_chosen(int, int): the picker of tile (index) was accepted with this wall time (ms).
    """

    failed = Signal(str)
    notice = Signal(str)
    time_chosen = Signal(int, object)

    def __init__(
        self,
        backend: BackendApi,
        players: PlayerFactory,
        *,
        mode: RenderMode = RenderMode.AUTO,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._backend = backend
        self._players = players
        self._mode = mode
        self._views: dict[VideoTile, PlaybackView] = {}
        self.time_picker: TimePicker | None = None

    def view_of(self, tile: VideoTile) -> PlaybackView | None:
        return self._views.get(tile)

    def tiles(self) -> list[VideoTile]:
        return list(self._views)

    def open(self, tile: VideoTile, camera_id: int, wall_ms: int) -> PlaybackView:
        """Play `camera_id` from `wall_ms` on `tile` (a view it shows already only seeks)."""
        view = self._views.get(tile)
        if view is None:
            title = tile.camera_name or f"Camera {camera_id}"
            view = PlaybackView(self._backend, self._players, camera_id, title, mode=self._mode)
            view.setObjectName(f"tilePlayback{tile.index}")
            view.failed.connect(self._on_view_failed)
            view.notice.connect(self.notice)
            self._views[tile] = view
            tile.set_overlay(view)
            logger.info("Tile %d: recorded video of camera %d", tile.index, camera_id)
        tile.set_recorded(True)
        view.show_time(wall_ms)
        return view

    def close(self, tile: VideoTile) -> bool:
        """Stop and drop `tile`'s view; False if it had none."""
        view = self._views.pop(tile, None)
        if view is None:
            return False
        view.close_playback()
        tile.set_overlay(None)
        tile.set_recorded(False)
        view.deleteLater()
        logger.info("Tile %d: back to live", tile.index)
        return True

    def close_all(self) -> list[VideoTile]:
        """Close every view; returns the tiles that had one."""
        tiles = self.tiles()
        for tile in tiles:
            self.close(tile)
        return tiles

    def pick(self, tile: VideoTile, parent: QWidget) -> TimePicker:
        """Open the time picker for `tile` (closing any other one)."""
        self.close_picker()
        picker = TimePicker(tile.camera_name or "", parent)
        picker.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        index = tile.index
        picker.time_chosen.connect(lambda wall_ms: self._on_picker_chosen(picker, index, wall_ms))
        picker.finished.connect(lambda _result: self._on_picker_finished(picker))
        self.time_picker = picker
        picker.show()
        return picker

    def close_picker(self) -> None:
        if self.time_picker is not None:
            self.time_picker.close()
            self.time_picker = None

    def _on_picker_chosen(self, picker: TimePicker, index: int, wall_ms: int) -> None:
        if self.time_picker is picker:  # not a picker closed by a newer one
            self.time_chosen.emit(index, wall_ms)

    def _on_picker_finished(self, picker: TimePicker) -> None:
        if self.time_picker is picker:
            self.time_picker = None

    def _on_view_failed(self, message: str) -> None:
        logger.warning("Recorded video on a tile failed: %s", message)
        self.failed.emit(message)
