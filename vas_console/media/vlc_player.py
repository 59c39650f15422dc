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
import enum
import functools
import logging
import os
import shutil
import tempfile
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import vlc

from backend_embed.api import PlaylistEntry
from vas_console.core.playclock import PlaylistMap, PlaylistRun, PlaylistText, parse_playlist

logger = logging.getLogger(__name__)

MIN_RATE = 0.125
MAX_RATE = 16.0
DEFAULT_FRAME_MS = 40
DEFAULT_ARGS = (
    "--quiet",
    "--no-xlib",  # libVLC must not use Xlib from its threads next to Qt; its xcb outputs still work
    "--no-video-title-show",
    "--no-osd",
    "--no-snapshot-preview",
    "--no-audio",  # recordings play muted: up to four at once, at up to 16x
    "--avcodec-hw=none",  # VA-API decoding falls back noisily on machines without a GPU
)
LOAD_BACK_MS = 15 * 60_000
LOAD_AHEAD_MS = 45 * 60_000
"""A media covers this much of a run around the time asked for (libVLC parses ~900 entries, not 20,000)."""
# libVLC ignores a pause made less than ~30 ms after an unpause and a seek (measured)
PAUSE_GATE_S = 0.03
# window rendering has no picture callback: a paused seek pauses again after this (seeks: 30-100 ms)
WINDOW_PAUSE_DELAY_S = 0.12
# ... and a load seeks this long after PLAYING, once playback is steady (a seek during libVLC's start-up
# shows the keyframe first; measured: first picture 25-35 ms, steady from ~145 ms)
WINDOW_LOAD_SEEK_S = 0.15

Post = Callable[[Callable[[], None]], None]


class PlayerState(enum.StrEnum):
    """What a player is doing, as the transport shows it."""

    IDLE = "idle"
    OPENING = "opening"
    PLAYING = "playing"
    PAUSED = "paused"
    ENDED = "ended"
    ERROR = "error"


class EventKind(enum.Enum):
    STATE = enum.auto()  # `state` changed
    TIME = enum.auto()  # libVLC reported its (coarse) time: `offset_ms` in playlist time
    JUMPED = enum.auto()  # the player moved by itself to `offset_ms` (the next run, after a gap)


@dataclass(frozen=True, slots=True)
class PlayerEvent:
    """Something a player reports; always delivered on the GUI thread."""

    kind: EventKind
    state: PlayerState
    offset_ms: int = 0


@dataclass(frozen=True, slots=True)
class VideoFrame:
    """One picture rendered to memory: 32-bit pixels, B G R X in memory order (QImage.Format_RGB32).

    Attributes:
        aspect: the picture's display aspect (width / height) once libVLC reported the video size, else
            None. libVLC stretches the visible picture over the buffer, whose height may include the
            decoder's padding rows (320x194 for 320x180): draw the buffer at this aspect.
    """

    data: bytes
    width: int
    height: int
    stride: int
    aspect: float | None = None


Listener = Callable[[PlayerEvent], None]
FrameSink = Callable[[VideoFrame], None]


class Player(Protocol):
    """A player of VOD playlists as the playback views use it (VlcPlayer, or a fake in tests)."""

    @property
    def state(self) -> PlayerState: ...

    @property
    def frame_ms(self) -> int: ...

    def render_to_window(self, handle: int) -> None: ...

    def render_to_memory(self, max_width: int, max_height: int, sink: FrameSink) -> None: ...

    def open(
        self, playlist_path: str, entries: Sequence[PlaylistEntry], offset_ms: int = 0
    ) -> None: ...

    def play(self) -> None: ...

    def pause(self) -> None: ...

    def set_rate(self, rate: float) -> None: ...

    def next_frame(self) -> bool:
        """One frame forward while paused (or once a settling paused seek has paused). False: ignored."""
        ...

    def seek(self, offset_ms: int) -> None: ...

    def time_ms(self) -> int | None: ...

    def close(self) -> None: ...


