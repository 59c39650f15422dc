"""LiveSources: per camera stream, one loopback MPEG-TS H.264 source for live viewers, fed by the one ingest.

The camera sees one RTSP session per stream whatever the number of viewers, and a codec WebRTC viewers
cannot take is encoded once per stream, never once per viewer (`choose_route`; docs/live.md, "Routes").
A feed is reference-counted by its viewers and closed `idle_grace_s` after the last one left (a viewer who
comes back meanwhile finds it warm). Routes are re-checked every `reconcile_interval_s`, so a feed follows
a recorder that starts or stops.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Coroutine, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Final

from backend_embed.api.dto import StreamRole
from backend_embed.api.errors import BackendError, NotFoundError
from backend_embed.api.media import LiveCodecPath
from backend_embed.ffmpeg.command import (
    DEFAULT_LIVE_GOP_S,
    RestreamCommand,
    restream_source_url,
)
from backend_embed.streams.controller import TRANSCODED_CODECS, StreamUrl, free_udp_port
from backend_embed.streams.restreamer import Restreamer

logger = logging.getLogger(__name__)

RecorderPort = Callable[[int, StreamRole], int | None]
CodecOf = Callable[[int, StreamRole], str | None]
AcquireListener = Callable[["LiveFeed"], None]

#: codecs a WebRTC viewer takes as they are (Chromium and aiortc decode H.264, not H.265)
PASSTHROUGH_CODECS: Final = frozenset({"h264"})
DEFAULT_IDLE_GRACE_S: Final = 30.0
DEFAULT_RECONCILE_INTERVAL_S: Final = 2.0


class LiveSourceUnavailableError(BackendError):
    """The stream cannot be served live now (its codec is not known yet, or the service is stopping)."""


class RouteKind(StrEnum):
    """Where a live feed's H.264 comes from."""

    RECORDER = "recorder restream"
    RESTREAM = "live-only copy"
    ENCODE_CAMERA = "live-only encode of the camera"
    ENCODE_RECORDER = "encode of the recorder restream"


@dataclass(frozen=True, slots=True)
class Route:
    """One feed's route; `recorder_port` is set for the routes that read the recorder's restream."""

    kind: RouteKind
    recorder_port: int | None = None

    @property
    def runs_ffmpeg(self) -> bool:
        return self.kind is not RouteKind.RECORDER

    @property
    def encodes(self) -> bool:
        return self.kind in (RouteKind.ENCODE_CAMERA, RouteKind.ENCODE_RECORDER)


def normalise_codec(codec: str) -> str:
    """ffprobe's codec name in lower case; "h265" is spelt "hevc" as ffprobe does."""
    name = codec.strip().lower()
    return "hevc" if name == "h265" else name


def choose_route(codec: str, recorder_port: int | None) -> Route:
    """The route of a live feed. Pure.

    Recorded H.264 (or MJPEG, which the recorder encodes): the recorder's restream, no extra process.
    Recorded H.265 or other: one encoder reading the recorder's restream (not the camera: one session).
    Not recorded: one live-only ffmpeg reading the camera, copying H.264, encoding anything else.

    Args:
        codec: the stream's codec from the camera's probe (ffprobe's name).
        recorder_port: the restream port of the recorder holding this stream, or None.
    """
    name = normalise_codec(codec)
    if recorder_port is not None:
        # the recorder copies H.264 and already encodes MJPEG to H.264 (streams.controller)
        if name in PASSTHROUGH_CODECS or name in TRANSCODED_CODECS:
            return Route(RouteKind.RECORDER, recorder_port)
        return Route(RouteKind.ENCODE_RECORDER, recorder_port)
    if name in PASSTHROUGH_CODECS:
        return Route(RouteKind.RESTREAM)
    return Route(RouteKind.ENCODE_CAMERA)


def codec_path(codec: str) -> LiveCodecPath:
    """Whether viewers get the camera's own H.264 or an H.264 encoded once for them."""
    if normalise_codec(codec) in PASSTHROUGH_CODECS:
        return LiveCodecPath.PASSTHROUGH
    return LiveCodecPath.TRANSCODED


