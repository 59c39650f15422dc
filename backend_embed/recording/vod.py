"""VOD playlists of recorded segments for libVLC, and the wall-clock <-> playlist-time mapping.

libVLC 3 starts its clock at 0, ignores EXT-X-PROGRAM-DATE-TIME and, across a hole in the recording, freezes
on the last frame for the hole's length unless the next segment is preceded by EXT-X-DISCONTINUITY (MPEG-TS
segments then play on at once; see PLATFORM_NOTES). So a playlist lists the indexed segments of a range with
their EXTINF durations from the index, a discontinuity before the first segment after every gap or flagged
segment, and `PlaylistEntry` values that map wall-clock time to playlist time and back.

Playlists are content-addressed files in a cache folder: asking twice for the same footage returns the same
file, written once (atomically). Files unused for `max_age_s` are pruned when a new one is written.
"""

from __future__ import annotations

import asyncio
import bisect
import hashlib
import logging
import os
import time
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Protocol

from backend_embed.api.dto import StreamRole
from backend_embed.api.errors import NotFoundError
from backend_embed.api.media import PlaybackSource, PlaylistEntry
from backend_embed.recording.layout import write_atomically
from backend_embed.recording.runs import CONTINUITY_TOLERANCE_MS
from backend_embed.recording.segments import SegmentRecord

logger = logging.getLogger(__name__)

#: playlists not used for this long are deleted when another is written
DEFAULT_MAX_AGE_S = 86_400.0
_SUFFIX = ".m3u8"


class Timed(Protocol):
    """Anything with a wall-clock span: a `PlaylistEntry`, a coverage `Span`, a segment."""

    @property
    def start_ms(self) -> int: ...
    @property
    def end_ms(self) -> int: ...


class SegmentLookup(Protocol):
    """The part of the segment index playlists need (`SegmentRepository` is one)."""

    async def segments_between(
        self, camera_id: int, stream: StreamRole, start_ms: int, end_ms: int
    ) -> list[SegmentRecord]: ...


def build_entries(segments: Sequence[SegmentRecord]) -> tuple[PlaylistEntry, ...]:
    """The playlist entries of `segments` (oldest first), with offsets summing their index durations.

    An entry is a discontinuity when its segment is flagged, starts more than the continuity tolerance after
    the previous end (a gap), or before it (an overlap: its timestamps go back). The first never is.
    """
    entries: list[PlaylistEntry] = []
    offset = 0
    previous: SegmentRecord | None = None
    for segment in segments:
        discontinuity = previous is not None and (
            segment.discontinuity
            or abs(segment.start_ms - previous.end_ms) > CONTINUITY_TOLERANCE_MS
        )
        entries.append(PlaylistEntry(segment.start_ms, segment.end_ms, offset, discontinuity))
        offset += segment.end_ms - segment.start_ms
        previous = segment
    return tuple(entries)


def render_playlist(
    root: Path, segments: Sequence[SegmentRecord], entries: Sequence[PlaylistEntry]
) -> str:
    """The text of an HLS VOD playlist of `segments` (paths relative to `root`) as `build_entries` mapped them.

    URIs are absolute `file://` URIs (percent-encoded), so the playlist works from any folder.
    EXT-X-PROGRAM-DATE-TIME is written for players that honour it; libVLC ignores it.
    """
    longest_ms = max((e.end_ms - e.start_ms for e in entries), default=1000)
    lines = [
        "#EXTM3U",
        "#EXT-X-VERSION:3",
        "#EXT-X-PLAYLIST-TYPE:VOD",
        f"#EXT-X-TARGETDURATION:{max(1, -(-longest_ms // 1000))}",
        "#EXT-X-MEDIA-SEQUENCE:0",
    ]
    for index, (segment, entry) in enumerate(zip(segments, entries, strict=True)):
        if entry.discontinuity:
            lines.append("#EXT-X-DISCONTINUITY")
        if index == 0 or entry.discontinuity:
            lines.append(f"#EXT-X-PROGRAM-DATE-TIME:{_iso(entry.start_ms)}")
        lines.append(f"#EXTINF:{(entry.end_ms - entry.start_ms) / 1000:.3f},")
        lines.append((root / segment.path).as_uri())
    lines.append("#EXT-X-ENDLIST")
    return "\n".join(lines) + "\n"


def _iso(ms: int) -> str:
    stamp = datetime.fromtimestamp(ms / 1000, UTC).isoformat(timespec="milliseconds")
    return stamp.replace("+00:00", "Z")


