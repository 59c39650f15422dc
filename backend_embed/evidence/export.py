"""Clip export: one camera's indexed segments copied (never re-encoded) into an MP4, then signed.

Whole segments are exported: the MPEG-TS segments start at a keyframe, so concatenating them needs no
re-encoding, while trimming to the requested range with `-ss/-to` would cut between keyframes (a stream copy
then starts on a non-keyframe or drifts from the asked time). The manifest records, per camera, the exact range
the file covers (first segment start to last segment end, from the index) and the gaps inside it.
"""

from __future__ import annotations

import asyncio
import base64
import errno
import hashlib
import logging
import os
import shutil
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Protocol

from backend_embed.api.dto import StreamRole
from backend_embed.api.errors import BackendError
from backend_embed.evidence.manifest import (
    MANIFEST_NAME,
    SIGNATURE_NAME,
    CameraClip,
    ExportedFile,
    build_manifest,
    clip_file_name,
)
from backend_embed.ffmpeg.runner import run_tool, run_tool_lines
from backend_embed.recording.runs import CONTINUITY_TOLERANCE_MS
from backend_embed.recording.segments import SegmentRecord, SegmentRepository

logger = logging.getLogger(__name__)

#: room kept free beyond the segments' own size (the MP4 index, the manifest)
_SPARE_BYTES = 16 * 1024 * 1024
_HASH_CHUNK = 1024 * 1024
#: progress is reported at most this often (plus at the start, each clip's end and the end)
PROGRESS_INTERVAL_S = 0.2

#: gets the fraction done (0.0 … 1.0) and a short text of what is being done ("Gate (1 of 2)")
ProgressCallback = Callable[[float, str], None]


class ExportError(BackendError):
    """A clip export failed; nothing of it was left in the destination."""


class NothingRecordedError(ExportError):
    """No selected camera has any recording in the requested range."""


class DiskFullError(ExportError):
    """The destination has not enough free space for the export."""


class DestinationError(ExportError):
    """The destination folder cannot be created or written (or exists already)."""


class Signer(Protocol):
    """What signs an export (`backend_embed.evidence.signing.InstallationKey`)."""

    @property
    def public_key(self) -> str: ...

    @property
    def fingerprint(self) -> str: ...

    def sign(self, data: bytes) -> bytes: ...


@dataclass(frozen=True, slots=True)
class ExportResult:
    """A finished export.

    Attributes:
        folder: the export folder (`dest`), holding the clips, `manifest.json` and `manifest.sig`.
        clips: per camera with recordings, in the order asked; cameras without any are left out.
        media_s: the summed duration of the clips.
    """

    folder: Path
    clips: tuple[CameraClip, ...]
    media_s: float


