"""Retention: deletes the oldest unprotected recordings by age, by camera size and to keep the disk free.

Files are deleted before their rows. A crash in between leaves rows whose files are gone, which start-up
recovery drops; the other order would leave files without rows, which recovery would index again as
recordings (bringing deleted footage back until the next sweep). A segment that overlaps a protected range is
never deleted, whole.
"""

from __future__ import annotations

import asyncio
import logging
import os
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from backend_embed.api.dto import RecordingSettings
from backend_embed.api.errors import DatabaseError
from backend_embed.api.events import BackendEvent, StorageAlert
from backend_embed.recording.inventory import IndexInventory
from backend_embed.recording.previews import remove_previews
from backend_embed.recording.segments import SegmentRecord, SegmentRepository
from backend_embed.recording.storage import StorageReporter, now_ms
from backend_embed.recording.volume import StorageLimits, Volume

logger = logging.getLogger(__name__)

_DAY_MS = 86_400_000
StopRecording = Callable[[tuple[int, ...], str], Awaitable[None]]
ResumeRecording = Callable[[tuple[int, ...]], Awaitable[None]]


@dataclass(frozen=True, slots=True)
class RetentionPolicy:
    """One camera's limits; None means no limit of that kind (the global watermark still applies)."""

    camera_id: int
    max_age_days: int | None = None
    max_bytes: int | None = None

    @classmethod
    def from_settings(cls, camera_id: int, settings: RecordingSettings) -> RetentionPolicy:
        return cls(camera_id, settings.max_age_days, settings.max_bytes)


@dataclass(frozen=True, slots=True)
class SweepResult:
    """What one sweep did. `stopped` lists the cameras whose recording was stopped for lack of space."""

    deleted_segments: int
    deleted_bytes: int
    free_bytes: int
    stopped: tuple[int, ...] = ()
    alert: str | None = None


@dataclass(slots=True)
class _Tally:
    segments: int = 0
    bytes: int = 0


