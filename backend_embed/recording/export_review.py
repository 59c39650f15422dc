"""Offline review of an evidence export: its MP4 clips played through the same VOD playlists as recordings.

An export folder (`manifest.json`, `manifest.sig` and one MP4 per camera) is recognised by its manifest. Each
clip becomes an `OfflineCamera` spanning the manifest's covered range. The player plays HLS playlists of
MPEG-TS segments (a playlist entry per segment, a discontinuity after each gap), so the first time a camera
is asked for, its MP4 is split without re-encoding (`ffmpeg -c copy -f segment`) into short TS pieces in the
temporary folder, cut at the manifest's gap boundaries too, and the pieces are indexed with wall-clock times:
the clip's media time runs through the covered range with its gaps left out (the export concatenated whole
segments, so media time skips every gap). Nothing in the export folder is written; reviewing does not verify
it (that is `verify_export`).
"""

from __future__ import annotations

import asyncio
import csv
import io
import json
import logging
import shutil
import tempfile
import uuid
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Protocol, cast

from sqlalchemy import Table, insert

from backend_embed.api.dto import StreamRole
from backend_embed.api.errors import NotFoundError
from backend_embed.api.media import OfflineCamera, OfflineReview, PlaybackSource, Preview
from backend_embed.api.recording import Coverage
from backend_embed.db.engine import Database
from backend_embed.db.migrate import upgrade_to_head
from backend_embed.db.models import CameraRow
from backend_embed.evidence.manifest import FORMAT, MANIFEST_NAME
from backend_embed.ffmpeg.runner import run_tool
from backend_embed.recording.segments import SegmentInfo, SegmentRepository
from backend_embed.recording.vod import VodPlaylists

logger = logging.getLogger(__name__)

#: the TS pieces a clip is split into last about this long (cut at the next keyframe)
PIECE_S = 4
#: a piece starting this close to a recorded span's start is taken to start it
_SNAP_MS = 500
_cameras = cast(Table, CameraRow.__table__)


@dataclass(frozen=True, slots=True)
class ExportClip:
    """One camera's clip as the manifest describes it."""

    camera_id: int
    name: str
    file: str
    start_ms: int
    end_ms: int
    gaps: tuple[tuple[int, int], ...]

    def spans(self) -> list[tuple[int, int]]:
        """The recorded spans: the covered range without its gaps, in time order."""
        spans, start = [], self.start_ms
        for gap_start, gap_end in sorted(self.gaps):
            if gap_start > start:
                spans.append((start, gap_start))
            start = max(start, gap_end)
        if self.end_ms > start:
            spans.append((start, self.end_ms))
        return spans


def is_export(folder: Path) -> bool:
    """True when `folder` holds an export manifest (blocking)."""
    return (folder / MANIFEST_NAME).is_file()


def read_clips(folder: Path) -> list[ExportClip]:
    """The clips `folder/manifest.json` lists (blocking).

    Raises:
        NotFoundError: the manifest cannot be read, is not an export manifest, or lists no clip.
    """
    try:
        clips = _parse(json.loads((folder / MANIFEST_NAME).read_text(encoding="utf-8")))
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
        raise NotFoundError(f"{folder / MANIFEST_NAME} is not a readable export manifest.") from exc
    if not clips:
        raise NotFoundError(f"The export in {folder} lists no clip.")
    return clips


def _parse(document: dict[str, Any]) -> list[ExportClip]:
    if document.get("format") != FORMAT:
        raise ValueError("not an export manifest")
    return [_clip(camera) for camera in document["cameras"]]


def _clip(camera: dict[str, Any]) -> ExportClip:
    file = str(camera["file"])
    if Path(file).name != file:
        raise ValueError(f"clip name {file!r} is not a plain file name")
    return ExportClip(
        camera_id=int(camera["id"]),
        name=str(camera["name"]),
        file=file,
        start_ms=int(camera["covered"]["start_ms"]),
        end_ms=int(camera["covered"]["end_ms"]),
        gaps=tuple((int(g["start_ms"]), int(g["end_ms"])) for g in camera.get("gaps", [])),
    )


