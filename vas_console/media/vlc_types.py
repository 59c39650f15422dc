"""The player vocabulary the playback views use: states, events, frames, the `Player` protocol.

Free of libVLC, so fakes and views import it without loading libVLC's plugins; `vlc_player` re-exports
every name here.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Protocol

from backend_embed.api import PlaylistEntry

MIN_RATE = 0.125
MAX_RATE = 16.0
DEFAULT_FRAME_MS = 40

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