class LiveFeed:
    """One camera stream's live source on 127.0.0.1, shared by all of its viewers.

    Created and changed by `LiveSources` only; readers use `url` (a UDP URL to bind and read MPEG-TS
    H.264 from; it changes when the route does, so read it again whenever the source is reopened).
    """

    def __init__(
        self,
        camera_id: int,
        stream: StreamRole,
        codec: str,
        own_port: int,
        source: tuple[str, Sequence[str]],
    ) -> None:
        self.camera_id = camera_id
        self.stream = stream
        self.codec = codec
        self.own_port = own_port
        self.input_url, self.secrets = source  # the URL holds credentials: never logged
        self.route: Route | None = None
        self.viewers = 0
        self.restreamer: Restreamer | None = None
        self.linger: asyncio.Task[None] | None = None
        self._closed = asyncio.Event()

    def __repr__(self) -> str:
        return f"LiveFeed({self.name}, {self.route}, viewers={self.viewers})"

    @property
    def name(self) -> str:
        return f"live {self.camera_id}/{self.stream.value}"

    @property
    def url(self) -> str:
        """Where the feed's H.264 arrives now (for a single reader; safe to read from another thread)."""
        route = self.route
        if route is not None and route.kind is RouteKind.RECORDER and route.recorder_port:
            return restream_source_url(route.recorder_port)
        return restream_source_url(self.own_port)

    @property
    def ffmpeg_pid(self) -> int | None:
        """The process id of this feed's own ffmpeg while one runs (None on the recorder route)."""
        return self.restreamer.pid if self.restreamer is not None else None

    @property
    def closed(self) -> bool:
        return self._closed.is_set()

    async def wait_closed(self) -> None:
        await self._closed.wait()

    def mark_closed(self) -> None:
        self._closed.set()


