"""PlaybackPane: what single and synchronised playback share: channels, timeline, transport, captions."""

from __future__ import annotations

import logging
from collections.abc import Sequence

from PySide6.QtCore import Signal
from PySide6.QtGui import QCloseEvent
from PySide6.QtWidgets import QVBoxLayout, QWidget

from backend_embed.api import BackendError
from vas_console.core.timeline_model import HOUR_MS
from vas_console.media.vlc_player import Player, PlayerFactory
from vas_console.ui.aio import TaskKeeper
from vas_console.ui.playback.channel import ChannelStatus, PlaybackChannel
from vas_console.ui.playback.coverage_cache import CoverageCache
from vas_console.ui.playback.playback_evidence import PlaybackEvidence
from vas_console.ui.playback.playback_group import PlaybackGroup
from vas_console.ui.playback.preview_cache import PreviewCache
from vas_console.ui.playback.recordings import Recordings, evidence_of
from vas_console.ui.playback.timeline_paint import format_time
from vas_console.ui.playback.timeline_widget import CameraLane, TimelineWidget
from vas_console.ui.playback.transport_bar import TransportBar, rate_label
from vas_console.ui.playback.video_surface import RenderMode, VideoSurface

logger = logging.getLogger(__name__)

_MESSAGES = {
    ChannelStatus.NO_RECORDING: "No recording at this time",
    ChannelStatus.LOADING: "",
    ChannelStatus.ERROR: "Cannot play this recording (see the log)",
}


def _close_players(players: list[Player]) -> None:
    for player in players:
        player.close()


class PlaybackPane(QWidget):
    """Channels for some cameras, their video surfaces, one timeline and one transport bar.

    Subclasses place `surfaces` (see `PlaybackView` and `SyncPlayback`). Every backend failure of any
    part (playlists, coverage, previews, recording lookups) is logged and re-emitted as `failed`.

    Bookmarks and snapshots (`evidence`, see `PlaybackEvidence`) come with a backend's recordings, not
    with an offline review's.

    Signals:
        failed(str): an operator message for a `BackendError` (the window shows it as a notice).
        notice(str): an operator message that is not a failure ("Snapshot saved: …").
    """

    failed = Signal(str)
    notice = Signal(str)

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
        super().__init__(parent)
        self.coverage = CoverageCache(backend, parent=self)
        self.previews = PreviewCache(backend, self)
        self.channels = [PlaybackChannel(backend, players, cid, parent=self) for cid, _ in cameras]
        self.surfaces = [VideoSurface(title, mode, self) for _, title in cameras]
        for surface, channel in zip(self.surfaces, self.channels, strict=True):
            surface.attach(channel.player)
        self.group = PlaybackGroup(backend, self.channels, self.coverage, self)
        self.timeline = TimelineWidget(self.coverage, self.previews, span_ms=span_ms, parent=self)
        self.timeline.set_lanes([CameraLane(cid, title) for cid, title in cameras])
        self.transport = TransportBar(self)
        self.transport.install_shortcuts(self)
        titles = dict(cameras)
        self.evidence = PlaybackEvidence(
            evidence_of(backend), self.group, self.timeline, titles, self
        )
        self.addActions(list(self.evidence.actions_by_name.values()))
        for button in self.evidence.make_buttons(self.transport):
            self.transport.extra.addWidget(button)
        self._connect()
        self._closed = False
        # if the pane is deleted without close_playback(), libVLC must still stop: the players hold
        # no Qt object, so a plain function can close them from the destructor's signal
        owned = [channel.player for channel in self.channels]
        self.destroyed.connect(lambda: _close_players(owned))

    def _connect(self) -> None:
        keepers: list[TaskKeeper] = [self.coverage.tasks, self.previews.tasks, self.group.tasks]
        keepers += [channel.tasks for channel in self.channels]
        keepers += self.evidence.keepers()
        self.evidence.notice.connect(self.notice)
        for keeper in keepers:
            keeper.backend_failed.connect(self._on_tasks_backend_failed)
        for channel, surface in zip(self.channels, self.surfaces, strict=True):
            channel.jumped.connect(self._on_channel_jumped)
            channel.still_changed.connect(surface.show_still)
            channel.picture_held.connect(surface.hold_picture)
            channel.still_changed.connect(self._on_channel_jumped)
            channel.still_failed.connect(self.failed)
        t, g = self.transport, self.group
        t.play_toggled.connect(g.toggle_play)
        t.step_requested.connect(g.step)
        t.step_back_requested.connect(g.step_back)
        t.jump_requested.connect(g.jump)
        t.recording_requested.connect(g.go_to_recording)
        t.rate_requested.connect(g.set_rate)
        t.date_requested.connect(self._on_transport_date_requested)
        t.zoom_requested.connect(self._on_transport_zoom_requested)
        self.timeline.seek_requested.connect(g.scrub)
        g.ticked.connect(self._on_group_ticked)

    def layout_with(self, video: QWidget) -> None:
        """Stack `video` (the surfaces, however placed), the timeline and the transport bar."""
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        layout.addWidget(video, 1)
        layout.addWidget(self.timeline)
        layout.addWidget(self.transport)

    def show_time(self, wall_ms: int) -> None:
        """Play from `wall_ms` and centre the timeline on it."""
        self.timeline.center_on(wall_ms)
        self.group.seek(wall_ms)

    def close_playback(self) -> None:
        """Stop every player and task; call before dropping the pane (also done on close)."""
        if not self._closed:
            self._closed = True
            self.group.close()
            self.coverage.close()
            self.previews.close()
            self.evidence.close()
            self.timeline.popup.hide()

    def closeEvent(self, event: QCloseEvent) -> None:
        self.close_playback()
        super().closeEvent(event)

    def _on_transport_date_requested(self, wall_ms: int) -> None:
        self.show_time(wall_ms)

    def _on_transport_zoom_requested(self, direction: int) -> None:
        if direction > 0:
            self.timeline.zoom_in()
        else:
            self.timeline.zoom_out()

    def _on_channel_jumped(self, _moved: object) -> None:
        self._on_group_ticked()

    def _on_tasks_backend_failed(self, error: BackendError) -> None:
        self.failed.emit(error.user_message)

    def _on_group_ticked(self) -> None:
        position = self.group.position()
        self.timeline.set_playhead(position, follow=self.group.playing())
        self.transport.set_playing(self.group.playing())
        if position is not None:
            self.transport.set_date(position)
        span = self.timeline.model.span_ms
        for channel, surface in zip(self.channels, self.surfaces, strict=True):
            wall = channel.wall_ms()
            time_text = format_time(wall, span) if wall is not None else ""
            status = channel.status
            label = status.value if status is not ChannelStatus.PLAYING else ""
            if status is ChannelStatus.PLAYING and channel.rate != 1.0:
                label = rate_label(channel.rate)
            surface.set_status(time_text, label, _MESSAGES.get(status, ""))
