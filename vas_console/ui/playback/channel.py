"""PlaybackChannel: one camera's recorded playback: loads playlists around a time, drives a player, keeps time."""

from __future__ import annotations

import enum
import logging

from PySide6.QtCore import QObject, Signal

from backend_embed.api import NotFoundError, PlaybackSource, StreamRole
from vas_console.core.playclock import PlayClock, PlaylistFormatError, PlaylistMap
from vas_console.media.vlc_player import (
    EventKind,
    Player,
    PlayerEvent,
    PlayerFactory,
    PlayerState,
)
from vas_console.ui.aio import TaskKeeper
from vas_console.ui.playback.channel_stills import ChannelStills
from vas_console.ui.playback.gui_poster import GuiPoster
from vas_console.ui.playback.recordings import Recordings

logger = logging.getLogger(__name__)

LOAD_BEFORE_MS = 30 * 60_000
LOAD_AFTER_MS = 3 * 60 * 60_000
"""A playlist covers this much around the requested time: seeks inside it need no new playlist."""


class ChannelStatus(enum.StrEnum):
    """What a channel shows, for its caption and for synchronised playback."""

    IDLE = "idle"
    LOADING = "loading"
    PLAYING = "playing"
    PAUSED = "paused"
    NO_RECORDING = "no recording"
    ENDED = "ended"
    ERROR = "error"


_PLAYER_STATUS = {
    PlayerState.OPENING: ChannelStatus.LOADING,
    PlayerState.PLAYING: ChannelStatus.PLAYING,
    PlayerState.PAUSED: ChannelStatus.PAUSED,
    PlayerState.ERROR: ChannelStatus.ERROR,
}