class PlayerFactory(Protocol):
    """Makes players; the console's one `VlcInstance` is the real factory."""

    def new_player(self, post: Post, listener: Listener) -> Player: ...


class VlcInstance:
    """The console's one libVLC instance (loading libVLC's plugins once costs ~100 ms and memory)."""

    def __init__(self, args: Sequence[str] = DEFAULT_ARGS) -> None:
        self._instance: Any = vlc.Instance(list(args))
        if self._instance is None:
            raise RuntimeError(
                "libVLC could not start (are libvlc5 and vlc-plugin-base installed?)"
            )

    def new_player(self, post: Post, listener: Listener) -> VlcPlayer:
        return VlcPlayer(self._instance, post, listener)

    def close(self) -> None:
        """Release libVLC; every player must be closed first."""
        self._instance.release()


_FormatCb = ctypes.CFUNCTYPE(
    ctypes.c_uint,
    ctypes.POINTER(ctypes.c_void_p),
    ctypes.c_void_p,  # char *chroma, writable: python-vlc's c_char_p would hand us a copy
    ctypes.POINTER(ctypes.c_uint),
    ctypes.POINTER(ctypes.c_uint),
    ctypes.POINTER(ctypes.c_uint),
    ctypes.POINTER(ctypes.c_uint),
)