def split_argv(ffmpeg: str, clip: Path, out_dir: Path, cuts_s: list[float]) -> list[str]:
    """ffmpeg splitting an MP4 into MPEG-TS pieces at `cuts_s` (next keyframe), listing them in a CSV."""
    times = ",".join(f"{t:.3f}" for t in cuts_s) or "86400"
    return [
        ffmpeg, "-hide_banner", "-nostdin", "-loglevel", "error", "-i", str(clip),
        "-map", "0:v", "-c", "copy", "-f", "segment", "-segment_format", "mpegts",
        "-segment_times", times, "-reset_timestamps", "0",
        "-segment_list", str(out_dir / "pieces.csv"), "-segment_list_type", "csv",
        str(out_dir / "%05d.ts"),
    ]  # fmt: skip


def cut_times(spans: list[tuple[int, int]]) -> list[float]:
    """Media times (s) to cut at: every `PIECE_S` within each span, and where each span starts."""
    cuts: set[float] = set()
    offset = 0
    for start, end in spans:
        cuts.update((offset + t) / 1000 for t in range(0, end - start, PIECE_S * 1000))
        offset += end - start
    cuts.discard(0.0)
    return sorted(cuts)


def date_pieces(
    camera_id: int, prefix: str, spans: list[tuple[int, int]], listing: str
) -> list[SegmentInfo]:
    """Index values of the pieces a CSV segment list names: media time mapped onto the recorded spans."""
    rows = [r for r in csv.reader(io.StringIO(listing)) if len(r) >= 3]
    if not rows or not spans:
        return []
    origin = float(rows[0][1])
    offsets, total = [], 0
    for start, end in spans:
        offsets.append(total)
        total += end - start
    found: list[SegmentInfo] = []
    for name, begin, finish in (r[:3] for r in rows):
        media_start = round((float(begin) - origin) * 1000)
        media_end = max(media_start, round((float(finish) - origin) * 1000))
        index = max(i for i, o in enumerate(offsets) if o <= media_start + _SNAP_MS)
        (span_start, span_end), offset = spans[index], offsets[index]
        starts_span = abs(media_start - offset) <= _SNAP_MS
        wall_start = span_start if starts_span else min(span_start + media_start - offset, span_end)
        wall_end = min(wall_start + media_end - media_start, span_end)
        if found and wall_start < found[-1].end_ms:
            continue  # a sliver the keyframe snapping pushed back into the span before
        found.append(
            SegmentInfo(
                camera_id=camera_id,
                stream=StreamRole.MAIN,
                start_ms=wall_start,
                end_ms=wall_end,
                duration_ms=wall_end - wall_start,
                size_bytes=0,
                path=f"{prefix}/{name}",
                discontinuity=starts_span and index > 0,
            )
        )
    return found


class ReviewLibrary(Protocol):
    """An opened folder: a recordings folder (`OfflineLibrary`) or an export (`ExportLibrary`)."""

    @property
    def id(self) -> str: ...
    @property
    def review(self) -> OfflineReview: ...
    def cameras(self) -> list[OfflineCamera]: ...
    async def coverage(
        self, camera_id: int, start_ms: int, end_ms: int, stream: StreamRole = StreamRole.MAIN
    ) -> Coverage: ...
    async def playback_source(
        self, camera_id: int, start_ms: int, end_ms: int, stream: StreamRole = StreamRole.MAIN
    ) -> PlaybackSource: ...
    async def previews(self, camera_id: int, start_ms: int, end_ms: int) -> list[Preview]: ...
    async def close(self) -> None: ...


