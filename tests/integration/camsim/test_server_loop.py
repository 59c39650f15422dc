"""Loop cameras: a cached pre-encoded clip served forever, with timestamps that keep increasing."""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest

from camsim.config import CameraConfig
from tests.helpers.camsim_fixtures import CamSimFactory, ffprobe_stream, probe_packets

pytestmark = [pytest.mark.requires_rtsp_server, pytest.mark.requires_ffmpeg]


def test_loop_camera_plays_past_the_clip_end_with_increasing_timestamps(
    camsim_factory: CamSimFactory, tmp_path: Path
) -> None:
    # a 4 s clip at 10 fps is 40 frames; 5 s of packets crosses the loop point
    config = CameraConfig(
        "a", main_size=(320, 240), sub_size=(160, 120), fps=10, gop=10, source="loop"
    )
    cameras = camsim_factory([config], workdir=tmp_path)

    packets = probe_packets(cameras.url("a", "sub"), 5.0, transport="udp")

    times = [float(packet["pts_time"]) for packet in packets if "pts_time" in packet]
    assert len(times) >= 45
    assert all(later > earlier for earlier, later in itertools.pairwise(times))
    assert times[-1] - times[0] >= 4.4
    keyframes = [i for i, packet in enumerate(packets) if "K" in packet["flags"]]
    assert keyframes[:5] == [0, 10, 20, 30, 40]


@pytest.mark.parametrize("codec", ["h265", "mjpeg"])
def test_loop_camera_serves_every_codec_and_caches_its_clips(
    camsim_factory: CamSimFactory, tmp_path: Path, codec: str
) -> None:
    config = CameraConfig("a", codec, (320, 240), (160, 120), source="loop")  # type: ignore[arg-type]
    cameras = camsim_factory([config], workdir=tmp_path)

    info = ffprobe_stream(cameras.url("a", "main"))

    assert (info["width"], info["height"]) == (320, 240)
    clips = sorted(path.name for path in (tmp_path / "clips").iterdir())
    assert clips == [f"{codec}-160x120-25fps-gop50.clip", f"{codec}-320x240-25fps-gop50.clip"]
