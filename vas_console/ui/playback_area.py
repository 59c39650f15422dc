"""The Playback tab: recorded video of one camera, or of up to four cameras played in sync."""

from __future__ import annotations

import time
from collections.abc import Sequence

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from backend_embed.api import BackendApi
from vas_console.media.vlc_player import VlcInstance
from vas_console.ui.playback.playback_pane import PlaybackPane
from vas_console.ui.playback.playback_view import PlaybackView
from vas_console.ui.playback.sync_playback import MAX_CAMERAS, SyncPlayback

#: where playback starts when opened from the camera list: a minute ago, so there is something to see
DEFAULT_LOOKBACK_MS = 60_000


class PlaybackArea(QWidget):
    """Holds the current playback view and replaces it when other cameras are opened.

    Signals:
        failed(str): playback failed in a way the operator must see (the window shows a notice).
    """

    failed = Signal(str)

    def __init__(
        self, backend: BackendApi, vlc: VlcInstance, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setObjectName("playbackArea")
        self._backend = backend
        self._vlc = vlc
        self._layout = QVBoxLayout(self)
        self._layout.setContentsMargins(0, 0, 0, 0)
        self._hint = QLabel(
            "Select a camera, or a group for up to four cameras in sync,\n"
            "and choose Cameras > Recorded video (Ctrl+R).",
            self,
        )
        self._hint.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self._hint.setObjectName("emptyHint")
        self._layout.addWidget(self._hint)
        self.view: PlaybackPane | None = None

    def open_cameras(self, cameras: Sequence[tuple[int, str]], at_ms: int | None = None) -> None:
        """Play back `cameras` (id, title) from `at_ms` (default: a minute ago); 2 to 4 play in sync."""
        if not cameras:
            return
        self.close_playback()
        chosen = list(cameras)[:MAX_CAMERAS]
        if len(chosen) == 1:
            camera_id, title = chosen[0]
            view: PlaybackPane = PlaybackView(
                self._backend, self._vlc, camera_id, title, parent=self
            )
        else:
            view = SyncPlayback(self._backend, self._vlc, chosen, parent=self)
        view.failed.connect(self.failed)
        self._hint.hide()
        self._layout.addWidget(view)
        self.view = view
        start = at_ms if at_ms is not None else int(time.time() * 1000) - DEFAULT_LOOKBACK_MS
        view.show_time(start)

    def close_playback(self) -> None:
        """Stop and drop the current view (its players are closed on the GUI thread, as libVLC needs)."""
        if self.view is None:
            return
        self.view.close_playback()
        self._layout.removeWidget(self.view)
        self.view.deleteLater()
        self.view = None
        self._hint.show()
