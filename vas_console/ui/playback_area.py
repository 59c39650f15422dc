"""The Playback tab: recorded video of one camera, or of up to four cameras played in sync."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Sequence

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from backend_embed.api import BackendApi
from vas_console.media.vlc_player import VlcInstance
from vas_console.ui.playback.playback_pane import PlaybackPane
from vas_console.ui.playback.playback_view import PlaybackView
from vas_console.ui.playback.recordings import OfflineRecordings, Recordings
from vas_console.ui.playback.sync_playback import MAX_CAMERAS, SyncPlayback

logger = logging.getLogger(__name__)

#: where playback starts when opened from the camera list: a minute ago, so there is something to see
DEFAULT_LOOKBACK_MS = 60_000


class PlaybackArea(QWidget):
    """Holds the current playback view and replaces it when other cameras are opened.

    Signals:
        failed(str): playback failed in a way the operator must see (the window shows a notice).
        notice(str): something done that the operator should hear of ("Snapshot saved: …").
    """

    failed = Signal(str)
    notice = Signal(str)

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
        self._offline: OfflineRecordings | None = None
        self._closing: set[asyncio.Task[None]] = set()

    def open_cameras(
        self,
        cameras: Sequence[tuple[int, str]],
        at_ms: int | None = None,
        *,
        recordings: OfflineRecordings | None = None,
    ) -> None:
        """Play back `cameras` (id, title) from `at_ms` (default: a minute ago); 2 to 4 play in sync.

        `recordings`: an offline review to play from instead of this installation's recordings; it is
        closed when another view replaces this one.
        """
        if not cameras:
            return
        self.close_playback()
        source: Recordings = recordings if recordings is not None else self._backend
        chosen = list(cameras)[:MAX_CAMERAS]
        if len(chosen) == 1:
            camera_id, title = chosen[0]
            view: PlaybackPane = PlaybackView(source, self._vlc, camera_id, title, parent=self)
        else:
            view = SyncPlayback(source, self._vlc, chosen, parent=self)
        self._offline = recordings
        view.failed.connect(self.failed)
        view.notice.connect(self.notice)
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
        if self._offline is not None:
            self._close_review(self._offline.review_id)
            self._offline = None

    def drop_offline_review(self) -> bool:
        """The backend that opened the offline review shown is gone (it stopped and was restarted): close
        the view without asking it to close the review. True if one was shown."""
        if self._offline is None:
            return False
        self._offline = None
        self.close_playback()
        return True

    def _close_review(self, review_id: str) -> None:
        """Forget the offline review (its temporary index); a failure only costs a temporary folder."""
        task = asyncio.ensure_future(self._backend.close_offline(review_id))
        self._closing.add(task)
        task.add_done_callback(self._on_review_closed)

    def _on_review_closed(self, task: asyncio.Task[None]) -> None:
        self._closing.discard(task)
        if not task.cancelled() and task.exception() is not None:
            logger.warning("Closing an offline review failed: %s", task.exception())
