"""WhepSession: one camera stream over WHEP (httpx + aiortc), decoded and scaled into a latest-frame slot."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import urljoin, urlsplit

import httpx
from aiortc import (
    RTCConfiguration,
    RTCPeerConnection,
    RTCRtpReceiver,
    RTCRtpTransceiver,
    RTCSessionDescription,
)
from aiortc.stats import RTCInboundRtpStreamStats, RTCTransportStats

from backend_embed.api import LiveEndpoint, redact
from vas_console.media.decode_pool import ReceiverDecoder
from vas_console.media.frames import LatestFrameSlot
from vas_console.media.ice import restrict_ice_addresses
from vas_console.media.live import (
    Backoff,
    LiveFrame,
    LiveState,
    LiveStats,
    LiveStatus,
    SessionFactory,
    StatusCallback,
)
from vas_console.media.picture_sink import CaptureProbe, PictureSink
from vas_console.media.receiver_tuning import add_tuned_video_receiver
from vas_console.media.whep_http import new_client

logger = logging.getLogger(__name__)

_PERMANENT_HTTP = frozenset({401, 403, 404, 410})
#: how long a finished attempt waits for its decode thread to end (it ends with the receiver)
_DECODER_JOIN_S = 2.0


class WhepError(Exception):
    """An attempt failed for a reason the operator can read; `permanent` ones show the tile offline at once."""

    def __init__(self, reason: str, *, permanent: bool = False) -> None:
        super().__init__(reason)
        self.reason = reason
        self.permanent = permanent


@dataclass(frozen=True, slots=True)
class WhepOptions:
    """How a session connects, waits and retries.

    Attributes:
        ice_addresses: gather ICE candidates only on these addresses (empty: every interface).
        offline_after: consecutive failed attempts after which the state is OFFLINE (still retrying).
        first_frame_timeout_s: how long an attempt may wait for its first frame (a passthrough stream
            without a GOP cache starts at the camera's next keyframe).
        stall_timeout_s: how long a live stream may go without a frame before it is reconnected.
        capture_probe: reads the capture time from a frame, at most every `probe_interval_s`, for the
            latency figure (benchmarks use the simulated cameras' timestamp code).
    """

    ice_addresses: tuple[str, ...] = ()
    backoff: Backoff = field(default_factory=Backoff)
    offline_after: int = 4
    first_frame_timeout_s: float = 10.0
    stall_timeout_s: float = 4.0
    http_timeout_s: float = 5.0
    stats_interval_s: float = 1.0
    capture_probe: CaptureProbe | None = None
    probe_interval_s: float = 1.0


class WhepSession:
    """Plays one WHEP resource into `slot` until `close()`, reconnecting with backoff and jitter.

    Runs entirely on the worker loop: `start()` and `close()` must be awaited there (from the GUI, through
    `LoopThread.call`). `on_status` is called on the worker thread with every state change; it must not
    block (post to the GUI thread). `slot`, `stats()`, `status` and `set_output_size()` are safe from any
    thread. Failures of an attempt become a RECONNECTING or OFFLINE status with a reason, never an
    exception; a bug in one attempt is logged with its traceback and retried like a failure.

    `bearer_token` (the recorder's access token, `LiveEndpoint.bearer_token`) goes with the POST, and
    with the DELETE when the session lives on the same origin; it is never logged. A 401 shows the
    tile OFFLINE at once ("not authorised by the recorder"), retried with the usual backoff.
    """

    def __init__(
        self,
        whep_url: str,
        output_size: tuple[int, int],
        on_status: StatusCallback,
        options: WhepOptions | None = None,
        rng: random.Random | None = None,
        *,
        bearer_token: str,
    ) -> None:
        self._url = whep_url
        # empty: send none ("Bearer " with nothing after it is not a valid header value)
        self._auth = {"Authorization": f"Bearer {bearer_token}"} if bearer_token else {}
        self._on_status = on_status
        self._options = options or WhepOptions()
        self._rng = rng or random.Random()
        self._pictures = PictureSink(
            output_size, self._options.capture_probe, self._options.probe_interval_s
        )
        self.slot: LatestFrameSlot[LiveFrame] = self._pictures.slot
        self._stats = LiveStats()
        self._status = LiveStatus(LiveState.CONNECTING)
        self._task: asyncio.Task[None] | None = None
        self._http: httpx.AsyncClient | None = None
        self.resource_url: str | None = None
        self.attempts = 0

    @property
    def status(self) -> LiveStatus:
        return self._status

    def stats(self) -> LiveStats:
        return self._stats

    @property
    def frames_skipped(self) -> int:
        """Decoded frames not scaled: more newer ones waited than the slot holds (the console was behind)."""
        return self._pictures.skipped

    def set_output_size(self, width: int, height: int) -> None:
        """Scale the next frames to fit `width` x `height` device pixels (aspect kept)."""
        self._pictures.set_output_size(width, height)

    async def start(self) -> None:
        """Start connecting in the background. Must be awaited on the worker loop, once."""
        if self._task is not None:
            raise RuntimeError("session already started")
        self._task = asyncio.get_running_loop().create_task(self._run(), name=f"whep {self._url}")

    async def close(self) -> None:
        """Stop: end the WHEP session (DELETE), close the peer connection and report CLOSED."""
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            await asyncio.wait({task})
        if self._http is not None:
            await self._http.aclose()
            self._http = None
        self._report(LiveStatus(LiveState.CLOSED))

    def _report(self, status: LiveStatus) -> None:
        self._status = status
        self._on_status(status)

    async def _run(self) -> None:
        try:
            self._http = await new_client(self._options.http_timeout_s)
        # (certifi's bundle unreadable): say so on the tile, not "connecting" forever
        except Exception:
            logger.exception("Live %s: no HTTP client", redact(self._url))
            self._report(LiveStatus(LiveState.OFFLINE, "internal error (see the log)"))
            return
        failures = 0
        while True:
            self.attempts += 1
            self._report(LiveStatus(LiveState.CONNECTING, self._status.reason))
            permanent = False
            try:
                await self._attempt()
                reason = "the stream ended"
            except WhepError as exc:
                reason, permanent = exc.reason, exc.permanent
            except Exception:  # a bug in one attempt must not end the tile's video for good
                logger.exception("Live session %s failed unexpectedly", redact(self._url))
                reason = "internal error (see the log)"
            went_live = self._status.state is LiveState.LIVE
            failures = 1 if went_live else failures + 1
            delay = self._options.backoff.delay(failures, self._rng)
            offline = permanent or failures >= self._options.offline_after
            state = LiveState.OFFLINE if offline else LiveState.RECONNECTING
            logger.info("Live %s: %s; retrying in %.1f s", redact(self._url), reason, delay)
            self._report(LiveStatus(state, reason, delay))
            await asyncio.sleep(delay)

    async def _attempt(self) -> None:
        """One connection, from the offer to the end of the stream."""
        pc = RTCPeerConnection(RTCConfiguration(iceServers=[]))
        resource: str | None = None
        signals = _Signals(asyncio.get_running_loop())
        decoder = ReceiverDecoder(self._pictures.on_picture, signals.post_end, redact(self._url))
        try:
            transceiver = add_tuned_video_receiver(pc)
            decoder.attach(transceiver.receiver)
            _prefer_h264(transceiver)
            restrict_ice_addresses(pc, self._options.ice_addresses)
            await pc.setLocalDescription(await pc.createOffer())
            answer, resource = await self._post_offer(pc.localDescription.sdp)
            self.resource_url = resource
            try:
                await pc.setRemoteDescription(RTCSessionDescription(sdp=answer, type="answer"))
            except ValueError as exc:
                raise WhepError(f"the recorder sent an invalid answer ({exc})") from exc
            await self._receive(transceiver.receiver, signals)
        finally:
            await self._teardown(pc, resource)
            if not await asyncio.to_thread(decoder.join, _DECODER_JOIN_S):
                logger.warning("Live %s: the decode thread did not end", redact(self._url))

    async def _post_offer(self, offer: str) -> tuple[str, str | None]:
        assert self._http is not None
        try:
            response = await self._http.post(
                self._url, content=offer, headers={"Content-Type": "application/sdp", **self._auth}
            )
        except httpx.HTTPError as exc:
            raise WhepError(f"recorder unreachable ({type(exc).__name__})") from exc
        if response.status_code == 401:
            raise WhepError(_unauthorised_reason(response), permanent=True)
        if response.status_code not in (200, 201):
            detail = redact(response.text.strip()[:120]) or response.reason_phrase
            raise WhepError(
                f"recorder refused: {response.status_code} {detail}",
                permanent=response.status_code in _PERMANENT_HTTP,
            )
        location = response.headers.get("location")
        return response.text, urljoin(self._url, location) if location else None

    async def _teardown(self, pc: RTCPeerConnection, resource: str | None) -> None:
        if resource is not None and self._http is not None:
            # the token is for the endpoint's origin only: a Location elsewhere does not get it
            headers = self._auth if _same_origin(resource, self._url) else {}
            try:
                response = await self._http.delete(resource, headers=headers, timeout=2.0)
            except httpx.HTTPError as exc:
                logger.debug("DELETE %s failed: %r", redact(resource), exc)
            else:
                if response.status_code == 401:
                    logger.info("DELETE %s refused (401): the recorder ends it when ICE stops",
                                redact(resource))  # fmt: skip
        await pc.close()

    async def _receive(self, receiver: RTCRtpReceiver, signals: _Signals) -> None:
        """Watch the attempt's pictures (they go from the decode thread to the slot): LIVE, a stall, the end."""
        stats_task = asyncio.get_running_loop().create_task(
            self._poll_stats(receiver), name=f"whep stats {self._url}"
        )
        started = time.monotonic()
        try:
            self._pictures.notify_next(signals.post_picture)
            timeout = self._options.first_frame_timeout_s
            if not await signals.wait(timeout):
                raise WhepError(f"no video for {timeout:g} s")
            logger.info(
                "Live %s: first frame after %.0f ms",
                redact(self._url),
                (time.monotonic() - started) * 1000,
            )
            self._report(LiveStatus(LiveState.LIVE))
            stall = self._options.stall_timeout_s
            while True:
                last = self._pictures.last_picture_s or started
                quiet = time.monotonic() - last
                if quiet >= stall:
                    raise WhepError(f"no video for {stall:g} s")
                await signals.wait(stall - quiet)
        finally:
            stats_task.cancel()
            await asyncio.wait({stats_task})

    async def _poll_stats(self, receiver: RTCRtpReceiver) -> None:
        last_bytes: int | None = None
        last_time = time.monotonic()
        while True:
            await asyncio.sleep(self._options.stats_interval_s)
            report = await receiver.getStats()
            received = sum(
                s.bytesReceived for s in report.values() if isinstance(s, RTCTransportStats)
            )
            inbound = [s for s in report.values() if isinstance(s, RTCInboundRtpStreamStats)]
            now = time.monotonic()
            bitrate = None
            if last_bytes is not None and now > last_time:
                bitrate = (received - last_bytes) * 8 / (now - last_time)
            last_bytes, last_time = received, now
            self._stats = LiveStats(
                fps=self._pictures.fps(),
                bitrate_bps=bitrate,
                latency_ms=self._pictures.latency_ms,
                frames=self._pictures.sequence,
                source_size=_source_size(self.slot.peek()),
                packets_received=sum(s.packetsReceived for s in inbound),
                packets_lost=sum(s.packetsLost for s in inbound),
            )


class _Signals:
    """What an attempt's decode thread tells the worker loop: its first picture, and the end of the stream."""

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self._loop = loop
        self._wake = asyncio.Event()
        self.ended = False

    def post_picture(self) -> None:
        """From the decode thread: a picture was stored."""
        self._post(self._wake.set)

    def post_end(self) -> None:
        """From the decode thread: the receiver stopped (the recorder ended the stream, or BYE)."""
        self._post(self._end)

    async def wait(self, timeout_s: float) -> bool:
        """Wait up to `timeout_s` for news: True for a picture, False for none.

        Raises:
            WhepError: the stream ended.
        """
        # asyncio.timeout, not wait_for: on 3.11 wait_for can swallow a cancellation (gh-86296)
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(timeout_s):
                await self._wake.wait()
        if self.ended:
            raise WhepError("the recorder ended the stream")
        woken = self._wake.is_set()
        self._wake.clear()
        return woken

    def _end(self) -> None:
        self.ended = True
        self._wake.set()

    def _post(self, callback: Callable[[], None]) -> None:
        with contextlib.suppress(RuntimeError):  # the loop closed: nobody is waiting any more
            self._loop.call_soon_threadsafe(callback)


def _prefer_h264(transceiver: RTCRtpTransceiver) -> None:
    capabilities = RTCRtpReceiver.getCapabilities("video")
    if capabilities is None:
        return
    codecs = capabilities.codecs
    h264 = [c for c in codecs if c.mimeType.lower() == "video/h264"]
    rest = [c for c in codecs if c.mimeType.lower() != "video/h264"]
    with contextlib.suppress(ValueError):
        transceiver.setCodecPreferences(h264 + rest)


def _unauthorised_reason(response: httpx.Response) -> str:
    """The tile's reason for a 401: a refused token and a missing one call for different fixes."""
    challenge = response.headers.get("www-authenticate", "")
    if "invalid_token" in challenge:
        return "not authorised by the recorder (it refused this console's live-video token)"
    return "not authorised by the recorder (it wants a live-video token)"


def _same_origin(url: str, other: str) -> bool:
    a, b = urlsplit(url), urlsplit(other)
    return (a.scheme, a.hostname, a.port) == (b.scheme, b.hostname, b.port)


def _source_size(frame: LiveFrame | None) -> tuple[int, int] | None:
    return None if frame is None else (frame.source_width, frame.source_height)


def whep_session_factory(options: WhepOptions | None = None) -> SessionFactory:
    """A `SessionFactory` building `WhepSession`s with `options` (e.g. ICE restricted to 127.0.0.1)."""

    def make(
        endpoint: LiveEndpoint, output_size: tuple[int, int], on_status: StatusCallback
    ) -> WhepSession:
        return WhepSession(
            endpoint.whep_url, output_size, on_status, options, bearer_token=endpoint.bearer_token
        )

    return make