class ClipExporter:
    """Exports recorded video of some cameras over a time range into a signed folder."""

    def __init__(
        self,
        root: Path,
        segments: SegmentRepository,
        signer: Signer,
        *,
        ffmpeg: str = "ffmpeg",
        ffprobe: str = "ffprobe",
        stream: StreamRole = StreamRole.MAIN,
    ) -> None:
        self._root = root
        self._segments = segments
        self._signer = signer
        self._ffmpeg = ffmpeg
        self._ffprobe = ffprobe
        self._stream = stream

    async def export(
        self,
        cameras: Sequence[tuple[int, str]],
        start_ms: int,
        end_ms: int,
        dest: Path,
        *,
        progress: ProgressCallback | None = None,
    ) -> ExportResult:
        """Export `[start_ms, end_ms)` of each `(camera_id, name)` into the new folder `dest`.

        The export is built in a hidden sibling folder and renamed to `dest` when complete, so `dest` either
        holds a whole signed export or does not exist. Cancelling the task kills ffmpeg and removes the
        partial folder before `CancelledError` propagates. `progress` gets 0.0 … 1.0 of the media time copied,
        as ffmpeg reports it while copying (at most every `PROGRESS_INTERVAL_S`), and a short detail text.

        Raises:
            NothingRecordedError: no camera has a segment in the range.
            DestinationError: `dest` exists, or its parent cannot be written.
            DiskFullError: too little free space (checked first, and when a write fails for it).
            ExportError: ffmpeg failed on the recordings.
        """
        if end_ms <= start_ms:
            raise NothingRecordedError(
                "The export range is empty: its end must be after its start."
            )
        found = await self._find(cameras, start_ms, end_ms)
        if not found:
            raise NothingRecordedError(
                "Nothing was recorded by the selected cameras in the chosen time range."
            )
        work = await asyncio.to_thread(
            _prepare, dest, sum(s.size_bytes for _c, _n, g in found for s in g)
        )
        try:
            result = await self._export_into(work, found, (start_ms, end_ms), progress)
            await asyncio.to_thread(_publish, work, dest)
        except BaseException:
            # cancellation included: nothing partial is left; the shield keeps the removal whole
            await asyncio.shield(asyncio.to_thread(shutil.rmtree, work, True))
            raise
        logger.info("Exported %d clip(s) to %s", len(result.clips), dest)
        return ExportResult(folder=dest, clips=result.clips, media_s=result.media_s)

    async def _find(
        self, cameras: Sequence[tuple[int, str]], start_ms: int, end_ms: int
    ) -> list[tuple[int, str, list[SegmentRecord]]]:
        found = []
        for camera_id, name in cameras:
            records = await self._segments.segments_between(
                camera_id, self._stream, start_ms, end_ms
            )
            if records:
                found.append((camera_id, name, records))
        return found

    async def _export_into(
        self,
        work: Path,
        found: list[tuple[int, str, list[SegmentRecord]]],
        requested: tuple[int, int],
        progress: ProgressCallback | None,
    ) -> ExportResult:
        meter = _Meter(progress, sum(_media_ms(g) for _c, _n, g in found))
        meter.report("Starting", 0, force=True)
        clips: list[CameraClip] = []
        used: set[str] = set()
        for index, (camera_id, name, records) in enumerate(found, start=1):
            file_name = _unique(
                clip_file_name(name, camera_id, records[0].start_ms, records[-1].end_ms),
                camera_id,
                used,
            )
            detail = f"{name} ({index} of {len(found)})"
            exported = await self._copy(work, file_name, records, partial(meter.report, detail))
            clips.append(
                CameraClip(
                    camera_id=camera_id,
                    camera_name=name,
                    file=exported,
                    covered_start_ms=records[0].start_ms,
                    covered_end_ms=records[-1].end_ms,
                    segments=len(records),
                    gaps=gaps_between(records),
                )
            )
            meter.finish_clip(_media_ms(records), detail)
        manifest = build_manifest(
            public_key=self._signer.public_key,
            key_fingerprint=self._signer.fingerprint,
            requested=requested,
            clips=clips,
            created_ms=int(time.time() * 1000),
        )
        signature = base64.b64encode(self._signer.sign(manifest)) + b"\n"
        await asyncio.to_thread(_write, work / MANIFEST_NAME, manifest)
        await asyncio.to_thread(_write, work / SIGNATURE_NAME, signature)
        meter.report("Signed", 0, force=True)
        return ExportResult(work, tuple(clips), sum(c.file.duration_s for c in clips))

    async def _copy(
        self,
        work: Path,
        file_name: str,
        records: list[SegmentRecord],
        copied: Callable[[int], None],
    ) -> ExportedFile:
        """Concatenate the segments into `work/file_name` (ffmpeg stream copy); hash and probe it.

        `copied` gets the media milliseconds written so far, as ffmpeg's `-progress` lines say.
        """
        listing = work / f".{file_name}.concat"
        await asyncio.to_thread(_write, listing, concat_list(self._root, records).encode())
        target = work / file_name
        media_s = sum(s.end_ms - s.start_ms for s in records) / 1000
        result = await run_tool_lines(
            concat_argv(self._ffmpeg, listing, target),
            timeout=60 + media_s / 10,
            on_line=lambda line: _progress_line(line, copied),
        )
        await asyncio.to_thread(listing.unlink)
        if not result.ok:
            raise _ffmpeg_error(file_name, result.stderr, result.timed_out)
        digest, size = await asyncio.to_thread(_sha256, target)
        return ExportedFile(file_name, size, digest, await self._duration(target, media_s))

    async def _duration(self, path: Path, fallback_s: float) -> float:
        """The clip's duration as ffprobe reads it (the index's sum if ffprobe cannot say)."""
        result = await run_tool(
            [self._ffprobe, "-v", "error", "-show_entries", "format=duration", "-of", "csv=p=0",
             str(path)],
            timeout=30,
        )  # fmt: skip
        try:
            return float(result.stdout.decode().strip()) if result.ok else fallback_s
        except ValueError:
            logger.warning("ffprobe gave no duration for %s; using the index's", path.name)
            return fallback_s


def concat_argv(ffmpeg: str, listing: Path, target: Path) -> list[str]:
    """ffmpeg copying the segments a concat script lists into one MP4 (no re-encoding, index up front)."""
    return [
        ffmpeg, "-hide_banner", "-nostdin", "-loglevel", "error",
        "-f", "concat", "-safe", "0", "-i", str(listing),
        "-map", "0:v", "-c", "copy", "-movflags", "+faststart", "-f", "mp4",
        "-progress", "pipe:1", "-nostats", str(target),
    ]  # fmt: skip


