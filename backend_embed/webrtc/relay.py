"""LiveRelay: one camera stream's H.264 fanned out, undecoded, to every viewer's track, with the last GOP cached.

A passthrough sender cannot answer a viewer's PLI with a keyframe (nothing encodes), so without help a new
viewer waits for the camera's next keyframe: about 2.2 s with a 2 s GOP (PLATFORM_NOTES). The relay keeps
every frame since the last keyframe and hands that GOP to a new viewer at once, its timestamps squeezed
into the ticks just before the newest frame: the viewer decodes through it in a burst and then plays live,
with no added latency. Why not aiortc's `MediaRelay`: it starts an untracked task per source, buffers
without bound for a slow viewer, and has no GOP cache.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import time
from collections import deque
from collections.abc import Callable, Sequence
from typing import Final

import av
import av.stream
from aiortc.mediastreams import MediaStreamError, MediaStreamTrack

from backend_embed.webrtc.reader import (
    DEFAULT_READ_TIMEOUT_S,
    VIDEO_CLOCK_HZ,
    VIDEO_TIME_BASE,
    EncodedFrame,
    PacketReader,
)

logger = logging.getLogger(__name__)

#: frames a viewer may fall behind before it skips to the next keyframe (4 s at 25 fps)
MAX_QUEUED_FRAMES: Final = 100
#: the most frames a GOP cache holds; a longer GOP is not cached (a new viewer then waits for a keyframe)
MAX_GOP_FRAMES: Final = 300
#: a source timestamp this far from what the arrival clock predicts starts a new timeline segment
MAX_SKEW_S: Final = 2.0
#: B-frames may step back a little; a larger step back is a restarted source
MAX_REORDER_S: Final = 0.5


class Timeline:
    """Maps source timestamps (90 kHz) onto one continuous output timeline.

    The ingest may restart (camera outage, recorder restart, a route change), and each new ffmpeg run
    starts its own timestamps. A viewer must see RTP timestamps that keep following the wall clock, or its
    jitter buffer stalls or drops frames. When a timestamp disagrees with the arrival clock by more than
    `MAX_SKEW_S` (or steps back more than `MAX_REORDER_S`), the output continues from the previous frame
    plus the elapsed wall time.
    """

    def __init__(self) -> None:
        self._offset = 0
        self._last_out: int | None = None
        self._last_arrival = 0.0
        self.resets = 0

    def map(self, pts: int, arrival_s: float) -> int:
        """The output timestamp of a frame with source `pts` that arrived at `arrival_s` (monotonic)."""
        last = self._last_out
        if last is None:
            self._offset = -pts
        else:
            expected = last + round((arrival_s - self._last_arrival) * VIDEO_CLOCK_HZ)
            candidate = pts + self._offset
            if (
                abs(candidate - expected) > MAX_SKEW_S * VIDEO_CLOCK_HZ
                or candidate < last - MAX_REORDER_S * VIDEO_CLOCK_HZ
            ):
                self._offset = max(expected, last + 1) - pts
                self.resets += 1
        out = pts + self._offset
        self._last_out = out if last is None else max(out, last)
        self._last_arrival = arrival_s
        return out


class GopCache:
    """The frames since the newest keyframe (the newest GOP), bounded by `max_frames`."""

    def __init__(self, max_frames: int = MAX_GOP_FRAMES) -> None:
        self._frames: list[EncodedFrame] = []
        self._max_frames = max_frames
        self._overflowed = False

    def add(self, frame: EncodedFrame) -> None:
        if frame.keyframe:
            self._frames = [frame]
            self._overflowed = False
        elif self._frames and not self._overflowed:
            self._frames.append(frame)
            if len(self._frames) > self._max_frames:
                self._frames.clear()
                self._overflowed = True

    @property
    def size(self) -> int:
        return len(self._frames)

    def frames(self) -> list[EncodedFrame]:
        """The cached GOP as it is: keyframe first, the frames' own (output timeline) timestamps."""
        return list(self._frames)

    def clear(self) -> None:
        self._frames.clear()

    def burst(self) -> list[EncodedFrame]:
        """The cached GOP for a new viewer, keyframe first, stamped 1 tick apart up to the newest frame."""
        frames = self._frames
        if not frames:
            return []
        newest = frames[-1].pts
        count = len(frames)
        return [
            dataclasses.replace(frame, pts=newest - (count - 1 - index))
            for index, frame in enumerate(frames)
        ]


@dataclasses.dataclass(frozen=True, slots=True)
class CachedGop:
    """A copy of a relay's GOP cache: decodable from `frames[0]` (a keyframe) up to the newest frame.

    Attributes:
        newest_arrival_ms: when the newest frame reached the relay (wall clock, epoch ms).
    """

    frames: tuple[EncodedFrame, ...]
    newest_arrival_ms: int


