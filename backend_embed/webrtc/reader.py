"""PacketReader: demuxes a loopback MPEG-TS restream in its own thread into encoded H.264 frames, never decoding."""

from __future__ import annotations

import asyncio
import fractions
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Final

import av
import av.container

logger = logging.getLogger(__name__)

#: RTP's video clock, and MPEG-TS's: packets keep their 90 kHz timestamps end to end
VIDEO_CLOCK_HZ: Final = 90_000
VIDEO_TIME_BASE: Final = fractions.Fraction(1, VIDEO_CLOCK_HZ)
#: a silent source is reopened after this long (it also bounds how long `stop()` waits for the thread)
DEFAULT_READ_TIMEOUT_S: Final = 1.0
#: No parser (`noparse`, which needs `nofillin`): libavformat's H.264 parser re-frames the stream and can
#: end an access unit only when the next one starts, one frame interval (40 ms at 25 fps) on every frame.
#: The recorder's ffmpeg writes one PES per access unit with its length (`RESTREAM_MUX_OPTIONS`), so a PES
#: is a whole frame already; keyframes are found here (`_is_keyframe`). And no probing: without a parser
#: libavformat cannot learn the picture size, so it read on to the probe size (32 KB, a second of a sub
#: stream) and then delivered that second at once (a browser dropped frames over it). The PMT's stream
#: type, all the reader needs, comes with the first packets.
_OPEN_OPTIONS: Final = {
    "probesize": "32",
    "analyzeduration": "0",
    "fflags": "+noparse+nofillin",
}
#: H.264 NAL unit types (ITU-T H.264 table 7-1): a slice of a non-IDR picture, a slice of an IDR picture
_NAL_SLICE: Final = 1
_NAL_IDR_SLICE: Final = 5
_RETRY_DELAY_S: Final = 0.2
_PASSTHROUGH_CODEC: Final = "h264"


@dataclass(frozen=True, slots=True)
class EncodedFrame:
    """One access unit of H.264 as demuxed (Annex B, SPS/PPS in front of keyframes), with a 90 kHz pts."""

    data: bytes
    pts: int
    keyframe: bool


FrameHandler = Callable[[EncodedFrame], None]


