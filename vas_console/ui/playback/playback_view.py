"""PlaybackView: one camera's recordings: the picture, the timeline and the transport bar."""

from __future__ import annotations

from PySide6.QtWidgets import QWidget

from vas_console.core.timeline_model import HOUR_MS
from vas_console.media.vlc_player import PlayerFactory
from vas_console.ui.playback.channel import PlaybackChannel
from vas_console.ui.playback.playback_pane import PlaybackPane
from vas_console.ui.playback.recordings import Recordings
from vas_console.ui.playback.video_surface import RenderMode


class PlaybackView(PlaybackPane):
    """Recorded video of one camera. `show_time(t)` starts it; `close_playback()` (or closing) ends it.

    Keyboard (anywhere in the view; also in each control's tooltip): Space play/pause, "." one frame,
    Left/Right 10 s, Shift+Left/Right 1 min, Ctrl+Left/Right previous/next recording, [ ] slower/faster,
    Ctrl+G date field, + - zoom the timeline; I / O mark in / out, B bookmark the marked range, Escape
    clear the marks, S snapshot of the frame on screen (bookmarks and snapshots: not in offline review).

    Signals:
        failed(str), notice(str): see `PlaybackPane`.
    """

    def __init__(
        self,
        backend: Recordings,
        players: PlayerFactory,
        camera_id: int,
        title: str,
        *,
        mode: RenderMode = RenderMode.AUTO,
        span_ms: float = HOUR_MS,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(
            backend, players, [(camera_id, title)], mode=mode, span_ms=span_ms, parent=parent
        )
        self.layout_with(self.surfaces[0])

    @property
    def channel(self) -> PlaybackChannel:
        return self.channels[0]
