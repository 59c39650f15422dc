"""Offline review: a copied recordings folder or an export, indexed read-only into a temporary database.

Accepted folders: a recordings root (`<camera_id>/<YYYY-MM-DD>/<stream>-<time>-<sequence>.ts`, camera folders
named by id) or one camera's folder (day folders directly inside). Cameras are named from `camera.json` where
present. Nothing in the folder is ever written, moved or deleted: `.ts.tmp` files and anything unknown are
skipped, not repaired; the index, and the playlists, live in a temporary folder removed by `close()`.

Segments are dated without ffprobe, from the first PTS of each file (a few KB read per file): within one
ffmpeg run (consecutive sequence numbers) a segment lasts until the next one's first PTS, the last one until
its own last PTS plus a frame. A run's wall-clock anchor is the median of (name time - PTS offset) over its
files plus half a second (names have one-second resolution, taken when ffmpeg opened the file), so dates
agree with the installation's index within about a second and two days of one run agree with each other.
Days are indexed when first asked for, so opening a month-long root costs a directory listing per camera.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import os
import shutil
import statistics
import tempfile
import uuid
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path
from typing import cast

from sqlalchemy import Table, insert

from backend_embed.api.dto import StreamRole
from backend_embed.api.errors import NotFoundError
from backend_embed.api.media import OfflineCamera, OfflineReview, PlaybackSource, Preview
from backend_embed.api.recording import Coverage
from backend_embed.db.engine import Database
from backend_embed.db.migrate import upgrade_to_head
from backend_embed.db.models import CameraRow
from backend_embed.ffmpeg.command import SegmentName, parse_segment_name
from backend_embed.recording import layout
from backend_embed.recording.export_review import ExportLibrary, ReviewLibrary, is_export
from backend_embed.recording.previews import PreviewIndex
from backend_embed.recording.runs import RUN_MAX_MS
from backend_embed.recording.segments import SegmentInfo, SegmentRepository
from backend_embed.recording.vod import VodPlaylists

logger = logging.getLogger(__name__)

_HEAD_BYTES = 64 * 1024
_TAIL_BYTES = 512 * 1024
_PTS_WRAP = 1 << 33
_MAX_STEP_MS = 60_000  # consecutive files further apart than this do not continue a run
_DEFAULT_FRAME_MS = 40
_cameras = cast(Table, CameraRow.__table__)


def video_pts(data: bytes) -> Iterator[int]:
    """The PTS (90 kHz) of each video PES that starts in MPEG-TS `data`, which may begin mid-packet."""
    first = next((i for i in range(min(len(data), 188)) if _synced(data, i)), None)
    if first is None:
        return
    for offset in range(first, len(data) - 187, 188):
        packet = data[offset : offset + 188]
        control = packet[3] >> 4 & 3
        if packet[0] != 0x47 or not packet[1] & 0x40 or not control & 1:
            continue
        pes = packet[4 + (1 + packet[4] if control & 2 else 0) :]
        if len(pes) >= 14 and pes[:3] == b"\0\0\1" and 0xE0 <= pes[3] <= 0xEF and pes[7] & 0x80:
            p = pes[9:14]
            yield (p[0] >> 1 & 7) << 30 | p[1] << 22 | (p[2] >> 1) << 15 | p[3] << 7 | p[4] >> 1


def _synced(data: bytes, offset: int) -> bool:
    return all(data[i] == 0x47 for i in range(offset, min(len(data), offset + 188 * 3), 188))


def _first_pts(path: Path) -> int | None:
    with path.open("rb") as file:
        return next(video_pts(file.read(_HEAD_BYTES)), None)


def _media_end_pts(path: Path, size: int) -> int | None:
    """The PTS just after the last frame of a segment (its last PTS plus a frame), or None."""
    with path.open("rb") as file:
        file.seek(max(0, size - _TAIL_BYTES))
        stamps = sorted(set(video_pts(file.read())))
    if not stamps:
        return None
    steps = [b - a for a, b in itertools.pairwise(stamps) if 0 < b - a < 90_000]
    return stamps[-1] + (min(steps) if steps else _DEFAULT_FRAME_MS * 90)


def _ms(ticks: int) -> int:
    return round(ticks % _PTS_WRAP / 90)


def date_segments(camera_key: str, camera_id: int, day: str, day_dir: Path) -> list[SegmentInfo]:
    """Date the complete segments of one day folder from their names and PTS (blocking; reads only).

    Paths are `<camera_key>/<day>/<name>`, relative to the folder that holds the camera folder.
    """
    by_stream: dict[StreamRole, list[tuple[SegmentName, os.DirEntry[str]]]] = defaultdict(list)
    for entry in os.scandir(day_dir):
        parsed = parse_segment_name(entry.name)
        if parsed is not None and parsed.complete and entry.is_file(follow_symlinks=False):
            by_stream[parsed.stream].append((parsed, entry))
    found: list[SegmentInfo] = []
    for stream, files in by_stream.items():
        files.sort(key=lambda item: item[0].sequence)
        for run in _runs(files):
            found.extend(_date_run(camera_key, camera_id, day, stream, run))
    return found


_Probed = tuple[SegmentName, os.DirEntry[str], int]


def _runs(files: list[tuple[SegmentName, os.DirEntry[str]]]) -> Iterator[list[_Probed]]:
    """Files with a readable first PTS, split where the sequence breaks or the PTS jumps."""
    run: list[_Probed] = []
    for parsed, entry in files:
        try:
            pts = _first_pts(Path(entry.path))
        except OSError as exc:
            logger.debug("Skipping unreadable %s: %s", entry.path, exc)
            pts = None
        if pts is None:
            continue
        if run:
            previous, _, previous_pts = run[-1]
            step = _ms(pts - previous_pts)
            if parsed.sequence != previous.sequence + 1 or not 0 < step <= _MAX_STEP_MS:
                yield run
                run = []
        run.append((parsed, entry, pts))
    if run:
        yield run


def _date_run(
    camera_key: str, camera_id: int, day: str, stream: StreamRole, run: list[_Probed]
) -> list[SegmentInfo]:
    """Index values for one run of files: PTS offsets from its first file, anchored by the names."""
    offsets = [_ms(pts - run[0][2]) for _, _, pts in run]
    named = [parsed.start_ms - offset for (parsed, _, _), offset in zip(run, offsets, strict=True)]
    anchor = 500 + round(statistics.median(named))
    ends = [*offsets[1:], offsets[-1] + _last_duration_ms(run[-1], offsets)]
    return [
        SegmentInfo(
            camera_id=camera_id,
            stream=stream,
            start_ms=anchor + start,
            end_ms=anchor + end,
            duration_ms=end - start,
            size_bytes=entry.stat().st_size,
            path=f"{camera_key}/{day}/{entry.name}",
            discontinuity=index == 0,
        )
        for index, ((_, entry, _), start, end) in enumerate(zip(run, offsets, ends, strict=True))
    ]


def _last_duration_ms(last: _Probed, offsets: list[int]) -> int:
    """How long the last file of a run plays: from its PTS, else the run's typical length, else 1 s."""
    _, entry, first_pts = last
    try:
        end_pts = _media_end_pts(Path(entry.path), entry.stat().st_size)
    except OSError:
        end_pts = None
    if end_pts is not None and 0 < _ms(end_pts - first_pts) <= RUN_MAX_MS:
        return _ms(end_pts - first_pts)
    steps = [b - a for a, b in itertools.pairwise(offsets)]
    return round(statistics.median(steps)) if steps else 1000


