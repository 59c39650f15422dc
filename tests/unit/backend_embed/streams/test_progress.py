"""Tests for backend_embed.streams.progress: reading a recorder's ffmpeg stderr lines."""

from __future__ import annotations

import pytest

from backend_embed.streams.progress import output_started, output_time_ms, segment_written


def test_the_output_description_means_muxing_started() -> None:
    assert output_started("Output #0, tee, to '[f=hls:hls_time=4]/rec/3/main.m3u8':")
    assert not output_started("Input #0, rtsp, from 'rtsp://127.0.0.1:8554/main':")
    assert not output_started("  Stream #0:0 -> #0:0 (copy)")


@pytest.mark.parametrize(
    ("line", "path"),
    [
        pytest.param(
            "[hls @ 0x55d] Opening '/rec/3/2026-11-21/main-20261121T105100Z-17.ts.tmp' for writing",
            "/rec/3/2026-11-21/main-20261121T105100Z-17.ts",
            id="temp-file",
        ),
        pytest.param(
            "[hls @ 0x55d] Opening '/rec/it's/seg0.ts' for writing", "/rec/it's/seg0.ts", id="quote"
        ),
        pytest.param(
            "[hls @ 0x55d] Opening '/rec/3/main.m3u8.tmp' for writing", None, id="playlist"
        ),
        pytest.param("[tee @ 0x55d] Timestamps are unset in a packet", None, id="other"),
    ],
)
def test_segment_written_lines_name_the_final_path(line: str, path: str | None) -> None:
    assert segment_written(line) == path


@pytest.mark.parametrize(
    ("line", "ms"),
    [
        pytest.param(
            "frame=  150 fps= 25 q=-1.0 size=N/A time=00:00:05.96 bitrate=N/A speed=   1x",
            5_960,
            id="stats",
        ),
        pytest.param(
            "frame=90000 fps= 25 q=-1.0 size=N/A time=01:00:00.04 bitrate=N/A",
            3_600_040,
            id="hours",
        ),
        pytest.param(
            "frame=    1 fps=0.0 q=-1.0 size=N/A time=-00:00:00.04 bitrate=N/A", -40, id="negative"
        ),
        pytest.param("frame=    0 fps=0.0 q=0.0 size=N/A time=N/A bitrate=N/A", None, id="unset"),
        pytest.param("  Stream #0:0 -> #0:0 (copy) time=00:00:01.00", None, id="other"),
    ],
)
def test_the_stats_line_gives_the_output_time(line: str, ms: int | None) -> None:
    assert output_time_ms(line) == ms
