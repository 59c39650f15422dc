"""Fakes for playback tests: a GUI-thread stand-in for real players, a scripted fake player, a frame log.

`CallQueue` plays the GUI thread for `VlcPlayer` in tests without Qt: libVLC's threads `post` callables,
the test thread runs them in `pump`. `FramePlayerLog` records the pictures a real player renders to memory
with the timestamp code each carries. `FakePlayer` implements the `Player` protocol without libVLC: it
records what the views ask (positions, rates, steps) and lets a test report state and time back.
"""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from backend_embed.api import PlaylistEntry
from camsim.timecode import decode_luma
from vas_console.media.vlc_player import (
    EventKind,
    FrameSink,
    Listener,
    PlayerEvent,
    PlayerState,
    Post,
    VideoFrame,
)


class CallQueue:
    """`post` from any thread; `pump` runs the posted callables on the calling (test) thread."""

    def __init__(self) -> None:
        self._queue: queue.SimpleQueue[Callable[[], None]] = queue.SimpleQueue()

    def post(self, callback: Callable[[], None]) -> None:
        self._queue.put(callback)

    def pump(self, until: Callable[[], bool], timeout: float) -> bool:
        """Run posted callables until `until()` holds (True) or `timeout` seconds passed (False)."""
        deadline = time.monotonic() + timeout
        while not until():
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return False
            try:
                callback = self._queue.get(timeout=min(remaining, 0.01))
            except queue.Empty:
                continue
            callback()
        return True


@dataclass(frozen=True, slots=True)
class ShownFrame:
    """A picture a real player rendered: when (monotonic s), its size, and the code it carries."""

    at: float
    width: int
    height: int
    code_ms: int | None


class FramePlayerLog:
    """A memory-rendering sink that decodes each picture's timestamp code (on libVLC's thread)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._frames: list[ShownFrame] = []
        self.last: VideoFrame | None = None

    def __call__(self, frame: VideoFrame) -> None:
        code = decode_luma(frame.data[1::4], frame.width, frame.height)
        with self._lock:
            self._frames.append(ShownFrame(time.monotonic(), frame.width, frame.height, code))
            self.last = frame

    @property
    def frames(self) -> list[ShownFrame]:
        with self._lock:
            return list(self._frames)

    def count(self) -> int:
        with self._lock:
            return len(self._frames)

    def since(self, index: int) -> list[ShownFrame]:
        with self._lock:
            return self._frames[index:]

    def first_near(self, index: int, code_ms: int, within_ms: int = 2000) -> ShownFrame | None:
        """The first picture after `index` whose code is within `within_ms` of `code_ms`."""
        for frame in self.since(index):
            if frame.code_ms is not None and abs(frame.code_ms - code_ms) <= within_ms:
                return frame
        return None


@dataclass
class FakePlayer:
    """A `Player` that plays nothing: it records requests and reports what the test tells it to.

    `requests` lists every call as ("seek", offset) / ("rate", r) / ("step",) / ("play",) / ("pause",) /
    ("open", path, offset). `report_state` / `report_time` deliver events as libVLC's would (posted).
    """

    post: Post
    listener: Listener
    requests: list[tuple[object, ...]] = field(default_factory=list)
    entries: tuple[PlaylistEntry, ...] = ()
    render: tuple[object, ...] = ()
    rate: float = 1.0
    offset_ms: int = 0
    closed: bool = False
    _state: PlayerState = PlayerState.IDLE

    @property
    def state(self) -> PlayerState:
        return self._state

    @property
    def frame_ms(self) -> int:
        return 40

    def render_to_window(self, handle: int) -> None:
        self.render = ("window", handle)

    def render_to_memory(self, max_width: int, max_height: int, sink: FrameSink) -> None:
        self.render = ("memory", max_width, max_height, sink)

    def open(
        self, playlist_path: str, entries: Sequence[PlaylistEntry], offset_ms: int = 0
    ) -> None:
        self.entries = tuple(entries)
        self.offset_ms = offset_ms
        self.requests.append(("open", playlist_path, offset_ms))
        self._set(PlayerState.OPENING)
        self.report_state(PlayerState.PLAYING)

    def play(self) -> None:
        self.requests.append(("play",))
        if self._state is PlayerState.PAUSED:
            self.report_state(PlayerState.PLAYING)

    def pause(self) -> None:
        self.requests.append(("pause",))
        if self._state in (PlayerState.PLAYING, PlayerState.OPENING):
            self.report_state(PlayerState.PAUSED)

    def set_rate(self, rate: float) -> None:
        self.rate = rate
        self.requests.append(("rate", rate))

    def next_frame(self) -> bool:
        """Like VlcPlayer: a step while paused is made; otherwise it is ignored (False)."""
        if self.state is not PlayerState.PAUSED:
            return False
        self.requests.append(("step",))
        self.offset_ms += 40
        return True

    def seek(self, offset_ms: int) -> None:
        self.offset_ms = offset_ms
        self.requests.append(("seek", offset_ms))

    def time_ms(self) -> int | None:
        return self.offset_ms

    def close(self) -> None:
        self.closed = True

    def report_state(self, state: PlayerState) -> None:
        """Deliver a state change later, as libVLC's event thread would."""
        self.post(lambda: self._set(state))

    def report_time(self, offset_ms: int) -> None:
        self.post(lambda: self.listener(PlayerEvent(EventKind.TIME, self._state, offset_ms)))

    def seeks(self) -> list[int]:
        return [int(str(r[1])) for r in self.requests if r[0] == "seek"]

    def _set(self, state: PlayerState) -> None:
        if state is not self._state:
            self._state = state
            self.listener(PlayerEvent(EventKind.STATE, state))


@dataclass
class FakePlayerFactory:
    """Makes `FakePlayer`s and keeps them, in creation order, for the test to inspect."""

    players: list[FakePlayer] = field(default_factory=list)

    def new_player(self, post: Post, listener: Listener) -> FakePlayer:
        player = FakePlayer(post, listener)
        self.players.append(player)
        return player