class _Meter:
    """Turns media milliseconds copied into throttled `(fraction, detail)` progress reports."""

    def __init__(self, progress: ProgressCallback | None, total_ms: int) -> None:
        self._progress = progress
        self._total_ms = max(1, total_ms)
        self._done_ms = 0  # of the finished clips
        self._last = float("-inf")

    def report(self, detail: str, current_ms: int, *, force: bool = False) -> None:
        """Report the finished clips plus `current_ms` of the one being copied (throttled unless forced)."""
        now = time.monotonic()
        if self._progress is None or (not force and now - self._last < PROGRESS_INTERVAL_S):
            return
        self._last = now
        self._progress(min(1.0, (self._done_ms + max(0, current_ms)) / self._total_ms), detail)

    def finish_clip(self, media_ms: int, detail: str) -> None:
        self._done_ms += media_ms
        self.report(detail, 0, force=True)


def _progress_line(line: str, copied: Callable[[int], None]) -> None:
    """Pass on the output time of one `ffmpeg -progress` line (`out_time_us=`; `out_time_ms=` is µs too)."""
    key, _, value = line.partition("=")
    if key in ("out_time_us", "out_time_ms") and value.strip().lstrip("-").isdigit():
        copied(int(value) // 1000)


def _media_ms(records: Sequence[SegmentRecord]) -> int:
    return sum(max(1, s.end_ms - s.start_ms) for s in records)


def concat_list(root: Path, records: Sequence[SegmentRecord]) -> str:
    """An ffmpeg concat demuxer script listing the segment files (absolute paths, quoted)."""
    lines = ["ffconcat version 1.0"]
    for record in records:
        path = str((root / record.path).resolve()).replace("'", "'\\''")
        lines.append(f"file '{path}'")
    return "\n".join(lines) + "\n"


def gaps_between(records: Sequence[SegmentRecord]) -> tuple[tuple[int, int], ...]:
    """The unrecorded spans between consecutive segments (beyond the run continuity tolerance)."""
    gaps = []
    end = records[0].end_ms if records else 0
    for record in records[1:]:
        if record.start_ms > end + CONTINUITY_TOLERANCE_MS:
            gaps.append((end, record.start_ms))
        end = max(end, record.end_ms)
    return tuple(gaps)


def _unique(name: str, camera_id: int, used: set[str]) -> str:
    if name in used:
        stem, dot, ext = name.rpartition(".")
        name = f"{stem}-{camera_id}{dot}{ext}"
    used.add(name)
    return name


def _ffmpeg_error(file_name: str, stderr: str, timed_out: bool) -> ExportError:
    tail = stderr.strip().splitlines()[-3:]
    detail = " | ".join(tail)
    if "No space left" in stderr:
        return DiskFullError("The export destination is full.", detail=detail)
    if timed_out:
        return ExportError(f"Exporting {file_name} took too long and was stopped.", detail=detail)
    return ExportError(
        f"The recordings for {file_name} could not be exported (damaged or missing segment files).",
        detail=detail,
    )


def _prepare(dest: Path, needed_bytes: int) -> Path:
    """Check `dest` and its free space, and create the hidden work folder beside it (blocking)."""
    if dest.exists():
        raise DestinationError(
            f"The export folder {dest} already exists. Choose a new folder name."
        )
    try:
        dest.parent.mkdir(parents=True, exist_ok=True)
        free = shutil.disk_usage(dest.parent).free
    except OSError as exc:
        raise DestinationError(
            f"The export folder {dest} cannot be created ({exc.strerror})."
        ) from exc
    if free < needed_bytes + _SPARE_BYTES:
        raise DiskFullError(
            f"Not enough free space in {dest.parent}: the export needs about "
            f"{(needed_bytes + _SPARE_BYTES) // 1_000_000} MB, {free // 1_000_000} MB are free."
        )
    try:
        return Path(tempfile.mkdtemp(prefix=f".{dest.name}.", suffix=".partial", dir=dest.parent))
    except OSError as exc:
        raise DestinationError(
            f"The export folder {dest} cannot be created ({exc.strerror})."
        ) from exc


def _publish(work: Path, dest: Path) -> None:
    """Give the finished work folder its final name (blocking)."""
    try:
        work.chmod(0o755)  # mkdtemp makes it 0700; an export is meant to be handed over
        os.rename(work, dest)
    except OSError as exc:
        raise DestinationError(
            f"The export folder {dest} cannot be created ({exc.strerror})."
        ) from exc


def _write(path: Path, data: bytes) -> None:
    try:
        with path.open("wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
    except OSError as exc:
        if exc.errno == errno.ENOSPC:
            raise DiskFullError(f"The export destination {path.parent.parent} is full.") from exc
        raise DestinationError(
            f"The export cannot be written to {path.parent.parent} ({exc.strerror})."
        ) from exc


def _sha256(path: Path) -> tuple[str, int]:
    digest = hashlib.sha256()
    size = 0
    with path.open("rb") as fh:
        while chunk := fh.read(_HASH_CHUNK):
            digest.update(chunk)
            size += len(chunk)
    return digest.hexdigest(), size