class RetentionManager:
    """Applies the camera policies and the global free-space limits, oldest recordings first.

    A sweep (1) deletes each camera's segments older than its max age, (2) trims each camera to its max bytes,
    (3) deletes the oldest segments of ALL cameras until the volume's free space is at the watermark, then
    (4) if free space is still below the hard limit (only protected recordings are left), calls
    `stop_recording` for every recorded camera and publishes a `StorageAlert`; below the watermark alone it
    only alerts. Each condition is reported once until it clears. Once free space is back above the watermark
    (not merely the hard limit), `resume_recording` gets the cameras it stopped.

    `run()` sweeps every `interval_s`, and sooner when a free-space check (every `check_interval_s`, one
    statvfs) finds the volume below the watermark: ffmpeg does not notice a full disk (it writes empty
    segments), so the hard limit must act within seconds. Between sweeps a camera may exceed its max bytes by
    what it records in one interval.
    """

    def __init__(
        self,
        segments: SegmentRepository,
        inventory: IndexInventory,
        volume: Volume,
        limits: StorageLimits,
        reporter: StorageReporter,
        *,
        stop_recording: StopRecording,
        publish: Callable[[BackendEvent], None],
        resume_recording: ResumeRecording | None = None,
        policies: Sequence[RetentionPolicy] = (),
        clock: Callable[[], int] = now_ms,
        batch_size: int = 500,
        interval_s: float = 60.0,
        check_interval_s: float = 5.0,
    ) -> None:
        self._segments = segments
        self._inventory = inventory
        self._volume = volume
        self._limits = limits
        self._reporter = reporter
        self._stop_recording = stop_recording
        self._publish = publish
        self._policies = tuple(policies)
        self._clock = clock
        self._batch_size = batch_size
        self._interval_s = interval_s
        self._check_interval_s = check_interval_s
        self._resume_recording = resume_recording
        self._alerted: str | None = None
        self._stopped: tuple[int, ...] = ()

    def set_policies(self, policies: Sequence[RetentionPolicy]) -> None:
        """Replace the camera policies (cameras added, removed or edited); the next sweep applies them."""
        self._policies = tuple(policies)

    async def run(self) -> None:
        """Sweep until cancelled. A sweep the database or the disk fails is logged and retried later."""
        loop = asyncio.get_running_loop()
        next_sweep = loop.time()
        while True:
            try:
                if loop.time() >= next_sweep or await self._below_watermark():
                    await self.sweep()
                    next_sweep = loop.time() + self._interval_s
            except (DatabaseError, OSError) as exc:
                logger.warning("Retention sweep failed, retrying: %s", exc)
            await asyncio.sleep(self._check_interval_s)

    async def _below_watermark(self) -> bool:
        usage = await asyncio.to_thread(self._volume.usage)
        return usage.free_bytes < self._limits.watermark_bytes(usage.total_bytes)

    async def sweep(self) -> SweepResult:
        """Run the four steps once.

        Raises:
            DatabaseError: the database failed (what was deleted so far stays deleted and consistent).
            OSError: the volume cannot be measured.
        """
        tally = _Tally()
        now = self._clock()
        for policy in self._policies:
            if policy.max_age_days is not None:
                cutoff = now - policy.max_age_days * _DAY_MS
                await self._delete_while(
                    tally, lambda: None, camera_id=policy.camera_id, before=cutoff
                )
        for policy in self._policies:
            if policy.max_bytes is not None:
                await self._trim_camera(tally, policy.camera_id, policy.max_bytes)
        await self._free_to_watermark(tally)
        usage = await asyncio.to_thread(self._volume.usage)
        if tally.segments:
            logger.info(
                "Retention deleted %d segment(s), %d bytes; %d bytes free",
                tally.segments, tally.bytes, usage.free_bytes,
            )  # fmt: skip
        stopped, alert = await self._check_limits(usage.free_bytes, usage.total_bytes)
        return SweepResult(tally.segments, tally.bytes, usage.free_bytes, stopped, alert)

    async def _trim_camera(self, tally: _Tally, camera_id: int, max_bytes: int) -> None:
        usage = {u.camera_id: u.bytes for u in await self._inventory.usage_by_camera()}
        done_at = tally.bytes + usage.get(camera_id, 0) - max_bytes
        await self._delete_while(tally, lambda: done_at - tally.bytes, camera_id=camera_id)

    async def _free_to_watermark(self, tally: _Tally) -> None:
        while True:
            usage = await asyncio.to_thread(self._volume.usage)
            need = self._limits.watermark_bytes(usage.total_bytes) - usage.free_bytes
            if need <= 0:
                return
            deleted = await self._delete_batch(tally, need=need)
            if deleted == 0:
                return

    async def _delete_while(
        self,
        tally: _Tally,
        remaining: Callable[[], int | None],
        *,
        camera_id: int,
        before: int | None = None,
    ) -> None:
        """Delete batches of a camera's oldest segments while `remaining()` bytes are to go (None: no limit)."""
        while True:
            need = remaining()
            if need is not None and need <= 0:
                return
            deleted = await self._delete_batch(tally, need=need, camera_id=camera_id, before=before)
            if deleted == 0:
                return

    async def _delete_batch(
        self,
        tally: _Tally,
        *,
        need: int | None,
        camera_id: int | None = None,
        before: int | None = None,
    ) -> int:
        """Delete the oldest deletable segments, only as many as cover `need` bytes; return how many."""
        batch = await self._segments.oldest_deletable(
            limit=self._batch_size, camera_id=camera_id, ended_before_ms=before
        )
        if need is not None:
            batch = _enough(batch, need)
        if not batch:
            return 0
        removed = await asyncio.to_thread(_remove_files, self._volume.root, batch)
        await self._segments.delete([s.id for s in removed])
        tally.segments += len(removed)
        tally.bytes += sum(s.size_bytes for s in removed)
        return len(removed)

    async def _check_limits(self, free: int, total: int) -> tuple[tuple[int, ...], str | None]:
        """Stop recording below the hard limit, alert below the watermark; once per episode."""
        if free < self._limits.hard_min_free_bytes:
            state = "stopped"
            message = (
                f"Recording stopped: only {_size(free)} free on {self._volume.root}, below the hard limit of "
                f"{_size(self._limits.hard_min_free_bytes)}, and only protected recordings are left to "
                f"delete. Free space or lift protections; recording resumes once "
                f"{_size(self._limits.watermark_bytes(total))} are free."
            )
        elif free < self._limits.watermark_bytes(total):
            state = "low"
            message = (
                f"Retention cannot keep {_size(self._limits.watermark_bytes(total))} free on "
                f"{self._volume.root}: only protected recordings are left to delete ({_size(free)} free)."
            )
        else:
            self._alerted = None
            await self._resume()
            return (), None
        if self._alerted == state:
            return (), None
        self._alerted = state
        stopped: tuple[int, ...] = ()
        if state == "stopped":
            stopped = tuple(p.camera_id for p in self._policies)
            logger.error("%s", message)
            self._stopped = stopped
            await self._stop_recording(stopped, message)
        else:
            logger.warning("%s", message)
        self._publish(StorageAlert(message=message, report=await self._reporter.report()))
        return stopped, message

    async def _resume(self) -> None:
        """Hand the cameras stopped for lack of space back to `resume_recording`, once space is back."""
        stopped, self._stopped = self._stopped, ()
        if stopped and self._resume_recording is not None:
            logger.info("Free space is back above the watermark: resuming cameras %s", stopped)
            await self._resume_recording(stopped)


def _enough(batch: list[SegmentRecord], need: int) -> list[SegmentRecord]:
    """The oldest prefix of `batch` whose bytes reach `need`."""
    taken: list[SegmentRecord] = []
    total = 0
    for segment in batch:
        if total >= need:
            break
        taken.append(segment)
        total += segment.size_bytes
    return taken


def _remove_files(root: Path, batch: Sequence[SegmentRecord]) -> list[SegmentRecord]:
    """Delete the files of `batch` (blocking); return the segments whose file is now gone.

    A file that cannot be deleted keeps its row (logged), so the space it holds stays accounted for. The
    previews made from deleted segments go too, and day directories left empty are removed.
    """
    removed = []
    failed: list[str] = []
    for segment in batch:
        file = root / segment.path
        try:
            file.unlink(missing_ok=True)
        except OSError as exc:
            failed.append(f"{file}: {exc.strerror}")
            continue
        removed.append(segment)
    if failed:
        logger.error("Cannot delete %d recording(s), e.g. %s", len(failed), failed[0])
    try:
        remove_previews(root, removed)
    except OSError as exc:  # a preview left behind costs a few KB; its segment is gone either way
        logger.warning("Cannot delete previews of deleted recordings: %s", exc)
    for directory in {(root / s.path).parent for s in removed}:
        try:
            os.rmdir(directory)
        except OSError:  # not empty (the usual case), or already gone
            continue
    return removed


def _size(size: int) -> str:
    """A byte count for an operator: GiB from 1 GiB, MiB below."""
    return f"{size / 2**30:.1f} GiB" if size >= 2**30 else f"{size / 2**20:.1f} MiB"
