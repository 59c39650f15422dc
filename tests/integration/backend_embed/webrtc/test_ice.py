"""ICE restriction with a real aiortc peer: every candidate it offers is a loopback host candidate."""

from __future__ import annotations

from aiortc import RTCPeerConnection

from backend_embed.webrtc.ice import peer_configuration, restricted_host_addresses


async def test_a_peer_gathering_in_the_block_offers_loopback_candidates_only() -> None:
    pc = RTCPeerConnection(peer_configuration())
    try:
        pc.addTransceiver("video", direction="recvonly")
        with restricted_host_addresses(["127.0.0.1"]):
            await pc.setLocalDescription(await pc.createOffer())
        candidates = [
            line.split()
            for line in pc.localDescription.sdp.splitlines()
            if line.startswith("a=candidate:")
        ]
    finally:
        await pc.close()

    assert candidates
    assert {(c[4], c[7]) for c in candidates} == {("127.0.0.1", "host")}, "no srflx: no STUN"