class _MemoryTarget:
    """Video callbacks that render into one buffer and hand a copy of each picture to a sink.

    Runs on libVLC's decoder and video output threads; touches only its own buffer and the sink.
    """

    def __init__(self, max_width: int, max_height: int, sink: FrameSink) -> None:
        self._max = (max(16, max_width), max(16, max_height))
        self._sink = sink
        self._lock = threading.Lock()
        self._buffer: ctypes.Array[ctypes.c_ubyte] | None = None
        self._size = (0, 0)
        self._last = b""
        # set by the player: called after the sink; the display aspect once the video size is known
        self.on_picture: Callable[[], None] | None = None
        self.aspect: float | None = None
        self.muted = False  # True while the picture is known to be the wrong one (before a seek)
        # the C callbacks must outlive the player's use of them
        self.format_cb = _FormatCb(self._format)
        self.lock_cb = vlc.CallbackDecorators.VideoLockCb(self._lock_picture)
        self.unlock_cb = vlc.CallbackDecorators.VideoUnlockCb(lambda *_: None)
        self.display_cb = vlc.CallbackDecorators.VideoDisplayCb(self._display)

    def _format(
        self, _opaque: Any, chroma: int, width: Any, height: Any, pitches: Any, lines: Any
    ) -> int:
        scale = min(1.0, self._max[0] / max(1, width[0]), self._max[1] / max(1, height[0]))
        w, h = max(2, int(width[0] * scale) // 2 * 2), max(2, int(height[0] * scale) // 2 * 2)
        ctypes.memmove(chroma, b"RV32", 4)
        width[0], height[0], pitches[0], lines[0] = w, h, w * 4, h
        with self._lock:
            self._buffer = (ctypes.c_ubyte * (w * h * 4))()
            self._size = (w, h)
        return 1

    def _lock_picture(self, _opaque: Any, planes: Any) -> None:
        with self._lock:
            buffer = self._buffer
            planes[0] = None if buffer is None else ctypes.cast(buffer, ctypes.c_void_p)

    def _display(self, _opaque: Any, _picture: Any) -> None:
        with self._lock:
            if self._buffer is None:
                return
            w, h = self._size
            data = bytes(self._buffer)
        if data == self._last:
            return  # libVLC shows a paused picture again and again: not a new one
        self._last = data
        if not self.muted:
            self._sink(VideoFrame(data, w, h, w * 4, self.aspect))
        callback = self.on_picture
        if callback is not None:
            callback()


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
        self._map = PlaylistMap(())
        self._text = PlaylistText((), ())
        self._run: PlaylistRun | None = None
        self._base_ms = 0  # the playlist offset at which the loaded media starts
        self._loaded = (0, 0)  # its first and last entries
        self._media_path: Path | None = None
        self._tmpdir: str | None = None
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
        self._memory: _MemoryTarget | None = None
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
        target = _MemoryTarget(max_width, max_height, sink)
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
        self._drop_runs()
        self._map = PlaylistMap(entries)
        playlist = Path(playlist_path)
        text = playlist.read_text(encoding="utf-8")
        resolve = functools.partial(_resolve_uri, playlist.parent)
        self._text = parse_playlist(text, resolve, len(self._map.entries))
        self._tmpdir = tempfile.mkdtemp(prefix="vas-playback-")
        if not self._map.runs:
            self._set_state(PlayerState.ENDED)
            return
        self._load(self._map.run_at(offset_ms), offset_ms, paused=False)

    def play(self) -> None:
        self._pending_steps = 0
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
        if not self._map.runs or self._state is PlayerState.ERROR:
            return
        offset_ms = min(max(0, offset_ms), self._map.duration_ms - 1)
        run = self._map.run_at(offset_ms)
        local = offset_ms - self._base_ms
        paused = self._state is PlayerState.PAUSED or self._pause_on_picture
        first, last = self._loaded
        loaded = run == self._run and self._map.entries[
            first
        ].offset_ms <= offset_ms < self._map.end_offset(last)
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
        for event_type in (*_EVENT_STATES, *_OTHER_EVENTS):
            manager.event_detach(event_type)
        self._mp.stop()
        self._mp.release()
        self._drop_runs()

    # -- loading ----------------------------------------------------------------------------------

    def _drop_runs(self) -> None:
        self._media_path = None
        if self._tmpdir is not None:
            shutil.rmtree(self._tmpdir, ignore_errors=True)
            self._tmpdir = None

    def _load(self, run: PlaylistRun, offset_ms: int, *, paused: bool) -> None:
        """Play the part of `run` around `offset_ms`: a media from `LOAD_BACK_MS` before it to
        `LOAD_AHEAD_MS` after it, so nearby seeks need no new media and libVLC parses a short list."""
        first = max(run.first, self._map.entry_at(offset_ms - LOAD_BACK_MS))
        if first == self._map.entry_at(offset_ms) and first > run.first:
            first -= 1  # pictures decoded before the exact seek lands must not pass for the target
        last = min(run.last, self._map.entry_at(offset_ms + LOAD_AHEAD_MS))
        self._loaded = (first, last)
        self._base_ms = self._map.entries[first].offset_ms
        local = offset_ms - self._base_ms
        assert self._tmpdir is not None
        path = Path(self._tmpdir, f"load{self._generation + 1:06d}.m3u8")
        path.write_text(self._text.render(first, last), encoding="utf-8")
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
        if self._media_path is not None:
            self._media_path.unlink(missing_ok=True)  # the stopped media's playlist
        self._media_path = path
        self._set_state(PlayerState.OPENING)
        self._mp.set_rate(self._rate)
        self._mp.play()

    # -- libVLC callbacks (libVLC threads: post only) ---------------------------------------------

    def _attach_events(self) -> None:
        manager = self._mp.event_manager()
        for event_type, state in _EVENT_STATES.items():
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
        if self._run is None or last + 1 >= len(self._map.entries):
            return None
        return self._map.entries[last + 1].offset_ms

    def _start_next_run(self) -> None:
        offset = self._next_offset()
        assert offset is not None
        self._load(self._map.run_at(offset), offset, paused=False)
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


_EVENT_STATES = {
    vlc.EventType.MediaPlayerPlaying: PlayerState.PLAYING,
    vlc.EventType.MediaPlayerPaused: PlayerState.PAUSED,
    vlc.EventType.MediaPlayerEndReached: PlayerState.ENDED,
    vlc.EventType.MediaPlayerEncounteredError: PlayerState.ERROR,
}
_OTHER_EVENTS = (vlc.EventType.MediaPlayerTimeChanged, vlc.EventType.MediaPlayerVout)


def _resolve_uri(base: Path, uri: str) -> str:
    if "://" in uri or os.path.isabs(uri):
        return uri
    return str(base / uri)
