"""RecordedCapture: the recorded frame a player shows at a wall-clock time, as a still.

The index says which segment holds `time_ms` and when it starts; `backend_embed.api.segment_frames` decodes
the exact frame from it.
"""

from __future__ import annotations

import asyncio
import logging
import time
from datetime import UTC, datetime
from pathlib import Path

from backend_embed.api.dto import StreamRole
from backend_embed.api.errors import BackendError, NotFoundError
from backend_embed.api.segment_frames import UnreadableSegmentError, frame_at
from backend_embed.recording.segments import SegmentRecord, SegmentRepository
from backend_embed.snapshots.still import Still, make_still

logger = logging.getLogger(__name__)

#: a segment is indexed once closed: up to one segment (4 s) and the indexer's poll behind live
_RECENT_MS = 10_000


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