class PacketReader:
    """Reads one loopback restream in a dedicated thread and hands each H.264 frame to the loop.

    Why a thread of its own and not aiortc's `MediaPlayer(decode=False)`: the player opens its container on
    the event loop (blocking until the stream's first keyframe), its worker thread blocks in a read that
    has no timeout (so stopping it while the camera is away hangs the loop in `join()`), and it ends for
    good when the source pauses. This reader opens and reads with timeouts, reopens after silence (the
    ingest reconnecting, or the source moving to another port), and asks `url()` for the source on every
    open. The default executor is not used: one blocked reader per camera stream would exhaust it.

    `on_frame` is called on the loop given to `start()`, in order, and must not block.
    """

    def __init__(
        self,
        url: Callable[[], str],
        on_frame: FrameHandler,
        *,
        name: str,
        read_timeout_s: float = DEFAULT_READ_TIMEOUT_S,
        on_open: Callable[[], None] | None = None,
    ) -> None:
        """Describe the reader; nothing runs until `start()`.

        Args:
            url: returns the restream's current URL (`restream_source_url`); called from the thread, so it
                must only read an attribute.
            on_frame: receives every H.264 frame on the loop.
            name: how logs and the thread name this reader.
            read_timeout_s: silence after which the source is reopened.
            on_open: called on the loop each time the source was (re)opened, before its frames.
        """
        self._url = url
        self._on_frame = on_frame
        self._on_open = on_open
        self._name = name
        self._read_timeout_s = read_timeout_s
        self._quit = threading.Event()
        self._thread: threading.Thread | None = None
        self._finished: asyncio.Future[None] | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self.frames = 0
        self.opens = 0

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def start(self) -> None:
        """Start the thread. Must be called on the loop that receives frames; only once."""
        if self._thread is not None:
            raise RuntimeError(f"{self._name} was already started")
        self._loop = asyncio.get_running_loop()
        self._finished = self._loop.create_future()
        self._thread = threading.Thread(target=self._run, name=self._name, daemon=True)
        self._thread.start()

    async def stop(self) -> None:
        """Ask the thread to end and wait for it (at most about one read timeout). Safe to call twice."""
        self._quit.set()
        finished = self._finished
        if finished is not None:
            await asyncio.shield(finished)

    # -- the thread --------------------------------------------------------------------------------------

    def _run(self) -> None:
        try:
            while not self._quit.is_set():
                if not self._read_once():
                    self._quit.wait(_RETRY_DELAY_S)
        except Exception:  # the thread's boundary: report it, the owner still sees the end
            logger.exception("%s crashed", self._name)
        finally:
            self._post(self._set_finished)

    def _read_once(self) -> bool:
        """Open the source and forward frames until silence or quit; False if nothing could be read."""
        url = self._url()
        try:
            container = av.open(
                url,
                format="mpegts",
                options=dict(_OPEN_OPTIONS),
                timeout=(self._read_timeout_s, self._read_timeout_s),
            )
        except (av.FFmpegError, OSError) as exc:
            logger.debug("%s: no stream yet (%s)", self._name, exc)
            return False
        self.opens += 1
        with container:
            return self._demux(container)

    def _demux(self, container: av.container.InputContainer) -> bool:
        if not container.streams.video:
            logger.warning("%s: the restream carries no video", self._name)
            return False
        stream = container.streams.video[0]
        codec = stream.codec_context.name
        if codec != _PASSTHROUGH_CODEC:
            # the source decides the route; a wrong codec here is a bug there, retried until fixed
            logger.error("%s: the restream carries %s, not H.264", self._name, codec)
            return False
        time_base = stream.time_base or VIDEO_TIME_BASE
        logger.debug("%s: reading %s (%s)", self._name, codec, stream.codec_context.profile)
        self._post(self._opened)
        try:
            for packet in container.demux(stream):
                if self._quit.is_set():
                    break
                if packet.pts is None or packet.size == 0:
                    continue
                pts = round(packet.pts * time_base * VIDEO_CLOCK_HZ)
                data = bytes(packet)
                frame = EncodedFrame(data, pts, packet.is_keyframe or _is_keyframe(data))
                self._post(self._deliver, frame)
        except (av.FFmpegError, OSError) as exc:  # silence past the timeout, or a broken stream
            logger.debug("%s: source went quiet or broke (%s); reopening", self._name, exc)
        return True

    def _post(self, callback: Callable[..., None], *args: object) -> None:
        loop = self._loop
        if loop is None or loop.is_closed():
            return
        try:
            loop.call_soon_threadsafe(callback, *args)
        except RuntimeError:  # the loop closed meanwhile: nobody is left to receive
            self._quit.set()

    # -- back on the loop -------------------------------------------------------------------------------

    def _deliver(self, frame: EncodedFrame) -> None:
        if self._quit.is_set():
            return
        self.frames += 1
        self._on_frame(frame)

    def _opened(self) -> None:
        if self._on_open is not None and not self._quit.is_set():
            self._on_open()

    def _set_finished(self) -> None:
        if self._finished is not None and not self._finished.done():
            self._finished.set_result(None)


def _is_keyframe(access_unit: bytes) -> bool:
    """Whether an Annex B H.264 access unit is an IDR picture: its first slice NAL unit says so.

    Looks at the NAL headers up to the first slice only (a few `find`s in C per frame).
    """
    position = access_unit.find(b"\x00\x00\x01")
    while position >= 0 and position + 3 < len(access_unit):
        nal_type = access_unit[position + 3] & 0x1F
        if nal_type == _NAL_IDR_SLICE:
            return True
        if (
            _NAL_SLICE <= nal_type < _NAL_IDR_SLICE
        ):  # another picture's slice (or a partition of one)
            return False
        position = access_unit.find(b"\x00\x00\x01", position + 3)
    return False