class PlaybackChannel(QObject):
    """Plays one camera's recordings; every position it takes or gives is wall-clock UTC ms.

    A seek inside the loaded playlist goes straight to the player; outside it, a new playlist covering
    [t - 30 min, t + 3 h) is fetched first (one load at a time: a newer seek cancels an older load). At the
    end of a playlist the next one is fetched. `BackendError`s end the load task and are reported by
    `tasks` (the owner shows them); a camera with nothing recorded at t gets NO_RECORDING.

    Paused, a seek or a frame step shows a still the channel decodes itself (`ChannelStills`: the exact
    frame, which libVLC cannot promise, see docs/playback.md), and the player is sought there only when
    play resumes; a playing seek shows its target's still until the player got there. A step right after
    pausing a playing player is libVLC's own `next_frame` (exact there).

    Signals:
        status_changed(str): the new `ChannelStatus`.
        jumped(int): the picture moved by itself (a gap skipped, the next playlist): the new wall time.
        still_changed(object): the `VideoFrame` of a new still to show instead of the player's picture,
            or None when the player's next picture takes over again.
        still_failed(str): an operator message: the still at the time asked for cannot be shown.
        picture_held(): keep the picture shown until `still_changed` (a seek's still is coming).
    """

    status_changed = Signal(str)
    jumped = Signal(object)
    still_changed = Signal(object)
    still_failed = Signal(str)
    picture_held = Signal()

    def __init__(
        self,
        backend: Recordings,
        players: PlayerFactory,
        camera_id: int,
        *,
        stream: StreamRole = StreamRole.MAIN,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._backend = backend
        self._poster = GuiPoster(self)
        self.player: Player = players.new_player(self._poster.post, self._on_player_event)
        self.camera_id = camera_id
        self._stream = stream
        self._tasks = TaskKeeper(self)
        self._source: PlaybackSource | None = None
        self._clock: PlayClock | None = None
        self._status = ChannelStatus.IDLE
        self._want_paused = False
        self._rate = 1.0
        self._target_ms: int | None = None  # the wall time asked for while nothing plays it
        self._wait = False  # wait at a gap instead of skipping it (synchronised playback)
        self._waiting = False  # paused at the next recording until asked for a recorded time
        self.stills = ChannelStills(lambda: self.player.frame_ms, self)
        self.stills.changed.connect(self.still_changed)
        self.stills.failed.connect(self.still_failed)
        self.stills.held.connect(self.picture_held)
        self.stills.shown.connect(self._on_stills_shown)

    @property
    def tasks(self) -> TaskKeeper:
        """The playlist loads this channel started."""
        return self._tasks

    @property
    def status(self) -> ChannelStatus:
        return self._status

    @property
    def source(self) -> PlaybackSource | None:
        return self._source

    @property
    def rate(self) -> float:
        return self._rate

    @property
    def paused(self) -> bool:
        """The operator's choice: True after pause(), False after play()."""
        return self._want_paused

    def wall_ms(self) -> int | None:
        """The wall-clock time on screen (estimated between libVLC's updates), or the time asked for."""
        if self._clock is not None and self._status is not ChannelStatus.NO_RECORDING:
            return self._clock.wall_ms()
        return self._target_ms

    def seek_wall(self, wall_ms: int, *, wait_for_recording: bool = False) -> None:
        """Show wall-clock time `wall_ms`.

        If nothing is recorded then, the next recording plays instead; with `wait_for_recording`
        (synchronised playback) the channel shows that recording's first picture paused and reports
        NO_RECORDING until it is asked for a recorded time.
        """
        self._target_ms = wall_ms
        self._wait = wait_for_recording
        self._tasks.cancel_all()
        if self.covers_range(wall_ms) and self._clock is not None:
            mapping = self._clock.mapping
            offset = mapping.offset_at(wall_ms)
            if offset is not None:
                self._seek_offset(offset, recorded=mapping.contains(wall_ms))
                return
        self._tasks.start(self._load(wall_ms), name=f"PlaybackChannel.load({self.camera_id})")

    def covers_range(self, wall_ms: int) -> bool:
        """True when the loaded playlist's range holds `wall_ms` (recorded or not)."""
        source = self._source
        return (
            source is not None
            and source.start_ms <= wall_ms < source.end_ms
            and self._status is not ChannelStatus.ERROR
        )

    def recorded_at(self, wall_ms: int) -> bool:
        """True when the loaded playlist has a recording at `wall_ms`."""
        return (
            self.covers_range(wall_ms)
            and self._clock is not None
            and (self._clock.mapping.contains(wall_ms))
        )

    def play(self) -> None:
        self._want_paused = False
        if self._waiting:
            return  # starts when synchronised playback reaches its recording
        still = self.stills.wall_ms()
        resume = (
            None if still is None or self._clock is None else self._clock.mapping.offset_at(still)
        )
        if resume is not None and self._clock is not None:
            self.stills.resume()  # the still stays until the player is there
            self.player.seek(resume)  # where the still was; the player plays on from there
            self._clock.seek(resume)
            if self._status is ChannelStatus.PAUSED:
                self._set_status(ChannelStatus.LOADING)
        self.player.play()
        if self._status is ChannelStatus.ENDED and self._target_ms is not None:
            self.seek_wall(self._target_ms)

    def pause(self) -> None:
        # a playing seek's still goes: the paused player's picture is the right one
        if not self._want_paused:
            self.stills.leave()
        self._want_paused = True
        self.player.pause()

    def set_rate(self, rate: float) -> None:
        self._rate = rate
        self.player.set_rate(rate)
        if self._clock is not None:
            self._clock.set_rate(rate)

    def step(self) -> None:
        """One frame forward; pauses first when playing."""
        if not self._want_paused:
            self.pause()
            return
        if self._clock is None or self._waiting:
            return
        if self.stills.active:
            self.stills.step(1, None)
        elif self.player.next_frame():  # now, or once a paused seek still settling has paused
            self._clock.step(self.player.frame_ms)

    def step_back(self) -> None:
        """One frame back (a still); pauses first when playing."""
        if not self._want_paused:
            self.pause()
        if self._clock is None or self._waiting or not self.stills.ready:
            return
        # with no still yet (after libVLC's paused picture): back from the clock's time
        self.stills.step(-1, self._clock.wall_ms())

    def close(self) -> None:
        """Cancel loads and release the player. The channel is unusable afterwards."""
        self._tasks.cancel_all()
        self.stills.close()
        self.player.close()

    def _on_stills_shown(self, wall_ms: int) -> None:
        offset = self._clock.mapping.offset_at(wall_ms) if self._clock else None
        if self._clock is not None and offset is not None:
            self._clock.seek(offset)

    async def _load(self, wall_ms: int) -> None:
        self._set_status(ChannelStatus.LOADING)
        try:
            source = await self._backend.playback_source(
                self.camera_id, wall_ms - LOAD_BEFORE_MS, wall_ms + LOAD_AFTER_MS, self._stream
            )
        except NotFoundError:
            self._set_status(ChannelStatus.NO_RECORDING)
            return
        mapping = PlaylistMap(source.entries)
        offset = mapping.offset_at(wall_ms)
        if offset is None:
            self._set_status(ChannelStatus.NO_RECORDING)
            return
        self._source = source
        self.stills.open(source)
        self._clock = PlayClock(mapping)
        self._clock.set_rate(self._rate)
        try:
            self.player.set_rate(self._rate)
            self.player.open(source.playlist_path, source.entries, offset)
        except (OSError, PlaylistFormatError):
            logger.exception("Cannot play %s", source.playlist_path)
            self._set_status(ChannelStatus.ERROR)
            return
        self._clock.seek(offset)
        if self._want_paused or not self._settle(mapping.contains(wall_ms)):
            self.player.pause()
        if self._want_paused and self.stills.ready:
            self.stills.show(wall_ms)  # the exact frame, over whatever the paused player lands on
        elif self.stills.ready and not self._waiting and mapping.contains(wall_ms):
            self.stills.preview(wall_ms)  # shown until the new media plays

    def _seek_offset(self, offset: int, *, recorded: bool) -> None:
        assert self._clock is not None
        if self._want_paused and self.stills.ready:
            self._clock.seek(offset)
            self.stills.show(self._clock.mapping.wall_at(offset))
            if self._settle(recorded) and self._status is not ChannelStatus.PAUSED:
                self._set_status(ChannelStatus.PAUSED)
            return
        preview = self.stills.ready and recorded and not self._wait
        if preview:  # asked first: it decodes while libVLC seeks or loads
            self.stills.preview(self._clock.mapping.wall_at(offset))
        else:
            self.stills.leave()
        self.player.seek(offset)  # a new media: the player reports OPENING (LOADING) at once
        if preview and self._status is ChannelStatus.PLAYING:
            self.stills.player_landed()  # the same media plays on: only the hold applies
        self._clock.seek(offset)
        if self._settle(recorded):
            if not self._want_paused:
                self.player.play()
            if self._status in (ChannelStatus.ENDED, ChannelStatus.NO_RECORDING):
                self._set_status(ChannelStatus.LOADING)
        else:
            self.player.pause()

    def _settle(self, recorded: bool) -> bool:
        """After a seek: False (and NO_RECORDING) when this channel must wait at a gap."""
        self._waiting = not recorded and self._wait
        if self._waiting:
            self._set_status(ChannelStatus.NO_RECORDING)
        return not self._waiting

    def _on_player_event(self, event: PlayerEvent) -> None:
        clock = self._clock
        if clock is None:
            return
        if event.kind is EventKind.TIME:
            if not self.stills.active:  # a paused still's time is exact
                clock.report(event.offset_ms)
        elif event.kind is EventKind.JUMPED:
            clock.seek(event.offset_ms)
            wall = clock.wall_ms()
            if wall is not None:
                self.jumped.emit(wall)
        elif event.state is PlayerState.ENDED:
            clock.set_playing(False)
            self._on_playlist_ended()
        else:
            clock.set_playing(event.state is PlayerState.PLAYING)
            status = _PLAYER_STATUS.get(event.state)
            if status is not None and (not self._waiting or status is ChannelStatus.ERROR):
                self._set_status(status)

    def _on_playlist_ended(self) -> None:
        source = self._source
        if source is None or self._want_paused:
            self._set_status(ChannelStatus.ENDED)
            return
        self._target_ms = source.end_ms
        self._source = None  # the next playlist starts where this one ended
        self._set_status(ChannelStatus.ENDED)
        self._tasks.start(
            self._load_next(source.end_ms), name=f"PlaybackChannel.next({self.camera_id})"
        )

    async def _load_next(self, wall_ms: int) -> None:
        await self._load(wall_ms)
        if self._status is ChannelStatus.NO_RECORDING:
            self._set_status(ChannelStatus.ENDED)

    def _set_status(self, status: ChannelStatus) -> None:
        if status is ChannelStatus.PLAYING:
            self.stills.player_landed()
        if status is not self._status:
            self._status = status
            self.status_changed.emit(status.value)