def find_cameras(folder: Path) -> dict[int, Path]:
    """The camera folders of a recordings root, or the folder itself if it is one camera's (blocking).

    A single camera folder takes its id from its name when that is a number, else from its `camera.json`,
    else 1.
    """
    cameras = {i: d for i, d in layout.camera_dirs(folder).items() if layout.day_dirs(d)}
    if cameras or not layout.day_dirs(folder):
        return cameras
    camera_id = int(folder.name) if folder.name.isdigit() else layout.read_camera_id(folder) or 1
    return {camera_id: folder}


class OfflineLibrary:
    """One opened folder: its cameras, coverage, playlists and previews, from a temporary index.

    Create it with `open()`; `close()` deletes the temporary index and playlists. Every method runs on the
    loop that opened it.
    """

    def __init__(
        self, folder: Path, work_dir: Path, db: Database, cameras: dict[int, Path]
    ) -> None:
        self.id = uuid.uuid4().hex
        self.folder = folder
        self._work_dir = work_dir
        self._db = db
        self._camera_dirs = cameras
        base = {camera_dir.parent for camera_dir in cameras.values()}
        self._base = base.pop() if base else folder
        self._segments = SegmentRepository(db)
        self._vod = VodPlaylists(self._base, work_dir / "playlists", self._segments)
        self._previews = PreviewIndex(self._base, camera_dirs=cameras)
        self._indexed: set[tuple[int, str]] = set()
        self._lock = asyncio.Lock()
        self._review: OfflineReview | None = None

    @classmethod
    async def open(cls, folder: Path, *, work_dir: Path | None = None) -> OfflineLibrary:
        """Find the cameras of `folder` and make an empty temporary index for them.

        Args:
            work_dir: where the temporary folder is made (the system's temporary folder by default).

        Raises:
            NotFoundError: `folder` does not exist or holds no recordings.
            DatabaseError: the temporary index cannot be made.
        """
        folder = await asyncio.to_thread(folder.resolve)
        if not await asyncio.to_thread(folder.is_dir):
            raise NotFoundError(f"The folder {folder} does not exist.")
        cameras = await asyncio.to_thread(find_cameras, folder)
        if not cameras:
            raise NotFoundError(f"{folder} holds no recordings (no camera or day folders).")
        work = Path(await asyncio.to_thread(tempfile.mkdtemp, prefix="vas-offline-", dir=work_dir))
        try:
            url = f"sqlite+aiosqlite:///{work / 'index.db'}"
            await asyncio.to_thread(upgrade_to_head, url)
            db = await Database.open(url)
        except BaseException:
            await asyncio.to_thread(shutil.rmtree, work, True)
            raise
        library = cls(folder, work, db, cameras)
        try:
            library._review = await library._describe()
        except BaseException:
            await library.close()
            raise
        logger.info("Opened %s for offline review: cameras %s", folder, sorted(cameras))
        return library

    @property
    def review(self) -> OfflineReview:
        """What the console shows of the folder."""
        assert self._review is not None, "OfflineLibrary.open() sets it"
        return self._review

    def cameras(self) -> list[OfflineCamera]:
        return list(self.review.cameras)

    async def coverage(
        self, camera_id: int, start_ms: int, end_ms: int, stream: StreamRole = StreamRole.MAIN
    ) -> Coverage:
        """Recorded spans and gaps of a camera stream in [start_ms, end_ms) (indexes the days first)."""
        await self._ensure(camera_id, start_ms, end_ms)
        return await self._segments.coverage(camera_id, stream, start_ms, end_ms)

    async def playback_source(
        self, camera_id: int, start_ms: int, end_ms: int, stream: StreamRole = StreamRole.MAIN
    ) -> PlaybackSource:
        """A VOD playlist (in the temporary folder) of the folder's segments in [start_ms, end_ms).

        Raises:
            NotFoundError: the camera is not in the folder, or nothing is recorded in the range.
        """
        await self._ensure(camera_id, start_ms, end_ms)
        return await self._vod.playback_source(camera_id, start_ms, end_ms, stream)

    async def previews(self, camera_id: int, start_ms: int, end_ms: int) -> list[Preview]:
        """The previews recorded with the folder's segments, in time order."""
        self._camera_dir(camera_id)
        return await self._previews.previews(camera_id, start_ms, end_ms)

    async def close(self) -> None:
        """Close the temporary index and delete the temporary folder. The reviewed folder is untouched."""
        try:
            await self._db.dispose()
        finally:
            await asyncio.to_thread(shutil.rmtree, self._work_dir, True)

    def _camera_dir(self, camera_id: int) -> Path:
        try:
            return self._camera_dirs[camera_id]
        except KeyError:
            raise NotFoundError(f"Camera {camera_id} is not in {self.folder}.") from None

    async def _ensure(self, camera_id: int, start_ms: int, end_ms: int) -> None:
        """Index the camera's day folders that [start_ms, end_ms) touches and are not indexed yet."""
        camera_dir = self._camera_dir(camera_id)
        async with self._lock:
            days = await asyncio.to_thread(layout.day_dirs, camera_dir)
            for day in layout.days_between(start_ms - RUN_MAX_MS, end_ms):
                if day not in days or (camera_id, day) in self._indexed:
                    continue
                found = await asyncio.to_thread(
                    date_segments, camera_dir.name, camera_id, day, days[day]
                )
                await self._segments.add_many(found)
                self._indexed.add((camera_id, day))
                logger.debug("Indexed %d segments of camera %d on %s", len(found), camera_id, day)

    async def _describe(self) -> OfflineReview:
        """Name the cameras and store them, and index each camera's first and last day (its extent)."""
        cameras: list[OfflineCamera] = []
        found: list[SegmentInfo] = []
        names: set[str] = set()
        for camera_id, camera_dir in sorted(self._camera_dirs.items()):
            name = await asyncio.to_thread(layout.read_camera_name, camera_dir)
            name = name or f"Camera {camera_id}"
            if name in names:
                name = f"{name} ({camera_id})"
            names.add(name)
            days = sorted(await asyncio.to_thread(layout.day_dirs, camera_dir))
            segments: list[SegmentInfo] = []
            for day in {days[0], days[-1]} if days else set():
                segments += await asyncio.to_thread(
                    date_segments, camera_dir.name, camera_id, day, camera_dir / day
                )
                self._indexed.add((camera_id, day))
            cameras.append(_camera(camera_id, name, segments))
            found += segments
        async with self._db.session() as session:
            await session.execute(
                insert(_cameras),
                [{"id": c.id, "name": c.name, "main_url": f"offline:{c.id}"} for c in cameras],
            )
        await self._segments.add_many(found)
        return OfflineReview(self.id, str(self.folder), tuple(cameras))


