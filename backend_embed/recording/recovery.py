"""Start-up recovery: reconcile the segment index with the files under the recordings root.

Run it before recording resumes. After a SIGKILL of the app or of ffmpeg, or a crash in the middle of a
retention batch, it leaves every segment file with exactly one row and every row with its file:

- a file without a row (the writer's last batch, the `.ts.tmp` ffmpeg was writing) is probed with ffprobe and
  indexed, dated from its predecessor in the same ffmpeg run or else from its name;
- a file ffprobe cannot read, and anything else in a day folder but its `previews` folder, is moved to
  `<root>/quarantine/`; empty files are deleted; folders of cameras that no longer exist are quarantined whole;
- a row whose file is gone (retention deletes files before rows) is deleted and its runs rebuilt.

Each day folder is first compared with the index by count, first and last path (three index lookups); only
a day that differs is read row by row.
"""

from __future__ import annotations

import asyncio
import logging
import math
import os
import time
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from backend_embed.api.dto import StreamRole
from backend_embed.ffmpeg.command import SegmentName, parse_segment_name
from backend_embed.ffmpeg.runner import run_tool
from backend_embed.recording import layout
from backend_embed.recording.inventory import DaySignature, IndexInventory
from backend_embed.recording.runs import RUN_MAX_MS
from backend_embed.recording.segments import SegmentInfo, SegmentRecord, SegmentRepository

logger = logging.getLogger(__name__)

#: a predecessor's end this far from a file's name time is not trusted to date it
_PREDECESSOR_SLACK_MS = 60_000


@dataclass(frozen=True, slots=True)
class RecoveryReport:
    """What recovery changed.

    Attributes:
        indexed: segment files that had no row and were indexed (partial ones included).
        quarantined: files moved to the quarantine (unreadable, unknown, or of a deleted camera).
        dropped_rows: rows whose file was gone.
        removed_empty: empty segment files deleted.
        checked_days: camera days compared with the index.
    """

    indexed: int = 0
    quarantined: int = 0
    dropped_rows: int = 0
    removed_empty: int = 0
    checked_days: int = 0
    elapsed_s: float = 0.0


@dataclass(slots=True)
class _DayListing:
    """A day folder's files: segments by stream and name, and everything else."""

    segments: dict[StreamRole, dict[str, SegmentName]] = field(
        default_factory=lambda: defaultdict(dict)
    )
    other: list[Path] = field(default_factory=list)


@dataclass(slots=True)
class _Tally:
    indexed: int = 0
    quarantined: int = 0
    dropped_rows: int = 0
    removed_empty: int = 0
    checked_days: int = 0


