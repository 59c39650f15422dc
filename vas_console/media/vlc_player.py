"""The typed wrapper over python-vlc: one shared libVLC instance and players of VOD playlists.

Threads: every method here must be called on the GUI thread (the thread that owns the players), including
`close()`. libVLC calls back on its own threads (events, video callbacks); those callbacks never call libVLC
(that deadlocks) and only hand work to the GUI thread through the `post` function given to each player.
`post` must be thread-safe and must run the callable later on the GUI thread, never inline.

libVLC 3 quirks handled here: a playlist is played one run (entries between EXT-X-DISCONTINUITY tags) at a
time, because its HLS module refuses seeks once its read-ahead reaches a discontinuity and ends the input
on a seek past one; a seek while paused shows the keyframe before the target, so a paused seek plays until
the new picture is shown and pauses again; a seek after the end needs the media loaded again.
"""

from __future__ import annotations

import ctypes
import functools
import logging
import threading
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import vlc

from backend_embed.api import PlaylistEntry
from vas_console.core.playclock import PlaylistRun
from vas_console.media.vlc_instance import DEFAULT_ARGS, EVENT_STATES, OTHER_EVENTS, VlcInstance
from vas_console.media.vlc_memory import MemoryTarget
from vas_console.media.vlc_stretch import LOAD_AHEAD_MS, LOAD_BACK_MS, StretchPlaylists
from vas_console.media.vlc_types import (
    DEFAULT_FRAME_MS,
    MAX_RATE,
    MIN_RATE,
    EventKind,
    FrameSink,
    Listener,
    Player,
    PlayerEvent,
    PlayerFactory,
    PlayerState,
    Post,
    VideoFrame,
)

# the names other modules import from here (the types live in vlc_types, the stretch in vlc_stretch)
__all__ = ["DEFAULT_ARGS", "DEFAULT_FRAME_MS", "LOAD_AHEAD_MS", "LOAD_BACK_MS", "MAX_RATE"]
__all__ += ["MIN_RATE", "EventKind", "FrameSink", "Listener", "Player", "PlayerEvent"]
__all__ += ["PlayerFactory", "PlayerState", "Post", "VideoFrame", "VlcInstance", "VlcPlayer"]

logger = logging.getLogger(__name__)

# libVLC ignores a pause made less than ~30 ms after an unpause and a seek (measured)
PAUSE_GATE_S = 0.03
# window rendering has no picture callback: a paused seek pauses again after this (seeks: 30-100 ms)
WINDOW_PAUSE_DELAY_S = 0.12
# ... and a load seeks this long after PLAYING, once playback is steady (a seek during libVLC's start-up
# shows the keyframe first; measured: first picture 25-35 ms, steady from ~145 ms)
WINDOW_LOAD_SEEK_S = 0.15


