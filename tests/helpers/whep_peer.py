"""A small WHEP server (aiohttp + aiortc) on 127.0.0.1 for testing the console's WHEP client.

What is real: aiohttp, aiortc peer connections, ICE/DTLS/SRTP over loopback, H.264 passed through from a
simulated camera (`MediaPlayer(rtsp_url, decode=False)` + `MediaRelay`, the recorder's own design).
What is not the product: no GOP cache, no stream supervision; one player per source, opened at `start()`.
Routes: POST `/whep/{name}` (SDP offer -> 201 + answer + Location), DELETE `/whep/{name}/{session}`.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass, field

from aiohttp import web
from aiortc import RTCConfiguration, RTCPeerConnection, RTCRtpSender, RTCSessionDescription
from aiortc.contrib.media import MediaPlayer, MediaRelay

from vas_console.media.ice import restrict_ice_addresses

logger = logging.getLogger(__name__)

LOOPBACK = "127.0.0.1"


@dataclass
class PeerRecord:
    """What the peer saw: sessions opened, DELETEs received, sessions still open, and the
    `Authorization` header of every POST and DELETE (method, header or None)."""

    posts: int = 0
    authorizations: list[tuple[str, str | None]] = field(default_factory=list)
    deletes: list[str] = field(default_factory=list)
    open: dict[str, RTCPeerConnection] = field(default_factory=dict)


class WhepPeer:
    """Serves each RTSP source in `sources` (name -> rtsp URL) as `/whep/<name>`.

    `drop()` closes every peer connection and stops listening (a recorder going away); `resume()`
    listens again on the same port. `refuse[name] = status` answers POSTs for `name` with that status.
    """

    def __init__(self, sources: Mapping[str, str], port: int = 0) -> None:
        self._sources = dict(sources)
        self._port = port
        self._players: dict[str, MediaPlayer] = {}
        self._relay = MediaRelay()
        self._runner: web.AppRunner | None = None
        self._ids = itertools.count(1)
        self.record = PeerRecord()
        self.refuse: dict[str, int] = {}

    @property
    def port(self) -> int:
        return self._port

    def url(self, name: str) -> str:
        return f"http://{LOOPBACK}:{self._port}/whep/{name}"

    async def start(self) -> None:
        for name, rtsp in self._sources.items():
            self._players[name] = await asyncio.to_thread(
                MediaPlayer, rtsp, options={"rtsp_transport": "tcp"}, decode=False
            )
        await self.resume()

    async def resume(self) -> None:
        app = web.Application()
        app.router.add_post("/whep/{name}", self._on_post)
        app.router.add_delete("/whep/{name}/{session}", self._on_delete)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, LOOPBACK, self._port)
        await site.start()
        if self._port == 0:
            self._port = self._runner.addresses[0][1]

    async def drop(self) -> None:
        """Close every session without a DELETE and stop listening."""
        await self._close_sessions()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def stop(self) -> None:
        await self.drop()
        for player in self._players.values():
            if player.video is not None:
                player.video.stop()
        self._players.clear()

    async def _close_sessions(self) -> None:
        sessions = list(self.record.open.values())
        self.record.open.clear()
        await asyncio.gather(*(pc.close() for pc in sessions))

    async def _on_post(self, request: web.Request) -> web.Response:
        name = request.match_info["name"]
        self.record.posts += 1
        self.record.authorizations.append(("POST", request.headers.get("Authorization")))
        if name in self.refuse:
            return web.Response(status=self.refuse[name], text=f"refused {name}")
        player = self._players.get(name)
        if player is None or player.video is None:
            return web.Response(status=404, text=f"no camera {name}")
        offer = RTCSessionDescription(sdp=await request.text(), type="offer")
        pc = RTCPeerConnection(RTCConfiguration(iceServers=[]))
        pc.addTrack(self._relay.subscribe(player.video, buffered=False))
        capabilities = RTCRtpSender.getCapabilities("video")
        assert capabilities is not None
        h264 = [c for c in capabilities.codecs if c.mimeType == "video/H264"]
        # Before setRemoteDescription, or aiortc silently picks VP8 (PLATFORM_NOTES.md).
        pc.getTransceivers()[0].setCodecPreferences(h264)
        restrict_ice_addresses(pc, [LOOPBACK])
        await pc.setRemoteDescription(offer)
        await pc.setLocalDescription(await pc.createAnswer())
        session = str(next(self._ids))
        self.record.open[session] = pc
        return web.Response(
            status=201,
            content_type="application/sdp",
            text=pc.localDescription.sdp,
            headers={"Location": f"/whep/{name}/{session}"},
        )

    async def _on_delete(self, request: web.Request) -> web.Response:
        session = request.match_info["session"]
        self.record.deletes.append(session)
        self.record.authorizations.append(("DELETE", request.headers.get("Authorization")))
        pc = self.record.open.pop(session, None)
        if pc is None:
            return web.Response(status=404)
        await pc.close()
        return web.Response(status=200)


@asynccontextmanager
async def running_peer(sources: Mapping[str, str]) -> AsyncIterator[WhepPeer]:
    """A started `WhepPeer`, stopped on exit."""
    peer = WhepPeer(sources)
    await peer.start()
    try:
        yield peer
    finally:
        await peer.stop()
