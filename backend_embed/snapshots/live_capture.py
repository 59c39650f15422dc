"""LiveCapture: a live still of a camera from the main stream's own ingest, with no new camera connection.

The old design opened the camera for every snapshot (`ffmpeg -rtsp_transport tcp -i rtsp://... -frames:v 1`):
an RTSP handshake, stream analysis and a wait for the next keyframe, about two seconds, and a second RTSP
session at the camera. Here the main stream's live feed (the recorder's loopback restream when the camera
is recorded) is already demuxed by its `LiveRelay`, which keeps the newest GOP for WebRTC viewers. A still
decodes that GOP from its keyframe up to the newest frame in a worker thread and encodes it as JPEG: the
picture is the newest the camera sent, at the main stream's full resolution whatever stream a tile shows.

Keeping it warm: the main feed is held while the camera is watched live (any stream), so the first still
is as fast as the next, and for `linger_s` after the last still or the last viewer; but only where that
costs the camera no session of its own (`main_is_free`: its recorder's restream carries the main stream,
or the main stream is the one watched). A camera whose main stream is not recorded and that is watched on
its sub stream keeps one RTSP session per stream in use: its first still starts the main feed and waits
for a keyframe. A pinned camera's feed
(`pin`: the host pins recorded cameras, whose recorder restream flows anyway) is held for as long as it
stays pinned, so its GOP cache also answers the first live viewer. A cold still (nobody watching, nothing
held) starts the feed and waits for the camera's next keyframe.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field
from typing import Final, Protocol

import av
import av.video.frame

from backend_embed.api.dto import StreamRole
from backend_embed.snapshots.still import Still, make_still
from backend_embed.streams.live_sources import LiveFeed, LiveSources, LiveSourceUnavailableError
from backend_embed.webrtc.reader import VIDEO_TIME_BASE, EncodedFrame
from backend_embed.webrtc.relay import CachedGop

logger = logging.getLogger(__name__)


class GopSource(Protocol):
    """What a still needs of a feed's reader (`LiveRelay`): its newest GOP."""

    def cached_gop(self) -> CachedGop | None: ...


RelayOf = Callable[[LiveFeed], GopSource]

DEFAULT_LINGER_S: Final = 60.0
#: a cold feed waits for the camera's next keyframe: 2 s GOPs are common, 4 s happen
DEFAULT_FIRST_FRAME_TIMEOUT_S: Final = 6.0
#: a newest frame older than this means the camera stopped sending: wait for a fresh one
DEFAULT_MAX_AGE_S: Final = 2.0
_POLL_S: Final = 0.01
_WATCH_S: Final = 1.0


def decode_newest(frames: tuple[EncodedFrame, ...]) -> av.video.frame.VideoFrame:
    """Decode an H.264 GOP (keyframe first) and return its newest picture in presentation order.

    Raises:
        ValueError: nothing decodable (no keyframe with its parameter sets, a broken GOP).
    """
    context = av.CodecContext.create("h264", "r")
    assert isinstance(context, av.VideoCodecContext)
    context.thread_type = "SLICE"  # frame threads delay every picture: this wants the last one
    newest: av.video.frame.VideoFrame | None = None

    def keep_newest(pictures: list[av.video.frame.VideoFrame]) -> None:
        nonlocal newest
        for picture in pictures:
            if newest is None or (picture.pts or 0) >= (newest.pts or 0):
                newest = picture

    try:
        for encoded in frames:
            packet = av.Packet(encoded.data)
            packet.pts = packet.dts = encoded.pts
            packet.time_base = VIDEO_TIME_BASE
            keep_newest(context.decode(packet))
        keep_newest(context.decode(None))  # drain: with B-frames the newest pictures come last
    except av.FFmpegError as exc:
        if newest is None:
            raise ValueError(f"the live GOP does not decode ({exc})") from exc
        logger.debug("Live still: decoding stopped early (%s)", exc)
    if newest is None:
        raise ValueError("the live GOP decoded to no picture")
    return newest


def _still_of(gop: CachedGop) -> Still:
    frame = decode_newest(gop.frames)
    return make_still(frame, time_ms=gop.newest_arrival_ms, stream=StreamRole.MAIN)


