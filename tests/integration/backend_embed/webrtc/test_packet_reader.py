"""PacketReader on a real restream: each frame leaves as soon as its own bytes are in, keyframes marked.

Real: ffmpeg's MPEG-TS (muxed as the recorder muxes its restream), loopback UDP, libavformat's demuxer.
The sender plays the stream frame by frame, waiting for the reader between frames: a reader that held
a frame until the next one started (libavformat's H.264 parser did, 40 ms at 25 fps on every frame)
fails at the first frame.
"""

from __future__ import annotations

import asyncio
import itertools
import socket
import subprocess
from pathlib import Path

import pytest

from backend_embed.ffmpeg.command import (
    RESTREAM_HOST,
    RESTREAM_MUX_OPTIONS,
    RESTREAM_PKT_SIZE,
    restream_source_url,
)
from backend_embed.webrtc.reader import EncodedFrame, PacketReader, _is_keyframe
from tests.helpers.components import require_binary

pytestmark = [pytest.mark.requires_ffmpeg]

TS_PACKET = 188
VIDEO_PID = 0x100  # ffmpeg's first stream
FRAMES = 60  # keyframes at 0, 25 and 50 (-g 25)
OPENING = 10  # frames sent at the camera's pace while the reader opens (its probe reads a few)


def _restream_ts(tmp_path: Path) -> bytes:
    out = tmp_path / "restream.ts"
    argv = [
        require_binary("ffmpeg"), "-hide_banner", "-loglevel", "error",
        "-f", "lavfi", "-i", f"testsrc2=size=640x360:rate=25:duration={FRAMES / 25}",
        "-c:v", "libx264", "-preset", "ultrafast", "-tune", "zerolatency", "-g", "25",
        "-f", "mpegts", *(a for k, v in RESTREAM_MUX_OPTIONS.items() for a in (f"-{k}", v)),
        str(out),
    ]  # fmt: skip
    subprocess.run(argv, check=True, timeout=60)
    return out.read_bytes()


def _pid(packet: bytes) -> int:
    return ((packet[1] & 0x1F) << 8) | packet[2]


def _frames_of(ts: bytes) -> list[bytes]:
    """The TS cut before every video PES start after the first: chunk i holds frame i whole."""
    chunks: list[bytearray] = [bytearray()]
    seen_video = False
    for offset in range(0, len(ts) - TS_PACKET + 1, TS_PACKET):
        packet = ts[offset : offset + TS_PACKET]
        if _pid(packet) == VIDEO_PID and packet[1] & 0x40:  # a video PES starts here
            if seen_video:
                chunks.append(bytearray())
            seen_video = True
        chunks[-1] += packet
    return [bytes(chunk) for chunk in chunks]


def _free_udp_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        probe.bind((RESTREAM_HOST, 0))
        port: int = probe.getsockname()[1]
        return port


def _bound(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        try:
            probe.bind((RESTREAM_HOST, port))
        except OSError:
            return True
        return False


async def test_each_frame_is_delivered_before_the_next_one_is_sent_and_keyframes_are_marked(
    tmp_path: Path,
) -> None:
    frames = _frames_of(_restream_ts(tmp_path))
    assert len(frames) == FRAMES
    port = _free_udp_port()
    received: list[EncodedFrame] = []
    reader = PacketReader(lambda: restream_source_url(port), received.append, name="test reader")
    reader.start()
    sender = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)

    def send(chunk: bytes) -> None:
        for start in range(0, len(chunk), RESTREAM_PKT_SIZE):
            sender.sendto(chunk[start : start + RESTREAM_PKT_SIZE], (RESTREAM_HOST, port))

    async def until(count: int, timeout_s: float) -> bool:
        deadline = asyncio.get_running_loop().time() + timeout_s
        while len(received) < count:
            if asyncio.get_running_loop().time() > deadline:
                return False
            await asyncio.sleep(0.002)
        return True

    try:
        for _ in range(500):  # the reader binds its port on its own thread
            if _bound(port):
                break
            await asyncio.sleep(0.01)
        for chunk in frames[:OPENING]:
            send(chunk)
            await asyncio.sleep(0.04)
        assert await until(OPENING, 5.0), f"the reader opened on {len(received)} frames"
        for index in range(OPENING, FRAMES):
            send(frames[index])
            assert await until(index + 1, 1.0), f"frame {index} waited for the next one"
    finally:
        sender.close()
        await reader.stop()

    assert len(received) == FRAMES
    keyframes = [i for i, frame in enumerate(received) if frame.keyframe]
    assert keyframes == [0, 25, 50]
    assert all((b"\x00\x00\x01\x65" in received[i].data) for i in keyframes)
    pts = [frame.pts for frame in received]
    assert [b - a for a, b in itertools.pairwise(pts)] == [3600] * (FRAMES - 1)  # 40 ms, 90 kHz


def test_keyframes_are_told_from_the_first_slice_nal_unit() -> None:
    aud, sps, pps, sei = (
        b"\x00\x00\x00\x01\x09\xf0",
        b"\x00\x00\x00\x01\x67\x42",
        b"\x00\x00\x01\x68",
        b"\x00\x00\x01\x06\x05",
    )
    idr, slice_ = b"\x00\x00\x01\x65\x88\x84", b"\x00\x00\x01\x41\x9a"

    assert _is_keyframe(aud + sps + pps + sei + idr + idr)
    assert not _is_keyframe(aud + slice_ + slice_)
    assert not _is_keyframe(aud + sps + pps)  # parameter sets alone are no picture
    assert not _is_keyframe(b"")
    assert not _is_keyframe(b"\x00\x00\x01")  # a start code cut short