class ExportLibrary:
    """One opened export folder, with the same calls as `OfflineLibrary`. Create it with `open()`."""

    def __init__(
        self, folder: Path, work_dir: Path, db: Database, clips: list[ExportClip], ffmpeg: str
    ) -> None:
        self.id = uuid.uuid4().hex
        self.folder = folder
        self._work_dir = work_dir
        self._db = db
        self._clips = {c.camera_id: c for c in clips}
        self._ffmpeg = ffmpeg
        self._segments = SegmentRepository(db)
        self._vod = VodPlaylists(work_dir / "clips", work_dir / "playlists", self._segments)
        self._split: set[int] = set()
        self._lock = asyncio.Lock()
        names: set[str] = set()
        cameras = []
        for clip in clips:
            name = clip.name if clip.name not in names else f"{clip.name} ({clip.camera_id})"
            names.add(name)
            cameras.append(
                OfflineCamera(clip.camera_id, name, clip.start_ms, clip.end_ms, (StreamRole.MAIN,))
            )
        self.review = OfflineReview(self.id, str(folder), tuple(cameras))

    @classmethod
    async def open(
        cls, folder: Path, *, work_dir: Path | None = None, ffmpeg: str = "ffmpeg"
    ) -> ExportLibrary:
        """Read the export's manifest and make the temporary index (clips are split when first asked for).

        Raises:
            NotFoundError: no readable export manifest, or it lists no clip.
        """
        folder = await asyncio.to_thread(folder.resolve)
        clips = await asyncio.to_thread(read_clips, folder)
        work = Path(await asyncio.to_thread(tempfile.mkdtemp, prefix="vas-export-", dir=work_dir))
        try:
            url = f"sqlite+aiosqlite:///{work / 'index.db'}"
            await asyncio.to_thread(upgrade_to_head, url)
            db = await Database.open(url)
        except BaseException:
            await asyncio.to_thread(shutil.rmtree, work, True)
            raise
        library = cls(folder, work, db, clips, ffmpeg)
        try:
            async with db.session() as session:
                rows = [
                    {"id": c.id, "name": c.name, "main_url": f"offline:{c.id}"}
                    for c in library.review.cameras
                ]
                await session.execute(insert(_cameras), rows)
        except BaseException:
            await library.close()
            raise
        logger.info("Opened the export %s for review: %d clips", folder, len(clips))
        return library

    def cameras(self) -> list[OfflineCamera]:
        return list(self.review.cameras)

    async def coverage(
        self, camera_id: int, start_ms: int, end_ms: int, stream: StreamRole = StreamRole.MAIN
    ) -> Coverage:
        await self._ensure(camera_id)
        return await self._segments.coverage(camera_id, stream, start_ms, end_ms)

    async def playback_source(
        self, camera_id: int, start_ms: int, end_ms: int, stream: StreamRole = StreamRole.MAIN
    ) -> PlaybackSource:
        """A VOD playlist of the clip's TS pieces in [start_ms, end_ms).

        Raises:
            NotFoundError: the camera is not in the export, its clip is missing or unreadable, or nothing
                of it is in the range.
        """
        await self._ensure(camera_id)
        return await self._vod.playback_source(camera_id, start_ms, end_ms, stream)

    async def previews(self, camera_id: int, start_ms: int, end_ms: int) -> list[Preview]:
        """None: an export holds no previews."""
        self._clip(camera_id)
        return []

    async def close(self) -> None:
        try:
            await self._db.dispose()
        finally:
            await asyncio.to_thread(shutil.rmtree, self._work_dir, True)

    def _clip(self, camera_id: int) -> ExportClip:
        try:
            return self._clips[camera_id]
        except KeyError:
            raise NotFoundError(f"Camera {camera_id} is not in {self.folder}.") from None

    async def _ensure(self, camera_id: int) -> None:
        """Split the camera's clip into indexed TS pieces, once."""
        clip = self._clip(camera_id)
        async with self._lock:
            if camera_id in self._split:
                return
            source = self.folder / clip.file
            if not await asyncio.to_thread(source.is_file):
                raise NotFoundError(f"The clip {clip.file} is missing from {self.folder}.")
            out_dir = self._work_dir / "clips" / str(camera_id)
            await asyncio.to_thread(out_dir.mkdir, parents=True, exist_ok=True)
            spans = clip.spans()
            result = await run_tool(
                split_argv(self._ffmpeg, source, out_dir, cut_times(spans)),
                timeout=60 + (clip.end_ms - clip.start_ms) / 10_000,
            )
            listing = out_dir / "pieces.csv"
            text = await asyncio.to_thread(listing.read_text) if listing.exists() else ""
            pieces = date_pieces(camera_id, str(camera_id), spans, text)
            if not result.ok or not pieces:
                tail = " | ".join(result.stderr.strip().splitlines()[-2:])
                raise NotFoundError(
                    f"The clip {clip.file} cannot be played ({tail or 'no video'})."
                )
            root = out_dir.parent
            sized = [replace(p, size_bytes=(root / p.path).stat().st_size) for p in pieces]
            await self._segments.add_many(sized)
            self._split.add(camera_id)
            logger.debug("Split %s into %d pieces", clip.file, len(pieces))
