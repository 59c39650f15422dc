"""Tune aiortc's video receiver for passed-through live video: frames go at their marker, no REMB.

**Frames at their marker.** aiortc's `JitterBuffer` (1.x) reassembles a frame only once a packet with the *next* RTP timestamp
arrives: every frame waits for the first packet of the one after it, one frame interval (40 ms at 25 fps)
of latency on every picture. The sender marks the last packet of each frame (RFC 6184 §5.1 for H.264,
aiortc's sender and browsers do), so a frame whose packets are all present up to the marked one is
complete and can go at once. `MarkerJitterBuffer` does that and keeps aiortc's behaviour for everything
else (loss, reordering, a frame without a marker).

**No bandwidth estimation.** aiortc's receiver runs a remote bitrate estimator on every packet and sends
a REMB report whenever it has a figure: on a 16-tile wall, thousands of RTCP packets a minute, each one
encrypted here and decrypted by the recorder, for a sender that cannot act on them (it passes the camera's
H.264 through; there is no encoder to slow down). Measured on `bench/live_grid.py`: a sixth of the
console's worker loop went to those reports.

aiortc has no hooks for either; `tune_receiver` replaces the receiver's private buffer and clears its
private estimator right after the transceiver is created, before any packet arrives, and fails loudly if a
newer aiortc renamed them (tests pin this, against the aiortc installed).

**Not even built.** aiortc builds the estimator in every video receiver's constructor: a 1,000-bucket rate
window, a thousand Python objects, only to be dropped. On a restored 4x4 wall that was the largest single
cost on the worker loop in the first second (py-spy: an eighth of its samples, the decode threads holding
the GIL meanwhile). `add_tuned_video_receiver` adds the transceiver with the receiver module's estimator
factory answering None, for that call only (a ContextVar, as `ice.py` scopes its gathering).

**Never at the cost of the picture.** Both are optimisations of aiortc's private parts, and `pyproject.toml`
takes any aiortc from 1.9 on. `add_tuned_video_receiver`, which the live sessions call, applies what this
aiortc has room for and leaves out the rest with one warning in the log (a frame interval more latency,
or REMB reports): before, a renamed attribute failed every attempt of every tile with "internal error".
"""

from __future__ import annotations

import contextvars
import logging
from collections.abc import Callable
from typing import Any, Final

import aiortc
import aiortc.rtcrtpreceiver
from aiortc import RTCPeerConnection, RTCRtpReceiver, RTCRtpTransceiver
from aiortc.jitterbuffer import JitterBuffer, JitterFrame

#: the receiver's own attributes (name-mangled `__jitter_buffer`, `__remote_bitrate_estimator`)
_BUFFER_ATTRIBUTE: Final = "_RTCRtpReceiver__jitter_buffer"
_ESTIMATOR_ATTRIBUTE: Final = "_RTCRtpReceiver__remote_bitrate_estimator"
#: the name the receiver's module builds its estimator by
_ESTIMATOR_FACTORY: Final = "RemoteBitrateEstimator"
#: what `MarkerJitterBuffer` reads of aiortc's buffer
_BUFFER_PARTS: Final = ("capacity", "remove", "_origin", "_packets", "_remove_frame")
#: where aiortc's receiver leaves a packet's depacketized payload for its buffer
_PAYLOAD_ATTRIBUTE: Final = "_data"

_MARKER_TUNING: Final = "frames at their marker (each picture waits one frame interval longer)"

logger = logging.getLogger(__name__)
#: the tunings this aiortc had no room for, each warned about once
_left_out: set[str] = set()

_WITHOUT_ESTIMATOR: contextvars.ContextVar[bool] = contextvars.ContextVar(
    "vas_receiver_without_estimator", default=False
)