class VodPlaylists:
    """Builds and caches VOD playlists of one recordings root from its segment index.

    Args:
        root: the recordings root the index's relative paths start from (absolute or not; resolved).
        cache_dir: where playlists are written (created when needed), e.g. `<data>/cache/playlists`.
        segments: the segment index of `root`.
        max_age_s: playlists unused this long are deleted when another one is written.
    """

    def __init__(
        self,
        root: Path,
        cache_dir: Path,
        segments: SegmentLookup,
        *,
        max_age_s: float = DEFAULT_MAX_AGE_S,
    ) -> None:
        self._root = root.resolve()
        self._cache_dir = cache_dir
        self._segments = segments
        self._max_age_s = max_age_s

    async def playback_source(
        self, camera_id: int, start_ms: int, end_ms: int, stream: StreamRole = StreamRole.MAIN
    ) -> PlaybackSource:
        """A playlist of every indexed segment of the camera stream overlapping [start_ms, end_ms).

        Segments are whole, so the first entry may start before `start_ms` and the last end after `end_ms`;
        the returned source keeps the asked range.

        Raises:
            ValueError: the range is empty.
            NotFoundError: nothing of that camera stream is recorded in the range.
            DatabaseError: the index cannot be read.
            OSError: the cache folder cannot be written.
        """
        if end_ms <= start_ms:
            raise ValueError(f"empty range [{start_ms}, {end_ms})")
        records = await self._segments.segments_between(camera_id, stream, start_ms, end_ms)
        if not records:
            raise NotFoundError("There is no recording of this camera in the chosen time range.")
        entries = build_entries(records)
        text = render_playlist(self._root, records, entries)
        path = self._cache_dir / _playlist_name(camera_id, stream, text)
        fresh = await asyncio.to_thread(self._store, path, text)
        logger.debug(
            "%s playlist %s: %d segments, %d discontinuities",
            "Wrote" if fresh else "Reused", path.name, len(entries),
            sum(e.discontinuity for e in entries),
        )  # fmt: skip
        return PlaybackSource(camera_id, stream, start_ms, end_ms, str(path), entries)

    def _store(self, path: Path, text: str) -> bool:
        """Write `text` to `path` atomically unless an identical file is there; True if it was written."""
        try:
            if path.read_text(encoding="utf-8") == text:
                os.utime(path)  # in use again: keep it from pruning
                return False
        except FileNotFoundError:
            pass
        self._cache_dir.mkdir(parents=True, exist_ok=True)
        write_atomically(path, text)
        self._prune(keep=path)
        return True

    def _prune(self, keep: Path) -> None:
        cutoff = time.time() - self._max_age_s
        for entry in os.scandir(self._cache_dir):
            if not entry.name.endswith(_SUFFIX) or entry.path == str(keep):
                continue
            try:
                if entry.stat().st_mtime < cutoff:
                    os.unlink(entry.path)
            except FileNotFoundError:  # pruned meanwhile by another request
                continue


def _playlist_name(camera_id: int, stream: StreamRole, text: str) -> str:
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()[:20]
    return f"{camera_id}-{stream.value}-{digest}{_SUFFIX}"


def wall_to_offset(entries: Sequence[PlaylistEntry], wall_ms: int) -> int:
    """The playlist time at which wall-clock `wall_ms` plays.

    A time in a gap maps to the start of the next entry, a time before the first entry to 0, and a time at
    or after the last entry's end to the playlist's end.

    Raises:
        ValueError: `entries` is empty.
    """
    if not entries:
        raise ValueError("an empty playlist has no playlist time")
    index = bisect.bisect_right(entries, wall_ms, key=lambda e: e.start_ms) - 1
    if index < 0:
        return 0
    entry = entries[index]
    if wall_ms < entry.end_ms:
        return entry.offset_ms + wall_ms - entry.start_ms
    if index + 1 < len(entries):
        return entries[index + 1].offset_ms
    return entry.offset_ms + entry.end_ms - entry.start_ms


def offset_to_wall(entries: Sequence[PlaylistEntry], offset_ms: int) -> int:
    """The wall-clock time playing at playlist time `offset_ms`, clamped to the first start and last end.

    Raises:
        ValueError: `entries` is empty.
    """
    if not entries:
        raise ValueError("an empty playlist has no wall-clock time")
    index = max(0, bisect.bisect_right(entries, offset_ms, key=lambda e: e.offset_ms) - 1)
    entry = entries[index]
    inside = min(max(0, offset_ms - entry.offset_ms), entry.end_ms - entry.start_ms)
    return entry.start_ms + inside


def recording_starts(spans: Sequence[Timed]) -> list[int]:
    """The start of each recording in `spans` (in time order): where one follows a gap, or the first."""
    starts: list[int] = []
    previous_end: int | None = None
    for span in spans:
        if previous_end is None or span.start_ms > previous_end + CONTINUITY_TOLERANCE_MS:
            starts.append(span.start_ms)
        previous_end = span.end_ms if previous_end is None else max(previous_end, span.end_ms)
    return starts


def next_recording(spans: Sequence[Timed], wall_ms: int) -> int | None:
    """The start of the first recording that starts after `wall_ms`, or None.

    `spans` are playlist entries or coverage spans in time order; touching ones form one recording.
    """
    starts = recording_starts(spans)
    index = bisect.bisect_right(starts, wall_ms)
    return starts[index] if index < len(starts) else None


def previous_recording(spans: Sequence[Timed], wall_ms: int, *, grace_ms: int = 1000) -> int | None:
    """The start of the recording playing at `wall_ms`, or of the one before it; None if there is none.

    Like a player's "previous track": within `grace_ms` of a recording's start (just jumped there) it goes
    to the recording before.
    """
    starts = recording_starts(spans)
    index = bisect.bisect_left(starts, wall_ms - grace_ms) - 1
    return starts[index] if index >= 0 else None