class LiveSources:
    """Gives live viewers one shared loopback source per camera stream (see the module docstring).

    All methods run on the backend's loop (the loop that owns the recorders: see FfmpegProcess).
    """

    def __init__(
        self,
        *,
        stream_url: StreamUrl,
        recorder_port: RecorderPort,
        codec_of: CodecOf,
        idle_grace_s: float = DEFAULT_IDLE_GRACE_S,
        ffmpeg: str = "ffmpeg",
        gop_s: float = DEFAULT_LIVE_GOP_S,
        reconcile_interval_s: float = DEFAULT_RECONCILE_INTERVAL_S,
        port_allocator: Callable[[], int] = free_udp_port,
        on_acquire: AcquireListener | None = None,
    ) -> None:
        """Describe the sources; nothing runs until a feed is acquired.

        Args:
            stream_url: the stream's URL with credentials and the secrets to redact; raises
                `NotFoundError` for a camera that does not exist.
            recorder_port: the restream port of the recorder that records this camera stream, or None.
            codec_of: the stream's codec from the camera's last probe, or None if not probed yet.
            idle_grace_s: how long a feed outlives its last viewer.
            ffmpeg: the ffmpeg executable for live-only restreams.
            gop_s: keyframe interval of the shared encoder.
            reconcile_interval_s: how often routes are re-checked against the recorders.
            port_allocator: returns a free UDP port on 127.0.0.1.
            on_acquire: told of every `acquire` (the feed, its viewer counted), on the loop, under the
                sources' lock: it must not block nor acquire (snapshots use it to warm a main stream).
        """
        self._stream_url = stream_url
        self._recorder_port = recorder_port
        self._codec_of = codec_of
        self.idle_grace_s = idle_grace_s
        self._ffmpeg = ffmpeg
        self._gop_s = gop_s
        self._reconcile_interval_s = reconcile_interval_s
        self._port_allocator = port_allocator
        self._on_acquire = on_acquire
        self._feeds: dict[tuple[int, StreamRole], LiveFeed] = {}
        self._tasks: set[asyncio.Task[None]] = set()
        self._reconciler: asyncio.Task[None] | None = None
        self._lock = asyncio.Lock()
        self._stopped = False

    def feeds(self) -> list[LiveFeed]:
        """The open feeds (for diagnostics and tests)."""
        return list(self._feeds.values())

    def codec_path(self, camera_id: int, stream: StreamRole) -> LiveCodecPath:
        """How this stream would reach viewers.

        Raises:
            LiveSourceUnavailableError: the stream's codec is not known yet.
        """
        return codec_path(self._known_codec(camera_id, stream))

    async def acquire(self, camera_id: int, stream: StreamRole) -> LiveFeed:
        """Count one more viewer of a stream and return its feed, starting it if needed.

        Every `acquire` must be paired with one `release`.

        Raises:
            NotFoundError: no such camera (from `stream_url`).
            LiveSourceUnavailableError: the codec is not known yet, or the sources are stopped.
        """
        async with self._lock:
            if self._stopped:
                raise LiveSourceUnavailableError("Live video is shutting down.")
            # a running feed is joined without a database lookup: a wall's tiles arrive together and wait
            # on this lock (a removed or changed camera's feeds are closed by `refresh_camera`)
            feed = self._feeds.get((camera_id, stream))
            if feed is None:
                source = await self._stream_url(camera_id, stream)
                codec = self._known_codec(camera_id, stream)
                feed = LiveFeed(camera_id, stream, codec, self._port_allocator(), source)
                self._feeds[camera_id, stream] = feed
                await self._apply_route(feed, self._route_of(feed))
                self._ensure_reconciler()
            elif feed.linger is not None:
                feed.linger.cancel()
                feed.linger = None
            feed.viewers += 1
            if self._on_acquire is not None:
                self._on_acquire(feed)
            return feed

    def release(self, feed: LiveFeed) -> None:
        """One viewer of `feed` left; the feed closes `idle_grace_s` after the last one. Never blocks."""
        if feed.closed or feed.viewers <= 0:
            logger.debug("%s released more often than acquired", feed.name)
            return
        feed.viewers -= 1
        if feed.viewers == 0 and not self._stopped:
            feed.linger = self._spawn(self._linger(feed), f"{feed.name} linger")

    async def reconcile(self) -> None:
        """Move every feed whose route changed (a recorder started or stopped, a codec changed)."""
        async with self._lock:
            for feed in list(self._feeds.values()):
                codec = self._codec_of(feed.camera_id, feed.stream)
                if codec is not None:
                    feed.codec = codec
                route = self._route_of(feed)
                if route != feed.route:
                    await self._apply_route(feed, route)

    async def refresh_camera(self, camera_id: int) -> None:
        """The camera changed or was removed: close its feeds whose stream is gone or now reached at another
        URL or with other credentials. Their viewers' sessions end, and they reconnect to the camera as it
        is now (or learn it is gone)."""
        async with self._lock:
            for feed in [f for f in self._feeds.values() if f.camera_id == camera_id]:
                try:
                    url, secrets = await self._stream_url(camera_id, feed.stream)
                except NotFoundError:
                    why = "the camera or its stream was removed"
                else:
                    if (url, tuple(secrets)) == (feed.input_url, tuple(feed.secrets)):
                        continue
                    why = "the camera's address or credentials changed"
                logger.info("Live feed %s: closing, %s", feed.name, why)
                await self._close(feed)

    async def stop(self) -> None:
        """Close every feed at once (their ffmpeg is stopped and reaped) and end the background tasks."""
        self._stopped = True
        tasks = [*self._tasks, *([self._reconciler] if self._reconciler else [])]
        for task in tasks:
            task.cancel()
        if tasks:
            await asyncio.wait(tasks)
        self._reconciler = None
        async with self._lock:
            for feed in list(self._feeds.values()):
                await self._close(feed)

    # -- internals ---------------------------------------------------------------------------------------

    def _known_codec(self, camera_id: int, stream: StreamRole) -> str:
        codec = self._codec_of(camera_id, stream)
        if not codec:
            raise LiveSourceUnavailableError(
                "The camera has not been reached yet, so its video format is unknown. Try again shortly."
            )
        return codec

    def _route_of(self, feed: LiveFeed) -> Route:
        return choose_route(feed.codec, self._recorder_port(feed.camera_id, feed.stream))

    async def _apply_route(self, feed: LiveFeed, route: Route) -> None:
        if feed.restreamer is not None:
            await feed.restreamer.stop()
            feed.restreamer = None
        feed.route = route
        if route.runs_ffmpeg:
            source = (
                restream_source_url(route.recorder_port)
                if route.recorder_port is not None
                else feed.input_url
            )
            command = RestreamCommand(
                input_url=source,
                output_port=feed.own_port,
                transcode=route.encodes,
                gop_s=self._gop_s,
                ffmpeg=self._ffmpeg,
            )
            feed.restreamer = Restreamer(command, secrets=feed.secrets, name=feed.name)
            feed.restreamer.start()
        logger.info("Live feed %s: %s", feed.name, route.kind.value)

    async def _linger(self, feed: LiveFeed) -> None:
        await asyncio.sleep(self.idle_grace_s)
        async with self._lock:
            if feed.viewers == 0 and not feed.closed:
                logger.info("Live feed %s idle for %g s: closing", feed.name, self.idle_grace_s)
                await self._close(feed)

    async def _close(self, feed: LiveFeed) -> None:
        key = (feed.camera_id, feed.stream)
        if self._feeds.get(key) is feed:
            del self._feeds[key]
        try:
            if feed.restreamer is not None:
                await feed.restreamer.stop()
                feed.restreamer = None
        finally:
            feed.mark_closed()

    def _ensure_reconciler(self) -> None:
        if self._reconciler is None:
            self._reconciler = asyncio.create_task(self._reconcile_forever(), name="live reconcile")

    async def _reconcile_forever(self) -> None:
        while True:
            await asyncio.sleep(self._reconcile_interval_s)
            try:
                await self.reconcile()
            except Exception:  # the task's boundary: keep following the recorders
                logger.exception("Re-checking the live feeds failed")

    def _spawn(self, coro: Coroutine[object, object, None], name: str) -> asyncio.Task[None]:
        task = asyncio.create_task(coro, name=name)
        self._tasks.add(task)
        task.add_done_callback(self._on_task_done)
        return task

    def _on_task_done(self, task: asyncio.Task[None]) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and (error := task.exception()) is not None:
            logger.error("%s failed", task.get_name(), exc_info=error)