class RelayTrack(MediaStreamTrack):
    """One viewer's video track: H.264 packets (`av.Packet`), never decoded frames.

    aiortc's sender packs an `av.Packet` into RTP as it is (`H264Encoder.pack`), provided H.264 was
    negotiated; its timestamp comes from the packet's pts and 1/90000 time base.
    """

    kind = "video"

    def __init__(self, relay: LiveRelay, burst: Sequence[EncodedFrame]) -> None:
        super().__init__()
        self._relay: LiveRelay | None = relay
        self._queue: deque[EncodedFrame | None] = deque(burst)
        self._ready = asyncio.Event()
        self._awaiting_keyframe = not burst
        self.frames_sent = 0
        self.frames_dropped = 0
        self.first_frame_cached = bool(burst)
        if burst:
            self._ready.set()

    def offer(self, frame: EncodedFrame) -> None:
        """Queue a live frame (the relay calls this); a viewer too far behind skips to the next keyframe."""
        if self._awaiting_keyframe:
            if not frame.keyframe:
                self.frames_dropped += 1
                return
            self._awaiting_keyframe = False
        if len(self._queue) >= MAX_QUEUED_FRAMES:
            self.frames_dropped += len(self._queue)
            self._queue.clear()
            if not frame.keyframe:
                self._awaiting_keyframe = True
                self.frames_dropped += 1
                return
        self._queue.append(frame)
        self._ready.set()

    def resync(self) -> None:
        """Skip to the next keyframe: the source restarted, its next delta frames cannot be decoded."""
        self._awaiting_keyframe = True

    def end(self) -> None:
        """The source is gone: `recv` raises MediaStreamError once the queue is drained."""
        self._queue.append(None)
        self._ready.set()

    async def recv(self) -> av.Packet[av.stream.Stream]:
        if self.readyState != "live":
            raise MediaStreamError
        while not self._queue:
            self._ready.clear()
            await self._ready.wait()
        frame = self._queue.popleft()
        if frame is None:
            self.stop()
            raise MediaStreamError
        packet = av.Packet(frame.data)
        packet.pts = packet.dts = frame.pts
        packet.time_base = VIDEO_TIME_BASE
        self.frames_sent += 1
        return packet

    def stop(self) -> None:
        super().stop()
        relay, self._relay = self._relay, None
        if relay is not None:
            relay.unsubscribe(self)


class LiveRelay:
    """Reads one live feed (`PacketReader`) and fans its frames out to `RelayTrack`s, caching the last GOP.

    Must be used on one loop. `start()` before `subscribe()`; `stop()` ends every track.
    """

    def __init__(
        self,
        url: Callable[[], str],
        *,
        name: str,
        read_timeout_s: float = DEFAULT_READ_TIMEOUT_S,
        gop_cache: bool = True,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        """Describe the relay.

        Args:
            url: the feed's current source URL (see `LiveFeed.url`).
            name: how logs name it.
            read_timeout_s: silence after which the source is reopened.
            gop_cache: keep the last GOP for new viewers (off only to measure what it saves).
            clock: the arrival clock (monotonic seconds).
        """
        self._name = name
        self._reader = PacketReader(
            url, self._on_frame, name=name, read_timeout_s=read_timeout_s, on_open=self._resync
        )
        self._timeline = Timeline()
        self._cache = GopCache()
        self._use_cache = gop_cache
        self._clock = clock
        self._tracks: set[RelayTrack] = set()
        self._stopped = False
        self._newest_arrival_ms = 0
        self.frames_received = 0

    @property
    def viewers(self) -> int:
        return len(self._tracks)

    @property
    def cached_frames(self) -> int:
        """Frames in the GOP cache (the newest keyframe and those after it)."""
        return self._cache.size

    @property
    def timeline_resets(self) -> int:
        return self._timeline.resets

    def has_fresh_gop(self, max_age_ms: int = 2000) -> bool:
        """True when a new viewer would get a picture at once: a GOP is cached and its newest frame is recent."""
        if not self._use_cache or self._cache.size == 0:
            return False
        return time.time_ns() // 1_000_000 - self._newest_arrival_ms <= max_age_ms

    def cached_gop(self) -> CachedGop | None:
        """The newest GOP for a still (snapshots), or None before the first keyframe since (re)opening."""
        frames = self._cache.frames()
        if not frames:
            return None
        return CachedGop(tuple(frames), self._newest_arrival_ms)

    def start(self) -> None:
        """Start reading the feed. Must be called on the loop that serves the tracks."""
        self._reader.start()

    async def stop(self) -> None:
        """Stop reading and end every track. Safe to call twice."""
        self._stopped = True
        await self._reader.stop()
        for track in list(self._tracks):
            track.end()
        self._tracks.clear()
        self._cache.clear()

    def subscribe(self) -> RelayTrack:
        """A new viewer's track; it starts with the cached GOP if there is one, else at the next keyframe.

        Raises:
            RuntimeError: the relay was stopped.
        """
        if self._stopped:
            raise RuntimeError(f"{self._name} is stopped")
        burst = self._cache.burst() if self._use_cache else []
        track = RelayTrack(self, burst)
        self._tracks.add(track)
        logger.debug("%s: viewer added (%d cached frames)", self._name, len(burst))
        return track

    def unsubscribe(self, track: RelayTrack) -> None:
        self._tracks.discard(track)

    def _resync(self) -> None:
        """The source (re)started: frames before its first keyframe would reference pictures nobody has."""
        self._cache.clear()
        for track in self._tracks:
            track.resync()

    def _on_frame(self, frame: EncodedFrame) -> None:
        self.frames_received += 1
        self._newest_arrival_ms = time.time_ns() // 1_000_000
        resets = self._timeline.resets
        out = dataclasses.replace(frame, pts=self._timeline.map(frame.pts, self._clock()))
        if self._timeline.resets != resets:
            self._resync()
        self._cache.add(out)
        for track in self._tracks:
            track.offer(out)
