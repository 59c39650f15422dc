"""What clients receive from the real camera server: codecs, sizes, rates, GOPs and the timestamp code."""

from __future__ import annotations

import itertools
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from camsim.config import CameraConfig, Codec
from camsim.launcher import SimulatedCameras
from camsim.timecode import decode_luma
from tests.helpers.camsim_fixtures import (
    CamSimFactory,
    ffprobe_stream,
    grab_gray_frame,
    probe_packets,
)

pytestmark = [pytest.mark.requires_rtsp_server, pytest.mark.requires_ffmpeg]

FFPROBE_CODEC = {"h264": "h264", "h265": "hevc", "mjpeg": "mjpeg"}


@pytest.mark.parametrize("codec", ["h264", "h265", "mjpeg"])
def test_each_codec_is_served_at_the_configured_size_rate_and_gop(
    camsim_factory: CamSimFactory, codec: Codec
) -> None:
    cameras = camsim_factory([CameraConfig("a", codec, (480, 272), (320, 184), fps=15, gop=10)])

    with ThreadPoolExecutor(2) as pool:  # two clients at once keeps the test short
        main = pool.submit(ffprobe_stream, cameras.url("a", "main"))
        sub = pool.submit(ffprobe_stream, cameras.url("a", "sub"))
    # alone: a client joining the shared pipeline makes the server ask the encoder for a keyframe, which
    # would land in the middle of the GOPs this client counts
    with ThreadPoolExecutor(1) as pool:
        packets = pool.submit(probe_packets, cameras.url("a", "sub"), 2.2)

    for info, size in ((main.result(), (480, 272)), (sub.result(), (320, 184))):
        assert info["codec_name"] == FFPROBE_CODEC[codec]
        assert (info["width"], info["height"]) == size
        assert info["r_frame_rate"] == "15/1"
    # a client joining the shared pipeline mid-GOP starts on P-frames, so check the spacing only
    keyframes = [i for i, packet in enumerate(packets.result()) if "K" in packet["flags"]]
    assert len(packets.result()) >= 30
    spacing = {later - earlier for earlier, later in itertools.pairwise(keyframes[:3])}
    assert spacing == ({1} if codec == "mjpeg" else {10})


@pytest.mark.parametrize(("stream", "size"), [("main", (640, 360)), ("sub", (320, 180))])
def test_grabbed_frame_carries_its_capture_time(
    camsim_cameras: SimulatedCameras, stream: str, size: tuple[int, int]
) -> None:
    # main is decoded at 640x360 and sub at 320x180: the code must survive H.264 and scaling
    gray = grab_gray_frame(camsim_cameras.url("cam3", stream), *size, skip_frames=25)  # type: ignore[arg-type]
    now_ms = time.time() * 1000

    captured = decode_luma(gray, *size)

    assert captured is not None, "no timestamp code found in the frame"
    assert -50 <= now_ms - captured <= 1000
