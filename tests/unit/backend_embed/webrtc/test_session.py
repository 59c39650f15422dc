"""Tests for backend_embed.webrtc.session: offers are checked, and H.264 is the only codec on offer."""

from __future__ import annotations

import pytest

from backend_embed.webrtc.session import OfferError, check_offer, h264_preferences

VIDEO = "v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\nm=video 9 UDP/TLS/RTP/SAVPF 96 97\r\n"


def _offer(direction: str = "a=recvonly", rtpmap: str = "a=rtpmap:97 H264/90000") -> str:
    return VIDEO + f"a=rtpmap:96 VP8/90000\r\n{rtpmap}\r\n{direction}\r\n"


@pytest.mark.parametrize(
    "direction", [pytest.param("a=recvonly", id="recvonly"), pytest.param("", id="sendrecv")]
)
def test_an_offer_that_receives_h264_passes(direction: str) -> None:
    check_offer(_offer(direction))


@pytest.mark.parametrize(
    ("sdp", "words"),
    [
        pytest.param("hello", "not an SDP offer", id="not-sdp"),
        pytest.param(VIDEO.replace("m=video", "m=audio"), "no video", id="no-video"),
        pytest.param(_offer("a=sendonly"), "does not receive", id="sendonly"),
        pytest.param(_offer("a=inactive"), "does not receive", id="inactive"),
        pytest.param(_offer(rtpmap="a=rtpmap:97 AV1/90000"), "H.264", id="no-h264"),
    ],
)
def test_an_offer_that_cannot_receive_h264_is_refused(sdp: str, words: str) -> None:
    with pytest.raises(OfferError, match=words):
        check_offer(sdp)


def test_only_h264_and_its_retransmission_are_preferred() -> None:
    mimes = {codec.mimeType for codec in h264_preferences()}

    assert mimes == {"video/H264", "video/rtx"}
