"""One WHEP viewer: its peer connection, negotiated H.264-only with the relay's track, and its teardown."""

from __future__ import annotations

import logging
import re
import secrets
from collections.abc import Iterable
from typing import Final

from aiortc import RTCPeerConnection, RTCRtpSender, RTCSessionDescription
from aiortc.exceptions import InvalidAccessError, InvalidStateError, OperationError
from aiortc.rtcrtpparameters import RTCRtpCodecCapability

from backend_embed.api.dto import StreamRole
from backend_embed.api.errors import BackendError
from backend_embed.streams.live_sources import LiveFeed
from backend_embed.webrtc.ice import peer_configuration, restricted_host_addresses
from backend_embed.webrtc.relay import RelayTrack

logger = logging.getLogger(__name__)

_VIDEO_MLINE: Final = re.compile(r"^m=video ", re.MULTILINE)
_H264: Final = re.compile(r"^a=rtpmap:\d+ H264/90000", re.MULTILINE | re.IGNORECASE)
#: aiortc's own SDP parser raises these on input it cannot use
_SDP_ERRORS: Final = (ValueError, KeyError, IndexError, InvalidAccessError, InvalidStateError)


class OfferError(BackendError):
    """The viewer's SDP offer cannot be answered (malformed, no video, no H.264): a client error."""


def h264_preferences() -> list[RTCRtpCodecCapability]:
    """aiortc's H.264 codecs (and RTX for them): the only ones a passthrough sender may negotiate."""
    codecs = RTCRtpSender.getCapabilities("video").codecs
    return [c for c in codecs if c.mimeType.lower() in ("video/h264", "video/rtx")]


def check_offer(sdp: str) -> None:
    """Refuse an offer that cannot lead to H.264 video before any peer connection is made.

    Raises:
        OfferError: not SDP, no video section, a first video section that does not receive, or no
            H.264 payload type.
    """
    if not sdp.startswith("v=0"):
        raise OfferError("The request body is not an SDP offer.")
    video = _VIDEO_MLINE.search(sdp)
    if video is None:
        raise OfferError("The SDP offer has no video section.")
    if _direction(sdp[video.start() :]) in ("sendonly", "inactive"):
        raise OfferError("The SDP offer's video section does not receive; a WHEP viewer must.")
    if not _H264.search(sdp):
        raise OfferError("The SDP offer does not accept H.264, the only codec this server sends.")


def _direction(section: str) -> str:
    """The direction attribute of the media section `section` starts with ("sendrecv" when absent)."""
    for line in section.splitlines()[1:]:
        if line.startswith("m="):
            break
        if line.strip() in ("a=sendrecv", "a=sendonly", "a=recvonly", "a=inactive"):
            return line.strip()[2:]
    return "sendrecv"


class WhepSession:
    """A viewer's peer connection, its relay track and the feed lease it holds.

    Create with `negotiate()`. `close()` must be called exactly once by the owner (the service); the
    feed is released by the owner too.
    """

    def __init__(
        self, feed: LiveFeed, track: RelayTrack, pc: RTCPeerConnection, answer_sdp: str
    ) -> None:
        self.id = secrets.token_urlsafe(16)
        self.feed = feed
        self.track = track
        self.pc = pc
        self.answer_sdp = answer_sdp

    @property
    def camera_id(self) -> int:
        return self.feed.camera_id

    @property
    def stream(self) -> StreamRole:
        return self.feed.stream

    @property
    def connection_state(self) -> str:
        return self.pc.connectionState

    async def close(self) -> None:
        """Close the peer connection and end the track (it leaves the relay)."""
        try:
            await self.pc.close()
        finally:
            self.track.stop()


async def negotiate(
    feed: LiveFeed, track: RelayTrack, offer_sdp: str, *, ice_addresses: Iterable[str]
) -> WhepSession:
    """Answer a WHEP offer with `track` as the only, send-only, H.264 video.

    The codec preference is set on the transceiver BEFORE the offer is applied: afterwards aiortc
    ignores it silently, picks VP8 and packs H.264 as VP8 (PLATFORM_NOTES). Host candidates are gathered
    on `ice_addresses` only, and the answer carries them all (WHEP without trickle ICE).

    Raises:
        OfferError: the offer is unusable. The peer connection is closed; `track` is left to the caller.
    """
    check_offer(offer_sdp)
    pc = RTCPeerConnection(peer_configuration())
    try:
        transceiver = pc.addTransceiver(track, direction="sendonly")
        transceiver.setCodecPreferences(h264_preferences())
        await pc.setRemoteDescription(RTCSessionDescription(offer_sdp, "offer"))
        with restricted_host_addresses(ice_addresses):
            await pc.setLocalDescription(await pc.createAnswer())
    except OperationError as exc:
        await pc.close()
        raise OfferError("The SDP offer does not accept H.264, the only codec sent.") from exc
    except _SDP_ERRORS as exc:
        await pc.close()
        raise OfferError("The SDP offer is malformed.", detail=str(exc)[:200]) from exc
    except BaseException:
        await pc.close()
        raise
    return WhepSession(feed, track, pc, pc.localDescription.sdp)
