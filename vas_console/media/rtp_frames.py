"""Hand each received video frame to the decoder when its last RTP packet arrives, not one frame later.

aiortc's `JitterBuffer` (1.x) reassembles a frame only once a packet with the *next* RTP timestamp
arrives: every frame waits for the first packet of the one after it, one frame interval (40 ms at 25 fps)
of latency on every picture. The sender marks the last packet of each frame (RFC 6184 §5.1 for H.264,
aiortc's sender and browsers do), so a frame whose packets are all present up to the marked one is
complete and can go at once. `MarkerJitterBuffer` does that and keeps aiortc's behaviour for everything
else (loss, reordering, a frame without a marker).

aiortc has no hook for the receiver's buffer; `complete_frames_on_marker` replaces the private one of a
video receiver right after the transceiver is created, before any packet arrives, and fails loudly if a
newer aiortc renamed it (a test pins this).
"""

from __future__ import annotations

from typing import Final

from aiortc import RTCRtpReceiver
from aiortc.jitterbuffer import JitterBuffer, JitterFrame

#: the receiver's own attribute (name-mangled `__jitter_buffer`)
_BUFFER_ATTRIBUTE: Final = "_RTCRtpReceiver__jitter_buffer"


class MarkerJitterBuffer(JitterBuffer):
    """A video jitter buffer that releases a frame at its marked last packet."""

    def _remove_frame(self, sequence_number: int) -> JitterFrame | None:
        frame = super()._remove_frame(sequence_number)  # a frame closed by the next one's packet
        if frame is not None:
            return frame
        return self._remove_marked_frame()

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
            parts.append(packet._data)  # type: ignore[attr-defined]  # set by the receiver
            if packet.marker:
                self.remove(count + 1)
                return JitterFrame(data=b"".join(parts), timestamp=timestamp)
        return None


def complete_frames_on_marker(receiver: RTCRtpReceiver) -> None:
    """Give a video `receiver` a `MarkerJitterBuffer`; call before its first packet arrives.

    Raises:
        TypeError: this aiortc keeps its jitter buffer elsewhere (the workaround needs updating).
    """
    current = getattr(receiver, _BUFFER_ATTRIBUTE, None)
    if not isinstance(current, JitterBuffer):
        raise TypeError("aiortc's RTCRtpReceiver has no jitter buffer where one was expected")
    if isinstance(current, MarkerJitterBuffer):
        return
    setattr(receiver, _BUFFER_ATTRIBUTE, MarkerJitterBuffer(current.capacity, is_video=True))


__all__ = ["MarkerJitterBuffer", "complete_frames_on_marker"]