class VlcPlayer:
    """Plays one VOD playlist (a `PlaybackSource`) with libVLC; positions are playlist offsets in ms.

    GUI thread only (see the module docstring). Events reach `listener` through `post`. A seek right after
    a media starts lands on a segment boundary and stalls for ~0.8 s, so a run is always started from its
    beginning and the seek is made once its first picture shows (30-50 ms later); that picture is not
    passed to the memory sink.
    """

    def __init__(self, instance: Any, post: Post, listener: Listener) -> None:
        self._instance = instance
        self._post = post
        self._listener = listener
        self._mp: Any = instance.media_player_new()
        self._state = PlayerState.IDLE
        self._files = StretchPlaylists()
        self._run: PlaylistRun | None = None
        self._base_ms = 0  # the playlist offset at which the loaded media starts
        self._loaded = (0, 0)  # its first and last entries
        self._generation = 0
        self._pending_seek_ms: int | None = (
            None  # within the run: made once the run shows a picture
        )
        self._pause_on_picture = False  # a paused seek: pause again once the new picture shows
        self._pending_steps = (
            0  # frame steps asked for while a paused seek settled: made once paused
        )
        self._pause_gate = 0.0  # monotonic time before which a picture does not count for that
        self._rate = 1.0
        self._memory: MemoryTarget | None = None
        self._timer: threading.Timer | None = None
        self._closed = False
        self._attach_events()

    @property
    def state(self) -> PlayerState:
        return self._state

    @property
    def frame_ms(self) -> int:
        fps = float(self._mp.get_fps() or 0.0)
        return round(1000 / fps) if fps > 0 else DEFAULT_FRAME_MS

    @property
    def playlist_folder(self) -> Path | None:
        """The private folder of the playlists this player wrote (tests, diagnostics)."""
        return self._files.folder

    def render_to_window(self, handle: int) -> None:
        """Draw into the native X11 window `handle` (needs vlc-plugin-video-output). Before `open`."""
        self._memory = None
        self._mp.video_set_mouse_input(False)  # clicks and keys go to the Qt window under it
        self._mp.video_set_key_input(False)
        self._mp.set_xwindow(handle)

    def render_to_memory(self, max_width: int, max_height: int, sink: FrameSink) -> None:
        """Render each picture into memory, scaled to fit the box, and pass a copy to `sink`.

        `sink` runs on libVLC's video output thread: it must only store the frame or post. Before `open`.
        """
        target = MemoryTarget(max_width, max_height, sink)
        target.on_picture = self._on_picture
        self._memory = target
        self._mp.video_set_callbacks(target.lock_cb, target.unlock_cb, target.display_cb, None)
        vlc.libvlc_video_set_format_callbacks(
            self._mp, ctypes.cast(target.format_cb, vlc.CallbackDecorators.VideoFormatCb), None
        )

    def open(
        self, playlist_path: str, entries: Sequence[PlaylistEntry], offset_ms: int = 0
    ) -> None:
        """Load a playlist described by `entries` and play it from `offset_ms`.

        Raises:
            OSError: the playlist cannot be read or its runs cannot be written.
            PlaylistFormatError: its segments do not match `entries`.
        """
        runs = self._files.open(playlist_path, entries).runs
        if not runs:
            self._set_state(PlayerState.ENDED)
            return
        self._load(self._files.map.run_at(offset_ms), offset_ms, paused=False)

    def play(self) -> None:
        self._pending_steps = 0
        if self._state is PlayerState.OPENING:
            self._pause_on_picture = False  # a paused load plays on instead
        if self._state is PlayerState.PAUSED:
            self._pause_on_picture = False
            self._mp.set_rate(self._rate)
            self._mp.set_pause(0)

    def pause(self) -> None:
        if self._state is PlayerState.PLAYING:
            self._mp.set_pause(1)
        elif self._state is PlayerState.OPENING:
            self._pause_on_picture = True

    def set_rate(self, rate: float) -> None:
        self._rate = min(max(rate, MIN_RATE), MAX_RATE)
        if self._state is not PlayerState.PAUSED:  # while paused: applied by play()
            self._mp.set_rate(self._rate)

    def next_frame(self) -> bool:
        """Show the next frame while paused. Asked while a paused seek settles, it is made once that seek
        has paused on its picture (an operator's step is never dropped). False: not paused, ignored."""
        if self._pause_on_picture:
            self._pending_steps += 1
            return True
        if self._state is PlayerState.PAUSED:
            self._mp.next_frame()
            return True
        return False

    def seek(self, offset_ms: int) -> None:
        """Show playlist time `offset_ms` (clamped), keeping the play/pause state.

        A seek while paused plays until the new picture shows and pauses again: it shows the target frame
        or the one after it (libVLC 3 would otherwise show the keyframe before the target).
        """
        pmap = self._files.map
        if not pmap.runs or self._state is PlayerState.ERROR:
            return
        offset_ms = min(max(0, offset_ms), pmap.duration_ms - 1)
        run = pmap.run_at(offset_ms)
        local = offset_ms - self._base_ms
        paused = self._state is PlayerState.PAUSED or self._pause_on_picture
        first, last = self._loaded
        loaded = run == self._run and pmap.entries[first].offset_ms <= offset_ms < pmap.end_offset(
            last
        )
        if not loaded or self._state in (PlayerState.ENDED, PlayerState.IDLE):
            self._load(run, offset_ms, paused=paused)
        elif self._pending_seek_ms is not None:
            self._pending_seek_ms = local
        elif paused:
            self._pause_on_picture = True
            self._mp.set_rate(MIN_RATE)  # frames 320 ms apart: the pause lands on the first new one
            self._mp.set_pause(0)
            self._mp.set_time(local)
            self._pause_gate = time.monotonic() + PAUSE_GATE_S
            self._arm_window_timer()
        else:
            self._mp.set_time(local)

    def time_ms(self) -> int | None:
        """libVLC's own time as a playlist offset (coarse: 1 s steps, stale after a seek), or None."""
        if self._run is None:
            return None
        local = int(self._mp.get_time())
        return self._base_ms + local if local >= 0 else None

    def close(self) -> None:
        """Stop and release the player and remove its run playlists. The player is unusable after;
        closing again does nothing."""
        if self._closed:
            return
        self._closed = True
        self._generation += 1
        self._cancel_timer()
        manager = self._mp.event_manager()
        for event_type in (*EVENT_STATES, *OTHER_EVENTS):
            manager.event_detach(event_type)
        self._mp.stop()
        self._mp.release()
        self._files.drop()

    # -- loading ----------------------------------------------------------------------------------

    def _load(self, run: PlaylistRun, offset_ms: int, *, paused: bool) -> None:
        """Play the part of `run` around `offset_ms` (`StretchPlaylists.stretch`), so nearby seeks need
        no new media and libVLC parses a short list."""
        first, last = self._files.stretch(run, offset_ms)
        self._loaded = (first, last)
        self._base_ms = self._files.map.entries[first].offset_ms
        local = offset_ms - self._base_ms
        path = self._files.write(first, last)
        media = self._instance.media_new_path(str(path))
        self._mp.stop()
        self._generation += 1
        self._cancel_timer()
        self._run = run
        self._pending_seek_ms = local if local > 0 else None
        self._pause_on_picture = paused
        if self._memory is not None:
            self._memory.muted = self._pending_seek_ms is not None
        self._mp.set_media(media)
        media.release()
        self._files.replace(path)
        self._set_state(PlayerState.OPENING)
        self._mp.set_rate(self._rate)
        self._mp.play()

    # -- libVLC callbacks (libVLC threads: post only) ---------------------------------------------

    def _attach_events(self) -> None:
        manager = self._mp.event_manager()
        for event_type, state in EVENT_STATES.items():
            manager.event_attach(event_type, self._on_vlc_state, state)
        manager.event_attach(vlc.EventType.MediaPlayerTimeChanged, self._on_vlc_time)
        manager.event_attach(vlc.EventType.MediaPlayerVout, self._on_vlc_vout)

    def _on_vlc_state(self, _event: Any, state: PlayerState) -> None:
        self._post(functools.partial(self._handle_state, self._generation, state))

    def _on_vlc_time(self, event: Any) -> None:
        self._post(functools.partial(self._handle_time, self._generation, int(event.u.new_time)))

    def _on_vlc_vout(self, _event: Any) -> None:
        self._post(functools.partial(self._handle_vout, self._generation))

    def _on_picture(self) -> None:
        if self._pending_seek_ms is not None or self._pause_on_picture:
            self._post(functools.partial(self._handle_picture, self._generation))

    # -- handlers (GUI thread) --------------------------------------------------------------------

    def _handle_state(self, generation: int, state: PlayerState) -> None:
        if generation != self._generation:
            return
        if state is PlayerState.ENDED and self._next_offset() is not None:
            self._start_next_run()
            return
        if state is PlayerState.PLAYING and (self._pause_on_picture or self._pending_seek_ms):
            if self._pending_seek_ms:
                self._arm_window_timer(WINDOW_LOAD_SEEK_S)  # no picture callback to wait for
            return  # still settling: the operator sees OPENING or PAUSED until the picture is right
        if state is PlayerState.ERROR:
            logger.warning("libVLC could not play the recording (run at %s ms)", self._base_ms)
        self._set_state(state)
        if state is PlayerState.PAUSED and self._pending_steps:
            steps, self._pending_steps = self._pending_steps, 0
            for _ in range(steps):
                self._mp.next_frame()

    def _handle_time(self, generation: int, local_ms: int) -> None:
        if generation == self._generation and self._run is not None and local_ms >= 0:
            self._update_aspect()
            self._listener(PlayerEvent(EventKind.TIME, self._state, self._base_ms + local_ms))

    def _handle_vout(self, generation: int) -> None:
        if generation != self._generation:
            return
        if self._memory is None:
            return
        self._memory.aspect = None  # a new video output: the size may have changed
        self._update_aspect()

    def _update_aspect(self) -> None:
        """Learn the picture's aspect; libVLC knows the size only some time after its Vout event."""
        if self._memory is None or self._memory.aspect is not None:
            return
        width, height = self._mp.video_get_size(0) or (0, 0)
        if width > 0 and height > 0:
            self._memory.aspect = width / height

    def _handle_picture(self, generation: int) -> None:
        if generation != self._generation:
            return
        if self._pending_seek_ms is not None:
            self._mp.set_time(self._pending_seek_ms)
            self._pending_seek_ms = None
            self._pause_gate = time.monotonic() + PAUSE_GATE_S
            if self._memory is not None:
                self._memory.muted = False
            if self._pause_on_picture:
                self._arm_window_timer()
            elif self._state is PlayerState.OPENING:
                self._set_state(PlayerState.PLAYING)
        elif self._pause_on_picture and time.monotonic() >= self._pause_gate:
            self._pause_on_picture = False
            self._cancel_timer()
            self._mp.set_pause(1)  # the slow rate stays until play(): changing it now upsets steps
            if self._state is PlayerState.OPENING:
                self._set_state(PlayerState.PAUSED)

    def _next_offset(self) -> int | None:
        """Where playback goes on after the loaded media: the rest of its run, or the next run."""
        last = self._loaded[1]
        entries = self._files.map.entries
        if self._run is None or last + 1 >= len(entries):
            return None
        return entries[last + 1].offset_ms

    def _start_next_run(self) -> None:
        offset = self._next_offset()
        assert offset is not None
        self._load(self._files.map.run_at(offset), offset, paused=False)
        self._listener(PlayerEvent(EventKind.JUMPED, self._state, offset))

    def _set_state(self, state: PlayerState) -> None:
        if state is not self._state:
            self._state = state
            self._listener(PlayerEvent(EventKind.STATE, state))

    def _arm_window_timer(self, delay_s: float = 0.0) -> None:
        """Window rendering has no picture callback: act after the usual latency instead (a paused
        seek pauses after `WINDOW_PAUSE_DELAY_S`; a load seeks after `WINDOW_LOAD_SEEK_S`)."""
        if self._memory is not None:
            return
        self._cancel_timer()
        job = functools.partial(self._handle_picture, self._generation)
        self._timer = threading.Timer(delay_s or WINDOW_PAUSE_DELAY_S, self._post, [job])
        self._timer.daemon = True
        self._timer.start()

    def _cancel_timer(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
