"""SyncPlayback: up to four cameras in a grid, driven by one timeline and one speed, with a SYNC toggle."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtWidgets import QGridLayout, QToolButton, QWidget

from vas_console.core.timeline_model import HOUR_MS
from vas_console.media.vlc_player import PlayerFactory
from vas_console.ui import theme
from vas_console.ui.playback.playback_pane import PlaybackPane
from vas_console.ui.playback.recordings import Recordings
from vas_console.ui.playback.video_surface import RenderMode

MAX_CAMERAS = 4


class SyncPlayback(PlaybackPane):
    """Recorded video of up to four cameras (1x1, 1x2 or 2x2) at one time.

    SYNC on (the default): seeking, play/pause, frame steps and the speed apply to every camera; the
    playhead follows the selected camera, and cameras with a gap at that time join in when their next
    recording comes. SYNC off: each camera is independent; the transport and the timeline act on the
    selected one (click its picture or its lane's title). Shortcuts as in `PlaybackView`, plus Ctrl+S
    for SYNC.

    Signals:
        failed(str): see `PlaybackPane`.
    """

    def __init__(
        self,
        backend: Recordings,
        players: PlayerFactory,
        cameras: Sequence[tuple[int, str]],
        *,
        mode: RenderMode = RenderMode.AUTO,
        span_ms: float = HOUR_MS,
        parent: QWidget | None = None,
    ) -> None:
        if not 1 <= len(cameras) <= MAX_CAMERAS:
            raise ValueError(f"synchronised playback shows 1 to {MAX_CAMERAS} cameras")
        super().__init__(backend, players, cameras, mode=mode, span_ms=span_ms, parent=parent)
        grid_host = QWidget(self)
        grid = QGridLayout(grid_host)
        grid.setContentsMargins(0, 0, 0, 0)
        grid.setSpacing(2)
        columns = 1 if len(cameras) == 1 else 2
        for index, surface in enumerate(self.surfaces):
            grid.addWidget(surface, index // columns, index % columns)
            surface.clicked.connect(lambda i=index: self.select(i))
        self.sync_button = QToolButton(self)
        self.sync_button.setObjectName("sync")
        self.sync_button.setText("SYNC")
        self.sync_button.setCheckable(True)
        self.sync_button.setChecked(True)
        self.sync_button.setShortcut("Ctrl+S")
        self.sync_button.setToolTip(
            "On: seek, speed and pause apply to every camera. Off: to the selected one (Ctrl+S)"
        )
        self.sync_button.setStyleSheet(
            f"QToolButton {{ border: 1px solid {theme.BORDER_STRONG}; border-radius: 3px;"
            " padding: 2px 10px; font-weight: 600; }"
            f"QToolButton:checked {{ background: {theme.ACCENT}; color: #0b1220;"
            f" border-color: {theme.ACCENT}; }}"
        )
        self.sync_button.toggled.connect(self._on_sync_button_toggled)
        self.transport.extra.addWidget(self.sync_button)
        self.timeline.lane_clicked.connect(self._on_timeline_lane_clicked)
        self.layout_with(grid_host)
        self.select(0)

    def select(self, index: int) -> None:
        """Make camera `index` the one the playhead follows (and, with SYNC off, the one controlled)."""
        self.group.select(index)
        for i, surface in enumerate(self.surfaces):
            surface.set_selected(i == index and len(self.surfaces) > 1)
        self.timeline.set_selected(self.channels[index].camera_id)

    def _on_sync_button_toggled(self, on: bool) -> None:
        self.group.set_sync(on)

    def _on_timeline_lane_clicked(self, camera_id: int) -> None:
        for index, channel in enumerate(self.channels):
            if channel.camera_id == camera_id:
                self.select(index)