class MarkerJitterBuffer(JitterBuffer):
    """A video jitter buffer that releases a frame at its marked last packet.

    If a packet has no payload where aiortc 1.x leaves it, the buffer goes on as aiortc's own (frames at
    the next one's first packet) and the log says so once.
    """

    _by_marker = True

    def _remove_frame(self, sequence_number: int) -> JitterFrame | None:
        frame = super()._remove_frame(sequence_number)  # a frame closed by the next one's packet
        if frame is not None or not self._by_marker:
            return frame
        try:
            return self._remove_marked_frame()
        # nothing was removed yet: aiortc's own rules go on, for this packet and every later one
        except AttributeError as error:
            self._by_marker = False
            _leave_out(_MARKER_TUNING, f"a received packet has no payload where expected ({error})")
            return None

    def _remove_marked_frame(self) -> JitterFrame | None:
        """The oldest frame, if its packets are contiguous from the origin up to a marked one."""
        origin = self._origin
        if origin is None:
            return None
        timestamp: int | None = None
        parts: list[bytes] = []
        for count in range(self.capacity):
            packet = self._packets[(origin + count) % self.capacity]
            if packet is None:
                return None  # a gap: wait for the missing packet (or aiortc's own rules)
            if timestamp is None:
                timestamp = packet.timestamp
            elif packet.timestamp != timestamp:
                return None  # handled by aiortc's path above
            parts.append(getattr(packet, _PAYLOAD_ATTRIBUTE))  # set by the receiver
            if packet.marker:
                self.remove(count + 1)
                return JitterFrame(data=b"".join(parts), timestamp=timestamp)
        return None


def tune_receiver(receiver: RTCRtpReceiver) -> None:
    """Give a video `receiver` a `MarkerJitterBuffer` and no bitrate estimator; call before its first packet.

    Raises:
        TypeError: this aiortc keeps its jitter buffer or estimator elsewhere (the workaround needs
            updating).
    """
    _tune(receiver, strict=True)


def add_tuned_video_receiver(pc: RTCPeerConnection) -> RTCRtpTransceiver:
    """`pc.addTransceiver("video", direction="recvonly")`, its receiver built without a bitrate estimator
    and tuned as `tune_receiver` does, as far as this aiortc allows: a tuning it has no room for is left
    out, with a warning in the log the first time."""
    try:
        _install_optional_estimator()
    except TypeError as error:
        _leave_out("no bitrate estimator built (each receiver builds one and drops it)", str(error))
    token = _WITHOUT_ESTIMATOR.set(True)
    try:
        transceiver = pc.addTransceiver("video", direction="recvonly")
    finally:
        _WITHOUT_ESTIMATOR.reset(token)
    _tune(transceiver.receiver, strict=False)
    return transceiver


def _tune(receiver: RTCRtpReceiver, *, strict: bool) -> None:
    current = getattr(receiver, _BUFFER_ATTRIBUTE, None)
    if not isinstance(current, JitterBuffer) or not all(hasattr(current, p) for p in _BUFFER_PARTS):
        _fail_or_leave_out(
            strict,
            _MARKER_TUNING,
            "aiortc's RTCRtpReceiver has no jitter buffer where one was expected",
        )
    elif not isinstance(current, MarkerJitterBuffer):
        setattr(receiver, _BUFFER_ATTRIBUTE, MarkerJitterBuffer(current.capacity, is_video=True))
    if hasattr(receiver, _ESTIMATOR_ATTRIBUTE):
        setattr(receiver, _ESTIMATOR_ATTRIBUTE, None)
    else:
        _fail_or_leave_out(
            strict,
            "no bitrate estimation (REMB reports are sent)",
            "aiortc's RTCRtpReceiver has no bitrate estimator where one was expected",
        )


def _fail_or_leave_out(strict: bool, tuning: str, reason: str) -> None:
    if strict:
        raise TypeError(reason)
    _leave_out(tuning, reason)


def _leave_out(tuning: str, reason: str) -> None:
    if tuning in _left_out:
        return
    _left_out.add(tuning)
    logger.warning(
        "Live video tuning left out, %s: %s (aiortc %s); it plays as aiortc ships it",
        tuning, reason, aiortc.__version__,
    )  # fmt: skip


class _OptionalEstimator:
    """Stands in for aiortc's estimator class in its receiver module: None inside `add_tuned_video_receiver`."""

    def __init__(self, build: Callable[[], Any]) -> None:
        self.build = build

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return None if _WITHOUT_ESTIMATOR.get() else self.build(*args, **kwargs)


def _install_optional_estimator() -> None:
    module = aiortc.rtcrtpreceiver
    current = getattr(module, _ESTIMATOR_FACTORY, None)
    if isinstance(current, _OptionalEstimator):
        return
    if not callable(current):
        raise TypeError(
            "aiortc's receiver module builds no RemoteBitrateEstimator where one was expected"
        )
    setattr(module, _ESTIMATOR_FACTORY, _OptionalEstimator(current))


__all__ = ["MarkerJitterBuffer", "add_tuned_video_receiver", "tune_receiver"]
