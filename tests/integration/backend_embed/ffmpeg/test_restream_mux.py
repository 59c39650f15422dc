"""The loopback restream's MPEG-TS, as the real ffmpeg writes it: every frame is complete on arrival."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from backend_embed.ffmpeg.command import RESTREAM_MUX_OPTIONS
from tests.helpers.components import require_binary

pytestmark = [pytest.mark.requires_ffmpeg]

TS_PACKET = 188


def _video_pes_lengths(ts: bytes) -> list[int]:
    """The PES_packet_length of every PES that starts in the stream's first video PID (0x100 in ffmpeg)."""
    lengths = []
    for offset in range(0, len(ts) - TS_PACKET + 1, TS_PACKET):
        packet = ts[offset : offset + TS_PACKET]
        assert packet[0] == 0x47, f"lost TS sync at {offset}"
        pid = ((packet[1] & 0x1F) << 8) | packet[2]
        starts_unit = bool(packet[1] & 0x40)
        if pid != 0x100 or not starts_unit:
            continue
        payload = 4
        if packet[3] & 0x20:  # adaptation field first
            payload += 1 + packet[4]
        assert packet[payload : payload + 3] == b"\x00\x00\x01", "a video unit must start a PES"
        lengths.append((packet[payload + 4] << 8) | packet[payload + 5])
    return lengths


def _restream_ts(tmp_path: Path, options: dict[str, str], *, tee: bool = False) -> bytes:
    """2 s of H.264 muxed as the restream is: `-f mpegts` (live-only restream) or a tee slave (recorder)."""
    out = tmp_path / "restream.ts"
    if tee:
        listed = ":".join(f"{key}={value}" for key, value in {"f": "mpegts", **options}.items())
        output = ["-f", "tee", f"[{listed}]{out}"]
    else:
        output = ["-f", "mpegts", *(a for k, v in options.items() for a in (f"-{k}", v)), str(out)]
    argv = [
        require_binary("ffmpeg"), "-hide_banner", "-loglevel", "error",
        "-f", "lavfi", "-i", "testsrc2=size=640x360:rate=25:duration=2",
        "-c:v", "libx264", "-preset", "ultrafast", "-tune", "zerolatency", "-g", "25",
        "-map", "0:v", *output,
    ]  # fmt: skip
    subprocess.run(argv, check=True, timeout=60)
    return out.read_bytes()


@pytest.mark.parametrize("tee", [False, True], ids=["live-only restream", "recorder tee slave"])
def test_restream_frames_carry_their_pes_length_so_a_reader_need_not_wait_for_the_next(
    tmp_path: Path, tee: bool
) -> None:
    lengths = _video_pes_lengths(_restream_ts(tmp_path, RESTREAM_MUX_OPTIONS, tee=tee))

    assert len(lengths) == 50
    # keyframes of a large picture may exceed 16 bits and go without; every delta frame has its length
    assert sum(1 for length in lengths if length > 0) >= 48


@pytest.mark.parametrize("tee", [False, True], ids=["live-only restream", "recorder tee slave"])
def test_ffmpeg_default_omits_the_length_which_is_what_the_options_are_for(
    tmp_path: Path, tee: bool
) -> None:
    lengths = _video_pes_lengths(_restream_ts(tmp_path, {}, tee=tee))

    assert set(lengths) == {0}
