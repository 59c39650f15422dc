"""Live wall test doubles: fake sessions that paint synthetic frames, and the timestamp-code reader.

What is fake: `FakeLiveSession` plays no network stream; it puts solid-colour frames into its slot and
reports whatever status the test sets. What is real: the slot, the frame values, the status values.
"""

from __future__ import annotations

import asyncio
import threading
from dataclasses import dataclass, field

from backend_embed.api import LiveEndpoint
from camsim.timecode import decode_luma
from vas_console.media.frames import LatestFrameSlot
from vas_console.media.live import (
    LiveFrame,
    LiveState,
    LiveStats,
    LiveStatus,
    StatusCallback,
    fit_size,
)

SOURCE_SIZE = (640, 360)


def frame_capture_ms(frame: LiveFrame) -> int | None:
    """The capture time a simulated camera burned into `frame` (its timestamp code), or None."""
    gray = bytearray(frame.width * frame.height)
    for row in range(frame.height):
        line = frame.pixels[row * frame.stride : row * frame.stride + frame.width * 4]
        gray[row * frame.width : (row + 1) * frame.width] = line[1::4]  # green: B, G, R, X
    return decode_luma(bytes(gray), frame.width, frame.height)


def solid_frame(size: tuple[int, int], bgrx: bytes, sequence: int = 1) -> LiveFrame:
    """A frame of one colour, `size` fitted to SOURCE_SIZE's aspect ratio."""
    width, height = fit_size(SOURCE_SIZE, size)
    return LiveFrame(
        pixels=bgrx * (width * height),
        width=width,
        height=height,
        stride=width * 4,
        source_width=SOURCE_SIZE[0],
        source_height=SOURCE_SIZE[1],
        media_time_s=None,
        capture_ms=None,
        received_ms=0.0,
        sequence=sequence,
    )


@dataclass
class FakeLiveSession:
    """A `LiveSession` for GUI tests: `start()` reports LIVE (or `initial`) and puts one frame in its slot."""

    url: str
    output_size: tuple[int, int]
    on_status: StatusCallback
    initial: LiveStatus = field(default_factory=lambda: LiveStatus(LiveState.LIVE))
    colour: bytes = b"\x40\x80\x20\xff"
    slot: LatestFrameSlot[LiveFrame] = field(default_factory=LatestFrameSlot)
    started: bool = False
    closed: bool = False
    sizes: list[tuple[int, int]] = field(default_factory=list)
    thread: threading.Thread | None = None
    bearer_token: str = ""

    def stats(self) -> LiveStats:
        return LiveStats(fps=25.0, bitrate_bps=512_000.0, latency_ms=87.0, frames=1)

    def set_output_size(self, width: int, height: int) -> None:
        self.output_size = (width, height)
        self.sizes.append((width, height))

    async def start(self) -> None:
        asyncio.get_running_loop()  # must run on a loop (the worker's)
        self.thread = threading.current_thread()
        self.started = True
        self.report(self.initial)
        if self.initial.state is LiveState.LIVE:
            self.slot.put(solid_frame(self.output_size, self.colour))

    async def close(self) -> None:
        self.closed = True
        self.report(LiveStatus(LiveState.CLOSED))

    def report(self, status: LiveStatus) -> None:
        """Report `status` as the real session would (from the calling thread)."""
        self.on_status(status)


class FakeSessionFactory:
    """Builds `FakeLiveSession`s and keeps them; `initial[url]` sets the first status of a URL's sessions."""

    def __init__(self) -> None:
        self.sessions: list[FakeLiveSession] = []
        self.initial: dict[str, LiveStatus] = {}

    def __call__(
        self, endpoint: LiveEndpoint, output_size: tuple[int, int], on_status: StatusCallback
    ) -> FakeLiveSession:
        url = endpoint.whep_url
        session = FakeLiveSession(url, output_size, on_status, bearer_token=endpoint.bearer_token)
        if url in self.initial:
            session.initial = self.initial[url]
        self.sessions.append(session)
        return session

    def open(self) -> list[FakeLiveSession]:
        """The sessions started and not closed."""
        return [s for s in self.sessions if s.started and not s.closed]
