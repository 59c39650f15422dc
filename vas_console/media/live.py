"""Values a live session hands to the UI (frames, stats, states) and the reconnect backoff policy."""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Protocol

from backend_embed.api import LiveEndpoint
from vas_console.media.frames import LatestFrameSlot


class LiveState(StrEnum):
    """Where a live session is: the tile shows each one differently."""

    CONNECTING = "connecting"
    LIVE = "live"
    RECONNECTING = "reconnecting"
    OFFLINE = "offline"
    CLOSED = "closed"


@dataclass(frozen=True, slots=True)
class LiveStatus:
    """A session's state. `retry_in_s` counts from `since` (time.monotonic(), the same clock on every thread).

    `reason` says why the session is not live (redacted, fit for the operator).
    """

    state: LiveState
    reason: str = ""
    retry_in_s: float | None = None
    since: float = field(default_factory=time.monotonic)

    def retry_left_s(self, now: float | None = None) -> float | None:
        """Seconds until the next attempt, or None when no attempt is scheduled."""
        if self.retry_in_s is None:
            return None
        elapsed = (time.monotonic() if now is None else now) - self.since
        return max(0.0, self.retry_in_s - elapsed)


@dataclass(frozen=True, slots=True)
class LiveFrame:
    """One decoded picture scaled for its tile: 32-bit pixels in B, G, R, X byte order (QImage RGB32).

    Attributes:
        pixels: `height` lines of `stride` bytes each (a read-only view of the scaled frame's memory, or
            bytes).
        source_width, source_height: the stream's own picture size.
        media_time_s: the frame's presentation time on the stream's RTP clock.
        capture_ms: when the camera took the picture (epoch ms), if a capture probe could tell.
        received_ms: when the frame left the decoder (epoch ms, time.time()).
        sequence: counts the session's frames from 1.
    """

    pixels: bytes | memoryview
    width: int
    height: int
    stride: int
    source_width: int
    source_height: int
    media_time_s: float | None
    capture_ms: int | None
    received_ms: float
    sequence: int


@dataclass(frozen=True, slots=True)
class LiveStats:
    """What the tile shows on hover. `latency_ms` is camera-to-decoder, None unless a capture probe measures."""

    fps: float = 0.0
    bitrate_bps: float | None = None
    latency_ms: float | None = None
    frames: int = 0
    source_size: tuple[int, int] | None = None
    packets_received: int = 0
    packets_lost: int = 0


StatusCallback = Callable[[LiveStatus], None]


class LiveSession(Protocol):
    """One camera stream playing into a frame slot. `WhepSession` is the real one; tests inject fakes.

    `start` and `close` run on the worker loop; `slot`, `stats()` and `set_output_size` may be used from
    any thread.
    """

    @property
    def slot(self) -> LatestFrameSlot[LiveFrame]: ...

    def stats(self) -> LiveStats: ...

    def set_output_size(self, width: int, height: int) -> None: ...

    async def start(self) -> None: ...

    async def close(self) -> None: ...


SessionFactory = Callable[[LiveEndpoint, tuple[int, int], StatusCallback], LiveSession]
"""Builds a session for a live endpoint (WHEP URL and access token), an initial output size in device
pixels and a status callback."""

Coro = Coroutine[Any, Any, None]


@dataclass(frozen=True, slots=True)
class Backoff:
    """Exponential backoff with jitter: `initial_s * factor**(attempt-1)`, capped at `max_s`, times a
    random factor in [1 - jitter, 1 + jitter] so many tiles of one recorder do not retry in step.
    """

    initial_s: float = 0.5
    factor: float = 2.0
    max_s: float = 30.0
    jitter: float = 0.2

    def delay(self, attempt: int, rng: random.Random) -> float:
        """The wait before retry number `attempt` (from 1)."""
        base = min(self.max_s, self.initial_s * self.factor ** max(0, attempt - 1))
        return base * rng.uniform(1.0 - self.jitter, 1.0 + self.jitter)


def fit_size(source: tuple[int, int], box: tuple[int, int]) -> tuple[int, int]:
    """The largest even size with `source`'s aspect ratio that fits in `box` (at least 2x2)."""
    source_width, source_height = source
    box_width, box_height = max(2, box[0]), max(2, box[1])
    scale = min(box_width / source_width, box_height / source_height)
    width = max(2, int(source_width * scale) // 2 * 2)
    height = max(2, int(source_height * scale) // 2 * 2)
    return width, height
