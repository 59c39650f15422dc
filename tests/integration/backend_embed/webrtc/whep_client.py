"""A WHEP viewer for tests: an aiortc peer on 127.0.0.1 that POSTs an offer and records the frames it decodes."""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field
from urllib.parse import urljoin

import httpx
from aiortc import RTCPeerConnection, RTCSessionDescription
from aiortc.mediastreams import MediaStreamError, MediaStreamTrack
from av import VideoFrame

from backend_embed.webrtc.ice import peer_configuration, restricted_host_addresses
from camsim.timecode import decode_luma

LOOPBACK = ("127.0.0.1",)


@dataclass(frozen=True, slots=True)
class ReceivedFrame:
    """One decoded frame: when it arrived (monotonic s, wall ms), its size, the capture time drawn in it."""

    at: float
    wall_ms: int
    width: int
    height: int
    capture_ms: int | None


@dataclass
class WhepViewer:
    """One viewer. `await viewer.connect(url, token)`, then read `frames`; `await viewer.close()` at the end."""

    decode_every: int = 5
    frames: list[ReceivedFrame] = field(default_factory=list)
    posted_at: float = 0.0
    answered_at: float = 0.0
    location: str | None = None
    answer_sdp: str = ""
    pc: RTCPeerConnection = field(default_factory=lambda: RTCPeerConnection(peer_configuration()))
    _url: str = ""
    _auth: dict[str, str] = field(default_factory=dict)
    _task: asyncio.Task[None] | None = None
    _new_frame: asyncio.Event = field(default_factory=asyncio.Event)

    async def connect(self, url: str, bearer_token: str) -> None:
        """POST an offer to the WHEP endpoint `url` (with the server's access token) and apply the
        answer; frames are read from then on."""
        self._url = url
        self._auth = {"Authorization": f"Bearer {bearer_token}"}
        self.pc.addTransceiver("video", direction="recvonly")
        self.pc.on("track", self._on_track)
        with restricted_host_addresses(LOOPBACK):
            await self.pc.setLocalDescription(await self.pc.createOffer())
        self.posted_at = time.monotonic()
        async with httpx.AsyncClient(timeout=20) as http:
            response = await http.post(
                url,
                content=self.pc.localDescription.sdp,
                headers={"Content-Type": "application/sdp", **self._auth},
            )
        assert response.status_code == 201, f"{response.status_code}: {response.text}"
        assert response.headers["content-type"].startswith("application/sdp")
        self.answered_at = time.monotonic()
        self.location = urljoin(url, response.headers["location"])
        self.answer_sdp = response.text
        await self.pc.setRemoteDescription(RTCSessionDescription(response.text, "answer"))

    def _on_track(self, track: MediaStreamTrack) -> None:
        self._task = asyncio.create_task(self._read(track), name="whep viewer")

    async def _read(self, track: MediaStreamTrack) -> None:
        while True:
            try:
                frame = await track.recv()
            except MediaStreamError:
                return
            assert isinstance(frame, VideoFrame)
            capture = None
            if len(self.frames) % self.decode_every == 0:
                plane = frame.planes[0]
                capture = decode_luma(bytes(plane), frame.width, frame.height, plane.line_size)
            self.frames.append(
                ReceivedFrame(
                    time.monotonic(),
                    time.time_ns() // 1_000_000,
                    frame.width,
                    frame.height,
                    capture,
                )
            )
            self._new_frame.set()

    async def wait_frames(self, count: int, *, within_s: float) -> list[ReceivedFrame]:
        """Wait until `count` frames (in all) were decoded; return them."""
        async with asyncio.timeout(within_s):
            while len(self.frames) < count:
                self._new_frame.clear()
                await self._new_frame.wait()
        return self.frames[:count]

    def first_frame_s(self) -> float:
        """Seconds from the POST to the first decoded frame."""
        assert self.frames, "no frame decoded"
        return self.frames[0].at - self.posted_at

    def negotiated_codec(self) -> str:
        """The codec name of the answer's first video payload type."""
        mline = next(line for line in self.answer_sdp.splitlines() if line.startswith("m=video"))
        payload = mline.split()[3]
        rtpmap = next(
            line for line in self.answer_sdp.splitlines() if line.startswith(f"a=rtpmap:{payload} ")
        )
        return rtpmap.split()[1].split("/")[0]

    async def close(self, *, delete: bool = True) -> int | None:
        """DELETE the session (if asked) and close the peer; returns the DELETE status."""
        status = None
        try:
            if delete and self.location is not None:
                async with httpx.AsyncClient(timeout=10) as http:
                    status = (await http.delete(self.location, headers=self._auth)).status_code
        finally:
            await self.pc.close()
            if self._task is not None:
                self._task.cancel()
                await asyncio.wait({self._task})
        return status
