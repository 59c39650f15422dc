"""PlaybackGroup: transport commands for one or more channels, synchronised or aimed at the selected one."""

from __future__ import annotations

import logging
from collections.abc import Sequence

from PySide6.QtCore import QObject, QTimer, Signal

from backend_embed.api import Span
from vas_console.ui.aio import TaskKeeper
from vas_console.ui.playback.channel import ChannelStatus, PlaybackChannel
from vas_console.ui.playback.coverage_cache import CoverageCache
from vas_console.ui.playback.recordings import Recordings

logger = logging.getLogger(__name__)

TICK_MS = 100
SCRUB_INTERVAL_MS = 120
"""While the playhead is dragged, at most one seek per this interval (the newest position wins)."""
DRIFT_LIMIT_MS = 1500
RESTART_WITHIN_MS = 3000
""""Previous recording" first goes to the start of the current one unless this close to it."""
SEARCH_MS = 7 * 24 * 60 * 60_000


class PlaybackGroup(QObject):
    """The brain behind a transport bar and a timeline for a set of channels.

    With `sync` on, every command goes to every channel and the playhead is the selected channel's time;
    channels with nothing recorded at that time wait and start when it reaches their next recording, and
    a channel drifting more than `DRIFT_LIMIT_MS` from the selected one is moved back in step. With `sync`
    off, commands go to the selected channel only. Recording lookups (previous/next) are tasks of `tasks`.

    Signals:
        ticked(): the playhead moved (every `TICK_MS`) or a command changed the state: repaint.
    """

    ticked = Signal()

    def __init__(
        self,
        backend: Recordings,
        channels: Sequence[PlaybackChannel],
        coverage: CoverageCache,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._backend = backend
        self.channels = list(channels)
        self._coverage = coverage
        self._tasks = TaskKeeper(self)
        self.sync = True
        self.selected = 0
        self._scrub_pending: int | None = None
        self._scrub_timer = QTimer(self)
        self._scrub_timer.setSingleShot(True)
        self._scrub_timer.setInterval(SCRUB_INTERVAL_MS)
        self._scrub_timer.timeout.connect(self._on_scrub_timer_timeout)
        self._tick = QTimer(self)
        self._tick.setInterval(TICK_MS)
        self._tick.timeout.connect(self._on_tick_timeout)
        self._tick.start()

    @property
    def tasks(self) -> TaskKeeper:
        return self._tasks

    @property
    def master(self) -> PlaybackChannel:
        return self.channels[self.selected]

    def targets(self) -> list[PlaybackChannel]:
        return self.channels if self.sync else [self.master]

    def position(self) -> int | None:
        """The wall time the playhead shows: the selected channel's."""
        return self.master.wall_ms()

    def playing(self) -> bool:
        return not self.master.paused and self.master.status is not ChannelStatus.IDLE

    def seek(self, wall_ms: int) -> None:
        wait = self.sync and len(self.channels) > 1
        master = self.master
        for channel in self.targets():
            channel.seek_wall(wall_ms, wait_for_recording=wait and channel is not master)
        self.ticked.emit()

    def scrub(self, wall_ms: int) -> None:
        """Seek now, then at most once per `SCRUB_INTERVAL_MS` while more requests come."""
        if self._scrub_timer.isActive():
            self._scrub_pending = wall_ms
            return
        self.seek(wall_ms)
        self._scrub_timer.start()

    def toggle_play(self) -> None:
        play = self.master.paused
        for channel in self.targets():
            if play:
                channel.play()
            else:
                channel.pause()
        self.ticked.emit()

    def jump(self, delta_ms: int) -> None:
        position = self.position()
        if position is not None:
            self.seek(position + delta_ms)

    def step(self) -> None:
        for channel in self.targets():
            channel.step()
        self.ticked.emit()

    def step_back(self) -> None:
        for channel in self.targets():
            channel.step_back()
        self.ticked.emit()

    def set_rate(self, rate: float) -> None:
        for channel in self.targets():
            channel.set_rate(rate)
        self.ticked.emit()

    def set_sync(self, on: bool) -> None:
        """Turn sync on (every channel follows the selected one's time, rate and pause) or off."""
        self.sync = on
        if on:
            master = self.master
            position = self.position()
            for channel in self.channels:
                if channel is not master:
                    channel.set_rate(master.rate)
                    if master.paused:
                        channel.pause()
                    else:
                        channel.play()
                    if position is not None:
                        channel.seek_wall(position, wait_for_recording=True)
        self.ticked.emit()

    def select(self, index: int) -> None:
        if 0 <= index < len(self.channels):
            self.selected = index
            self.ticked.emit()

    def go_to_recording(self, direction: int) -> None:
        """Next recording (+1) or previous one (-1) of the selected camera."""
        position = self.position()
        if position is not None:
            name = "PlaybackGroup.next" if direction > 0 else "PlaybackGroup.previous"
            self._tasks.start(self._go_to_recording(direction, position), name=name)

    async def _go_to_recording(self, direction: int, position: int) -> None:
        camera = self.master.camera_id
        if direction > 0:
            coverage = await self._backend.coverage(camera, position, position + SEARCH_MS)
            target = next_recording_start(coverage.spans, position)
        else:
            coverage = await self._backend.coverage(camera, position - SEARCH_MS, position + 1)
            target = previous_recording_start(coverage.spans, position)
        if target is not None:
            self.seek(target)

    def close(self) -> None:
        self._tick.stop()
        self._scrub_timer.stop()
        self._tasks.cancel_all()
        for channel in self.channels:
            channel.close()

    def _on_scrub_timer_timeout(self) -> None:
        pending, self._scrub_pending = self._scrub_pending, None
        if pending is not None:
            self.seek(pending)
            self._scrub_timer.start()

    def _on_tick_timeout(self) -> None:
        if self.sync and len(self.channels) > 1:
            self._keep_in_step()
        self.ticked.emit()

    def _keep_in_step(self) -> None:
        master = self.master
        position = master.wall_ms()
        if position is None or master.status is not ChannelStatus.PLAYING:
            return
        for channel in self.channels:
            if channel is master or channel.tasks.idle is False:
                continue
            if channel.status in (ChannelStatus.NO_RECORDING, ChannelStatus.ENDED):
                if channel.recorded_at(position) or (
                    not channel.covers_range(position)
                    and self._coverage.spans(channel.camera_id, position, position + 1)
                ):
                    channel.seek_wall(position, wait_for_recording=True)
            elif channel.status is ChannelStatus.PLAYING:
                wall = channel.wall_ms()
                if wall is not None and abs(wall - position) > DRIFT_LIMIT_MS:
                    logger.debug("Camera %s drifted %s ms", channel.camera_id, wall - position)
                    channel.seek_wall(position, wait_for_recording=True)


def next_recording_start(spans: Sequence[Span], position: int) -> int | None:
    """The start of the first recording that begins after `position`."""
    return next((s.start_ms for s in spans if s.start_ms > position), None)


def previous_recording_start(spans: Sequence[Span], position: int) -> int | None:
    """The start of the recording holding `position` if well into it, else of the one before."""
    starts = [s.start_ms for s in spans if s.start_ms < position - RESTART_WITHIN_MS]
    return starts[-1] if starts else None
