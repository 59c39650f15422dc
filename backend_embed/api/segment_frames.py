"""The picture a recorded segment shows at a wall-clock time, decoded exactly (PyAV).

A segment's timeline is its start (from the index, as the VOD playlist's program date times give it to a
player) plus the offset of a frame's pts from the segment's first pts. The segment is demuxed without
decoding (a 4 s MPEG-TS segment is a few hundred kB), then decoded from the last keyframe at or before the
asked time to the frame whose presentation interval contains it: at most one GOP of decoding. Seeking with
the demuxer instead is not used: MPEG-TS has no index and FFmpeg's timestamp bisection may land on a frame
that is not a keyframe.

Offered in the API because clients that read segment files themselves use it too: the backend's recorded
snapshots and the console's paused stills (the exact frame while paused, which libVLC cannot promise).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import av
import av.container
import av.video.frame


class UnreadableSegmentError(ValueError):
    """A segment file could not be read or decoded."""


@dataclass(frozen=True, slots=True)
class FrameAt:
    """The decoded picture shown at an asked time, where its presentation starts on the timeline, and
    where the next picture of the segment starts (None: it is the segment's last)."""

    frame: av.video.frame.VideoFrame
    time_ms: int
    next_ms: int | None = None


def frame_at(path: Path, start_ms: int, time_ms: int) -> FrameAt:
    """The picture of the segment at `path` (starting at `start_ms`) that is shown at `time_ms`.

    The frame with the largest presentation time at or before `time_ms`; the first frame if `time_ms`
    is before it. Blocking: run it in a thread.

    Raises:
        FileNotFoundError: the segment is gone (retention deleted it meanwhile).
        UnreadableSegmentError: the file holds no decodable video.
    """
    try:
        container = av.open(str(path), format="mpegts")
    except FileNotFoundError:
        raise
    except (av.FFmpegError, OSError) as exc:
        raise UnreadableSegmentError(f"{path.name} cannot be opened ({exc})") from exc
    with container:
        return _frame_at(container, path.name, start_ms, time_ms)


def _frame_at(
    container: av.container.InputContainer, name: str, start_ms: int, time_ms: int
) -> FrameAt:
    if not container.streams.video:
        raise UnreadableSegmentError(f"{name} holds no video")
    stream = container.streams.video[0]
    time_base = stream.time_base
    if time_base is None:
        raise UnreadableSegmentError(f"{name} has no time base")
    try:
        packets = [p for p in container.demux(stream) if p.pts is not None and p.size > 0]
    except av.FFmpegError as exc:
        raise UnreadableSegmentError(f"{name} cannot be demuxed ({exc})") from exc
    if not packets:
        raise UnreadableSegmentError(f"{name} holds no video packets")
    first_pts = min(p.pts for p in packets if p.pts is not None)
    ticks_per_ms = float(1 / (time_base * 1000))
    target = first_pts + round((time_ms - start_ms) * ticks_per_ms)
    # decode from the last keyframe at or before the target (in decoding order): it can show it
    begin = 0
    for index, packet in enumerate(packets):
        if packet.is_keyframe and packet.pts is not None and packet.pts <= target:
            begin = index
    context = stream.codec_context
    context.thread_type = "AUTO"
    chosen: av.video.frame.VideoFrame | None = None
    try:
        for packet in packets[begin:]:
            for frame in context.decode(packet):
                if chosen is None or (frame.pts is not None and frame.pts <= target):
                    chosen = frame
                elif frame.pts is not None and frame.pts > target:
                    return _found(chosen, start_ms, first_pts, ticks_per_ms, frame.pts)
        for frame in context.decode(None):  # the frames the decoder held back (B-frames, threads)
            if chosen is None or (frame.pts is not None and frame.pts <= target):
                chosen = frame
            elif frame.pts is not None and frame.pts > target:
                return _found(chosen, start_ms, first_pts, ticks_per_ms, frame.pts)
    except av.FFmpegError as exc:
        if chosen is None:
            raise UnreadableSegmentError(f"{name} does not decode ({exc})") from exc
    if chosen is None:
        raise UnreadableSegmentError(f"{name} decoded to no picture")
    return _found(chosen, start_ms, first_pts, ticks_per_ms)


def _found(
    frame: av.video.frame.VideoFrame,
    start_ms: int,
    first_pts: int,
    ticks_per_ms: float,
    next_pts: int | None = None,
) -> FrameAt:
    pts = frame.pts if frame.pts is not None else first_pts
    following = (
        None if next_pts is None else start_ms + round((next_pts - first_pts) / ticks_per_ms)
    )
    return FrameAt(frame, start_ms + round((pts - first_pts) / ticks_per_ms), following)