class RecordingRecovery:
    """Reconciles one recordings root with the index. Nothing may record into the root meanwhile."""

    def __init__(
        self,
        root: Path,
        segments: SegmentRepository,
        inventory: IndexInventory,
        *,
        ffprobe: str = "ffprobe",
        probe_timeout_s: float = 15.0,
    ) -> None:
        self._root = root.resolve()
        self._segments = segments
        self._inventory = inventory
        self._ffprobe = ffprobe
        self._probe_timeout_s = probe_timeout_s

    async def run(self) -> RecoveryReport:
        """Reconcile every camera day on disk or in the index, and log the outcome.

        Raises:
            DatabaseError: the database failed (what was reconciled so far stays consistent).
            OSError: the root cannot be read, or ffprobe cannot be started.
        """
        started = time.monotonic()
        tally = _Tally()
        cameras = await self._inventory.camera_ids()
        on_disk = await asyncio.to_thread(layout.camera_dirs, self._root)
        for camera_id in sorted(set(on_disk) - cameras):
            tally.quarantined += await asyncio.to_thread(
                self._quarantine_camera, on_disk.pop(camera_id)
            )
        days = await self._days_to_check(on_disk)
        for (camera_id, day), streams in sorted(days.items()):
            directory = self._root / str(camera_id) / day
            await self._reconcile_day(camera_id, day, directory, streams, tally)
        report = RecoveryReport(
            indexed=tally.indexed,
            quarantined=tally.quarantined,
            dropped_rows=tally.dropped_rows,
            removed_empty=tally.removed_empty,
            checked_days=tally.checked_days,
            elapsed_s=time.monotonic() - started,
        )
        logger.info("Recovery of %s: %s", self._root, report)
        return report

    def _quarantine_camera(self, directory: Path) -> int:
        logger.warning(
            "Recordings of camera %s, which no longer exists, go to quarantine", directory.name
        )
        count = layout.count_files(directory)
        layout.quarantine(self._root, directory)
        return count

    async def _days_to_check(
        self, on_disk: dict[int, Path]
    ) -> dict[tuple[int, str], set[StreamRole]]:
        """Every (camera, day) with a folder or with runs, and the streams the index holds there."""
        days: dict[tuple[int, str], set[StreamRole]] = defaultdict(set)
        for camera_id, directory in on_disk.items():
            for day in await asyncio.to_thread(layout.day_dirs, directory):
                days.setdefault((camera_id, day), set())
        for span in await self._inventory.run_spans():
            for day in layout.days_between(span.start_ms, span.end_ms):
                days[(span.camera_id, day)].add(span.stream)
        return days

    async def _reconcile_day(
        self,
        camera_id: int,
        day: str,
        directory: Path,
        indexed_streams: set[StreamRole],
        tally: _Tally,
    ) -> None:
        tally.checked_days += 1
        listing = await asyncio.to_thread(_list_day, directory)
        for path in listing.other:
            await asyncio.to_thread(layout.quarantine, self._root, path)
            tally.quarantined += 1
        for stream in StreamRole:
            files = listing.segments.get(stream, {})
            if not files and stream not in indexed_streams:
                continue
            if await self._matches_index(camera_id, stream, day, files):
                continue
            await self._repair(camera_id, stream, day, directory, files, tally)

    async def _matches_index(
        self, camera_id: int, stream: StreamRole, day: str, files: dict[str, SegmentName]
    ) -> bool:
        """The cheap check: same count, first and last path as the index, and no partial file."""
        if any(not name.complete for name in files.values()):
            return False
        ordered = sorted(files, key=lambda n: files[n].sequence)
        lo = layout.day_start_ms(day)
        expected = DaySignature(
            len(ordered),
            layout.segment_path(camera_id, day, ordered[0]) if ordered else None,
            layout.segment_path(camera_id, day, ordered[-1]) if ordered else None,
        )
        return (
            await self._inventory.day_signature(camera_id, stream, lo, lo + layout.DAY_MS)
            == expected
        )

    async def _repair(
        self,
        camera_id: int,
        stream: StreamRole,
        day: str,
        directory: Path,
        files: dict[str, SegmentName],
        tally: _Tally,
    ) -> None:
        """Drop the day's rows whose file is gone, then index its files that have no row."""
        lo = layout.day_start_ms(day)
        rows = await self._segments.segments_between(
            camera_id, stream, lo - RUN_MAX_MS, lo + layout.DAY_MS + RUN_MAX_MS
        )
        prefix = layout.segment_path(camera_id, day, "")
        complete = {name for name, parsed in files.items() if parsed.complete}
        dangling = [
            r for r in rows if r.path.startswith(prefix) and r.path[len(prefix) :] not in complete
        ]
        if dangling:
            logger.warning(
                "Dropping %d row(s) of camera %d %s on %s whose files are gone",
                len(dangling), camera_id, stream.value, day,
            )  # fmt: skip
            tally.dropped_rows += await self._segments.delete([r.id for r in dangling])
        indexed = {r.path for r in rows}
        ends = _ends_by_sequence(r for r in rows if r not in dangling)
        orphans = sorted(
            (
                name
                for name, parsed in files.items()
                if not (parsed.complete and prefix + name in indexed)
            ),
            key=lambda name: files[name].sequence,
        )
        found: list[SegmentInfo] = []
        for name in orphans:
            parsed = files[name]
            info = await self._adopt(camera_id, day, directory / name, parsed, ends, tally)
            if info is not None:
                found.append(info)
                ends[parsed.sequence] = info.end_ms
        if found:
            tally.indexed += await self._segments.add_many(found)

    async def _adopt(
        self,
        camera_id: int,
        day: str,
        file: Path,
        parsed: SegmentName,
        ends: dict[int, int],
        tally: _Tally,
    ) -> SegmentInfo | None:
        """Probe, date and (for a partial file) rename an unindexed segment; None if it was set aside."""
        size = (await asyncio.to_thread(file.stat)).st_size
        if size == 0:
            await asyncio.to_thread(file.unlink)
            tally.removed_empty += 1
            return None
        duration_ms = await self._probe_duration_ms(file)
        final = file if parsed.complete else file.with_name(file.name.removesuffix(".tmp"))
        if duration_ms is None or duration_ms > RUN_MAX_MS or (file != final and final.exists()):
            await asyncio.to_thread(layout.quarantine, self._root, file)
            tally.quarantined += 1
            return None
        if file != final:
            await asyncio.to_thread(file.rename, final)
        previous_end = ends.get(parsed.sequence - 1)
        continues = (
            previous_end is not None
            and abs(previous_end - parsed.start_ms) <= _PREDECESSOR_SLACK_MS
        )
        start_ms = previous_end if previous_end is not None and continues else parsed.start_ms
        logger.info("Indexing unindexed segment %s (%d ms)", final.name, duration_ms)
        return SegmentInfo(
            camera_id=camera_id,
            stream=parsed.stream,
            start_ms=start_ms,
            end_ms=start_ms + duration_ms,
            duration_ms=duration_ms,
            size_bytes=size,
            path=layout.segment_path(camera_id, day, final.name),
            discontinuity=not continues,
        )

    async def _probe_duration_ms(self, file: Path) -> int | None:
        """The media duration ffprobe reads from `file`, or None when it cannot read one."""
        result = await run_tool(
            [self._ffprobe, "-v", "error", "-show_entries", "format=duration",
             "-of", "default=noprint_wrappers=1:nokey=1", str(file)],
            timeout=self._probe_timeout_s,
        )  # fmt: skip
        if not result.ok:
            logger.debug("ffprobe cannot read %s: %s", file, result.stderr.strip()[-300:])
            return None
        try:
            seconds = float(result.stdout.decode("ascii", errors="replace").strip())
        except ValueError:
            return None
        if not math.isfinite(seconds) or seconds <= 0:
            return None
        return round(seconds * 1000)


def _ends_by_sequence(rows: Iterable[SegmentRecord]) -> dict[int, int]:
    """End times of indexed segments by their ffmpeg sequence number (from the file name)."""
    ends: dict[int, int] = {}
    for row in rows:
        parsed = parse_segment_name(PurePosixPath(row.path).name)
        if parsed is not None:
            ends[parsed.sequence] = row.end_ms
    return ends


def _list_day(directory: Path) -> _DayListing:
    """Sort a day folder's entries into segments by stream and everything else (blocking).

    A missing folder is an empty listing: the index may still hold rows for that day.
    """
    listing = _DayListing()
    try:
        entries = list(os.scandir(directory))
    except FileNotFoundError:
        return listing
    for entry in entries:
        if entry.name == layout.PREVIEWS_DIR and entry.is_dir(follow_symlinks=False):
            continue  # timeline previews: deleted with their segments by retention
        parsed = parse_segment_name(entry.name) if entry.is_file(follow_symlinks=False) else None
        if parsed is None:
            listing.other.append(Path(entry.path))
        else:
            listing.segments[parsed.stream][entry.name] = parsed
    return listing
