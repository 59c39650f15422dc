"""RecordedCapture: the recorded frame a player shows at a wall-clock time, as a still.

The index says which segment holds `time_ms` and when it starts; a segment's timeline is its start plus the
offset of a frame's pts from the segment's first pts (what the VOD playlist's program date times give the
player). The segment is demuxed without decoding (a 4 s MPEG-TS segment is a few hundred kB), then decoded
from the last keyframe at or before the asked time to the frame whose presentation interval contains it:
at most one GOP of decoding. Seeking with the demuxer instead is not used: MPEG-TS has no index and
FFmpeg's timestamp bisection may land on a frame that is not a keyframe.
"""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import av
import av.container
import av.video.frame

from backend_embed.api.dto import StreamRole
from backend_embed.api.errors import BackendError, NotFoundError
from backend_embed.recording.segments import SegmentRecord, SegmentRepository
from backend_embed.snapshots.still import Still, make_still

logger = logging.getLogger(__name__)

#: a segment is indexed once closed: up to one segment (4 s) and the indexer's poll behind live
_RECENT_MS = 10_000


class UnreadableSegmentError(ValueError):
    """A segment file could not be read or decoded."""


@dataclass(frozen=True, slots=True)
class FrameAt:
    """The decoded picture shown at an asked time, and where its presentation starts on the timeline."""

    frame: av.video.frame.VideoFrame
    time_ms: int


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
                    return _found(chosen, start_ms, first_pts, ticks_per_ms)
        for frame in context.decode(None):
            if chosen is None or (frame.pts is not None and frame.pts <= target):
                chosen = frame
    except av.FFmpegError as exc:
        if chosen is None:
            raise UnreadableSegmentError(f"{name} does not decode ({exc})") from exc
    if chosen is None:
        raise UnreadableSegmentError(f"{name} decoded to no picture")
    return _found(chosen, start_ms, first_pts, ticks_per_ms)


def _found(
    frame: av.video.frame.VideoFrame, start_ms: int, first_pts: int, ticks_per_ms: float
) -> FrameAt:
    pts = frame.pts if frame.pts is not None else first_pts
    return FrameAt(frame, start_ms + round((pts - first_pts) / ticks_per_ms))


def _still_at(path: Path, start_ms: int, time_ms: int, stream: StreamRole) -> Still:
    found = frame_at(path, start_ms, time_ms)
    return make_still(found.frame, time_ms=found.time_ms, stream=stream)


def _when(time_ms: int) -> str:
    return (
        datetime.fromtimestamp(time_ms / 1000, UTC).strftime("%Y-%m-%d %H:%M:%S.%f")[:-3] + " UTC"
    )


class RecordedCapture:
    """Stills of recorded video, read from the segments under one recordings root."""

    def __init__(self, root: Path, segments: SegmentRepository) -> None:
        self._root = root
        self._segments = segments

    async def segment_at(
        self, camera_id: int, time_ms: int, stream: StreamRole = StreamRole.MAIN
    ) -> SegmentRecord | None:
        """The indexed segment that holds `time_ms` (the latest starting, if two overlap), or None."""
        found = await self._segments.segments_between(camera_id, stream, time_ms, time_ms + 1)
        return found[-1] if found else None

    async def still(
        self, camera_id: int, time_ms: int, stream: StreamRole = StreamRole.MAIN
    ) -> Still:
        """The frame shown at `time_ms` as JPEG; its `time_ms` is where that frame starts on the timeline.

        Raises:
            NotFoundError: nothing of this camera stream is recorded (and indexed) at `time_ms`.
            BackendError: the recording is there but cannot be read.
        """
        segment = await self.segment_at(camera_id, time_ms, stream)
        if segment is None:
            recent = time.time() * 1000 - time_ms < _RECENT_MS
            raise NotFoundError(
                f"Nothing was recorded on this camera at {_when(time_ms)}."
                + (
                    " The last few seconds are still being written: try again shortly."
                    if recent
                    else ""
                )
            )
        path = self._root / segment.path
        try:
            return await asyncio.to_thread(_still_at, path, segment.start_ms, time_ms, stream)
        except FileNotFoundError as exc:
            raise NotFoundError(
                f"The recording at {_when(time_ms)} was deleted (storage retention)."
            ) from exc
        except UnreadableSegmentError as exc:
            logger.warning("Recorded still of camera %d failed: %s", camera_id, exc)
            raise BackendError(
                f"The recording at {_when(time_ms)} is damaged and cannot be shown as a picture."
            ) from exc