@dataclass(eq=False)
class _Hold:
    """The main feed held for one camera's stills, and the task that lets it go."""

    feed: LiveFeed
    last_used_s: float
    watcher: asyncio.Task[None] | None = None
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)


class LiveCapture:
    """Live stills of cameras' main streams (see the module docstring). All methods run on the loop."""

    def __init__(
        self,
        sources: LiveSources,
        relay_of: RelayOf,
        *,
        linger_s: float = DEFAULT_LINGER_S,
        first_frame_timeout_s: float = DEFAULT_FIRST_FRAME_TIMEOUT_S,
        max_age_s: float = DEFAULT_MAX_AGE_S,
        warm_while_viewed: bool = True,
        pinned: Callable[[int], bool] | None = None,
        main_is_free: Callable[[int], bool] | None = None,
    ) -> None:
        """Describe the capture; nothing is held until a still is taken or a camera is watched.

        Args:
            sources: the live feeds (the main stream's is acquired like a viewer's).
            relay_of: the relay reading a feed, started if needed (the live service's own: one reader
                per feed).
            linger_s: how long the main feed stays held after the last still or live viewer.
            first_frame_timeout_s: how long a still waits for a fresh keyframe and frame.
            max_age_s: a newest frame older than this is stale (the camera stopped sending).
            warm_while_viewed: hold the main feed while any stream of the camera is watched live.
            pinned: cameras whose main feed stays held once `pin`ned (asked again every few seconds).
            main_is_free: whether holding a camera's main feed adds no RTSP session at the camera (its
                recorder's restream carries it); watching another stream warms the main feed only then.
                Default: always.
        """
        self._sources = sources
        self._relay_of = relay_of
        self.linger_s = linger_s
        self._first_frame_timeout_s = first_frame_timeout_s
        self._max_age_s = max_age_s
        self._warm_while_viewed = warm_while_viewed
        self._pinned = pinned or (lambda _camera_id: False)
        self._main_is_free = main_is_free or (lambda _camera_id: True)
        self._holds: dict[int, _Hold] = {}
        self._starting: set[int] = set()
        self._tasks: set[asyncio.Task[None]] = set()
        self._stopped = False

    def stopped(self) -> bool:
        return self._stopped

    def held(self) -> list[int]:
        """The cameras whose main feed is held (for diagnostics and tests)."""
        return sorted(self._holds)

    async def still(self, camera_id: int) -> Still:
        """The newest picture of the camera's main stream as JPEG (see `Still`).

        Raises:
            NotFoundError: no such camera.
            LiveSourceUnavailableError: no live picture: the codec is not known yet, the camera sends
                nothing, or live video is stopping.
        """
        hold = await self._hold(camera_id)
        hold.last_used_s = time.monotonic()
        async with hold.lock:  # one decode per camera at a time: a double click costs one
            gop = await self._fresh_gop(hold)
            try:
                still = await asyncio.to_thread(_still_of, gop)
            except ValueError as exc:
                logger.warning("Live still of camera %d failed: %s", camera_id, exc)
                raise LiveSourceUnavailableError(
                    "The camera's live picture could not be decoded. Try again in a moment."
                ) from exc
        hold.last_used_s = time.monotonic()
        return still

    def note_viewed(self, feed: LiveFeed) -> None:
        """A viewer acquired `feed`: hold its camera's main feed while the camera is watched.

        Never blocks (called under the sources' lock): the hold starts in a task.
        """
        camera_id = feed.camera_id
        if not self._warm_while_viewed or self._stopped:
            return
        if feed.stream is not StreamRole.MAIN and not self._main_is_free(camera_id):
            return  # it would open a second session at the camera just in case of a still
        if camera_id in self._holds or camera_id in self._starting:
            return
        self._spawn(self._warm(camera_id), f"warm live stills {camera_id}")

    def pin(self, camera_id: int) -> None:
        """Hold the camera's main feed for as long as `pinned(camera_id)` says so. Never blocks."""
        if self._stopped or not self._pinned(camera_id):
            return
        if camera_id in self._holds or camera_id in self._starting:
            return
        self._spawn(self._warm(camera_id), f"keep live camera {camera_id} warm")

    async def stop(self) -> None:
        """Release every held feed and end the background tasks. Safe to call twice."""
        self._stopped = True
        tasks = list(self._tasks)
        for task in tasks:
            task.cancel()
        if tasks:
            await asyncio.wait(tasks)
        for camera_id in list(self._holds):
            self._let_go(camera_id)

    # -- holding ------------------------------------------------------------------------------------------

    async def _warm(self, camera_id: int) -> None:
        try:
            await self._hold(camera_id)
        except LiveSourceUnavailableError as exc:
            logger.debug("Not warming live stills of camera %d: %s", camera_id, exc)
        except Exception:  # the task's boundary: a failed warm-up only makes the first still slower
            logger.exception("Warming live stills of camera %d failed", camera_id)

    async def _hold(self, camera_id: int) -> _Hold:
        if self._stopped:
            raise LiveSourceUnavailableError("Live video is shutting down.")
        hold = self._holds.get(camera_id)
        if hold is not None and not hold.feed.closed:
            return hold
        if hold is not None:
            self._let_go(camera_id)
        self._starting.add(camera_id)
        try:
            feed = await self._sources.acquire(camera_id, StreamRole.MAIN)
        finally:
            self._starting.discard(camera_id)
        if self.stopped():  # stop() ran while the feed was starting
            self._sources.release(feed)
            raise LiveSourceUnavailableError("Live video is shutting down.")
        existing = self._holds.get(camera_id)
        if existing is not None:  # another still held it meanwhile
            self._sources.release(feed)
            return existing
        hold = _Hold(feed, time.monotonic())
        self._holds[camera_id] = hold
        self._relay_of(feed)  # start reading now: the keyframe may already be on its way
        hold.watcher = self._spawn(self._watch(camera_id, hold), f"live stills {camera_id} linger")
        logger.info("Live stills of camera %d: main stream held", camera_id)
        return hold

    async def _watch(self, camera_id: int, hold: _Hold) -> None:
        """Let the feed go `linger_s` after the last still, once nobody watches the camera."""
        while not hold.feed.closed:
            await asyncio.sleep(_WATCH_S)
            if self._viewed_by_others(camera_id) or self._pinned(camera_id):
                hold.last_used_s = time.monotonic()
            elif time.monotonic() - hold.last_used_s >= self.linger_s and not hold.lock.locked():
                break
        hold.watcher = None
        if self._holds.get(camera_id) is hold:
            self._let_go(camera_id)
            logger.info("Live stills of camera %d: main stream let go", camera_id)

    def _viewed_by_others(self, camera_id: int) -> bool:
        if not self._warm_while_viewed:
            return False
        viewers = sum(feed.viewers for feed in self._sources.feeds() if feed.camera_id == camera_id)
        return viewers > 1  # one of them is this hold

    def _let_go(self, camera_id: int) -> None:
        hold = self._holds.pop(camera_id, None)
        if hold is None:
            return
        if hold.watcher is not None:
            hold.watcher.cancel()
        self._sources.release(hold.feed)

    # -- the picture --------------------------------------------------------------------------------------

    async def _fresh_gop(self, hold: _Hold) -> CachedGop:
        """The relay's GOP once it holds a frame younger than `max_age_s`, or the error an operator sees."""
        deadline = time.monotonic() + self._first_frame_timeout_s
        while True:
            if hold.feed.closed:
                raise LiveSourceUnavailableError("Live video of this camera stopped.")
            gop = self._relay_of(hold.feed).cached_gop()
            if (
                gop is not None
                and time.time() * 1000 - gop.newest_arrival_ms <= self._max_age_s * 1000
            ):
                return gop
            if time.monotonic() >= deadline:
                raise LiveSourceUnavailableError(
                    "The camera sent no picture in the last "
                    f"{self._first_frame_timeout_s:g} s. Check that it is online, then try again."
                )
            await asyncio.sleep(_POLL_S)

    def _spawn(self, coro: Coroutine[object, object, None], name: str) -> asyncio.Task[None]:
        task = asyncio.create_task(coro, name=name)
        self._tasks.add(task)
        task.add_done_callback(self._on_task_done)
        return task

    def _on_task_done(self, task: asyncio.Task[None]) -> None:
        self._tasks.discard(task)
        with contextlib.suppress(asyncio.CancelledError):
            if (error := task.exception()) is not None:
                logger.error("%s failed", task.get_name(), exc_info=error)