def _camera(camera_id: int, name: str, segments: list[SegmentInfo]) -> OfflineCamera:
    """A camera's extent and streams from the segments of its first and last day."""
    streams = tuple(s for s in StreamRole if any(seg.stream is s for seg in segments))
    return OfflineCamera(
        camera_id,
        name,
        min((s.start_ms for s in segments), default=None),
        max((s.end_ms for s in segments), default=None),
        streams,
    )


class OfflineReviews:
    """The offline reviews open in one backend, by id (what `BackendApi.open_offline` hands out).

    A folder with an export manifest opens as an export (`ExportLibrary`), any other as recordings.
    """

    def __init__(self, work_dir: Path | None = None, *, ffmpeg: str = "ffmpeg") -> None:
        """`work_dir`: where each review's temporary index is made (the system's temporary folder if None).
        A directory of its own lets `sweep` remove what a host that died left there."""
        self._work_dir = work_dir
        self._ffmpeg = ffmpeg
        self._open: dict[str, ReviewLibrary] = {}

    async def sweep(self) -> int:
        """Make `work_dir` and remove the review folders left in it by a host that stopped without
        closing them (it was killed, say); returns how many. Call before any review opens."""
        if self._work_dir is None:
            return 0
        return await asyncio.to_thread(_sweep, self._work_dir)

    async def open(self, folder: Path) -> OfflineReview:
        library: ReviewLibrary
        if await asyncio.to_thread(is_export, folder):
            library = await ExportLibrary.open(folder, work_dir=self._work_dir, ffmpeg=self._ffmpeg)
        else:
            library = await OfflineLibrary.open(folder, work_dir=self._work_dir)
        self._open[library.id] = library
        return library.review

    def get(self, review_id: str) -> ReviewLibrary:
        """The open review `review_id`.

        Raises:
            NotFoundError: it was closed, or never opened.
        """
        try:
            return self._open[review_id]
        except KeyError:
            raise NotFoundError("This offline review is no longer open.") from None

    async def close(self, review_id: str) -> None:
        library = self._open.pop(review_id, None)
        if library is not None:
            await library.close()

    async def close_all(self) -> None:
        """Close every review (at shutdown)."""
        while self._open:
            await self._open.popitem()[1].close()


_REVIEW_PREFIXES = ("vas-offline-", "vas-export-")


def _sweep(work_dir: Path) -> int:
    work_dir.mkdir(parents=True, exist_ok=True)
    left = [p for p in work_dir.iterdir() if p.is_dir() and p.name.startswith(_REVIEW_PREFIXES)]
    for path in left:
        shutil.rmtree(path, ignore_errors=True)
    return len(left)
