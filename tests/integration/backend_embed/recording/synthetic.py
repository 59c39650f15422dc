"""Synthetic segment values for index tests: no file behind them, times in seconds after the epoch."""

from __future__ import annotations

from backend_embed.api.dto import StreamRole
from backend_embed.recording.segments import SegmentInfo


def seg(
    camera_id: int,
    start_s: float,
    length_s: float = 2.0,
    *,
    stream: StreamRole = StreamRole.MAIN,
    size: int = 1000,
    discontinuity: bool = False,
) -> SegmentInfo:
    """A segment of `length_s` seconds starting `start_s` seconds after the epoch."""
    start_ms = round(start_s * 1000)
    end_ms = start_ms + round(length_s * 1000)
    path = f"{camera_id}/{stream.value}-{start_ms}.ts"
    return SegmentInfo(
        camera_id, stream, start_ms, end_ms, end_ms - start_ms, size, path, discontinuity
    )


def run_of(
    camera_id: int,
    start_s: float,
    count: int,
    length_s: float = 2.0,
    *,
    stream: StreamRole = StreamRole.MAIN,
    size: int = 1000,
) -> list[SegmentInfo]:
    """`count` back-to-back segments starting at `start_s`."""
    return [
        seg(camera_id, start_s + i * length_s, length_s, stream=stream, size=size)
        for i in range(count)
    ]
