"""SegmentIndexer: follows one camera stream's live playlist and hands each newly closed segment to the writer."""

from __future__ import annotations

import asyncio
import logging
import os
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from backend_embed.api.dto import StreamRole
from backend_embed.recording.clock import RecorderClock
from backend_embed.recording.mpegts import first_video_pts
from backend_embed.recording.playlist import LivePlaylist, PlaylistEntry, parse_live_playlist
from backend_embed.recording.segments import SegmentInfo

logger = logging.getLogger(__name__)

#: how many segment URIs are remembered to recognise entries already handed over (a live window is ~6)
_SEEN_LIMIT = 4096
#: how many sequence numbers are remembered to recognise a new ffmpeg run
_SEQUENCE_LIMIT = 64
#: a segment dated this close to the previous one's end continues it exactly: the recorder's clock
#: improves in 10 ms steps while a run settles, and a few ms of overlap would misplace frames
_CONTIGUOUS_MS = 20


@dataclass(frozen=True, slots=True)
class _FileStamp:
    """What changes when the playlist is rewritten."""

    inode: int
    size: int
    mtime_ns: int


class SegmentIndexer:
    """Polls one camera stream's rolling playlist and reports every segment ffmpeg closed.

    Polling is cheap: the playlist is only read when its size, inode or modification time changed. Entries are
    recognised by URI, so a rewritten playlist hands nothing over twice. A new ffmpeg process (the media
    sequence goes back, a sequence number now names another file, or EXT-X-DISCONTINUITY) flags its first
    segment as a discontinuity, as does the first segment after the indexer starts or after `note_restart`.

    Args:
        playlist: the live playlist ffmpeg rewrites.
        root: the recordings root; segment paths are stored relative to it.
        submit: takes each new segment (the batching writer's `submit`); must not block.
        on_segment_closed: called after each poll that found segments, with the newest end (the
            recorder's watchdog); must not block.
        clock: the recorder's clock. A segment starts when ffmpeg received its first frame by this
            clock; by its EXT-X-PROGRAM-DATE-TIME (about 0.6 s late) only when the clock cannot say.
    """

    def __init__(
        self,
        *,
        camera_id: int,
        stream: StreamRole,
        playlist: Path,
        root: Path,
        submit: Callable[[SegmentInfo], None],
        on_segment_closed: Callable[[int], None] | None = None,
        poll_interval_s: float = 0.5,
        clock: RecorderClock | None = None,
    ) -> None:
        self._camera_id = camera_id
        self._stream = stream
        self._playlist = playlist
        self._root = root.resolve()
        self._submit = submit
        self._on_segment_closed = on_segment_closed
        self._poll_interval_s = poll_interval_s
        self._clock = clock
        self._stamp: _FileStamp | None = None
        self._seen: OrderedDict[str, None] = OrderedDict()
        self._uri_by_sequence: OrderedDict[int, str] = OrderedDict()
        self._restart_pending = True
        self._last_end_ms: int | None = None

    @property
    def playlist(self) -> Path:
        return self._playlist

    def note_restart(self) -> None:
        """The recorder restarted ffmpeg: the next new segment does not continue the previous one."""
        self._restart_pending = True

    async def run(self) -> None:
        """Poll until cancelled. Errors reading one playlist version are logged and retried next time."""
        logger.info(
            "Indexing camera %d %s from %s", self._camera_id, self._stream.value, self._playlist
        )
        while True:
            await self.poll()
            await asyncio.sleep(self._poll_interval_s)

    async def poll(self) -> int:
        """Read the playlist if it changed and hand over its new segments; return how many."""
        found = await asyncio.to_thread(self._scan)
        for segment in found:
            self._submit(segment)
        if found and self._on_segment_closed is not None:
            self._on_segment_closed(max(s.end_ms for s in found))
        return len(found)

    def _scan(self) -> list[SegmentInfo]:
        """Blocking part of a poll (runs in a worker thread): stat, read, parse, stat the segments."""
        text = self._read_if_changed()
        if text is None:
            return []
        playlist = parse_live_playlist(text)
        if self._is_new_process(playlist):
            logger.info(
                "Playlist %s was restarted (media sequence %d)",
                self._playlist,
                playlist.media_sequence,
            )
            self._restart_pending = True
        found = []
        for entry in playlist.entries:
            self._uri_by_sequence[entry.sequence] = entry.uri
            if entry.uri in self._seen:
                continue
            self._remember(entry.uri)
            segment = self._segment(entry)
            if segment is not None:
                found.append(segment)
        while len(self._uri_by_sequence) > _SEQUENCE_LIMIT:
            self._uri_by_sequence.popitem(last=False)
        return found

    def _read_if_changed(self) -> str | None:
        try:
            info = self._playlist.stat()
        except FileNotFoundError:
            return None
        stamp = _FileStamp(info.st_ino, info.st_size, info.st_mtime_ns)
        if stamp == self._stamp:
            return None
        try:
            text = self._playlist.read_text(encoding="utf-8", errors="replace")
        except FileNotFoundError:  # replaced between stat and open: next poll reads the new one
            return None
        self._stamp = stamp
        return text

    def _is_new_process(self, playlist: LivePlaylist) -> bool:
        """True when the playlist no longer continues the one read before: a new ffmpeg wrote it.

        ffmpeg numbers a run from its start time (`epoch_us`), so a new run jumps forward; a recorder that
        numbers from 0 reuses numbers for other files or goes back. A forward jump also means entries were
        missed (the indexer stalled longer than the live window): they are logged and left to recovery.
        """
        known = self._uri_by_sequence
        if not playlist.entries or not known:
            return False
        reused = any(known.get(e.sequence, e.uri) != e.uri for e in playlist.entries)
        went_back = playlist.media_sequence < min(known)
        jumped = playlist.media_sequence > max(known) + 1
        if not (reused or went_back or jumped):
            return False
        if jumped and not playlist.entries[0].discontinuity:
            logger.warning(
                "Playlist %s skipped from sequence %d to %d: missed segments are indexed at the next start",
                self._playlist, max(known), playlist.media_sequence,
            )  # fmt: skip
        known.clear()
        return True

    def _remember(self, uri: str) -> None:
        self._seen[uri] = None
        if len(self._seen) > _SEEN_LIMIT:
            self._seen.popitem(last=False)

    def _received_ms(self, file: Path, program_date_ms: int) -> int:
        """When ffmpeg received the segment's first frame, or its program date time if unknown.

        ffmpeg dates its first segment when it begins muxing, after probing the camera, and every later
        one by adding durations: about 0.6 s after the first frame arrived (docs/decisions.md, 21).
        """
        if self._clock is None:
            return program_date_ms
        try:
            pts = first_video_pts(file)
        except OSError as exc:
            logger.warning("Cannot read the first timestamp of %s: %s", file, exc)
            return program_date_ms
        dated = self._clock.date(pts, program_date_ms) if pts is not None else None
        if dated is None:
            logger.debug("Dating %s by its program date time", file)
            return program_date_ms
        return dated

    def _segment(self, entry: PlaylistEntry) -> SegmentInfo | None:
        """A SegmentInfo for a new entry, or None (logged) when it cannot be indexed."""
        file = (self._playlist.parent / entry.uri).resolve()
        start_ms = entry.start_ms if entry.start_ms is not None else self._last_end_ms
        try:
            relative = file.relative_to(self._root).as_posix()
            size = os.stat(file).st_size
        except (ValueError, OSError) as exc:
            logger.warning("Cannot index segment %s of %s: %s", entry.uri, self._playlist, exc)
            return None
        if entry.start_ms is not None and size > 0:
            start_ms = self._received_ms(file, entry.start_ms)
            last_end = self._last_end_ms
            continues = not (entry.discontinuity or self._restart_pending)
            if continues and last_end is not None and abs(start_ms - last_end) <= _CONTIGUOUS_MS:
                start_ms = last_end
        if start_ms is None:
            logger.warning("Cannot index segment %s: no EXT-X-PROGRAM-DATE-TIME", entry.uri)
            return None
        if size == 0:
            # ffmpeg 5.1 ignores write errors: on a full disk it lists empty segments (docs/recording.md)
            logger.warning("Not indexing empty segment %s (is the disk full?)", entry.uri)
            return None
        discontinuity = entry.discontinuity or self._restart_pending
        self._restart_pending = False
        self._last_end_ms = start_ms + entry.duration_ms
        try:
            return SegmentInfo(
                camera_id=self._camera_id,
                stream=self._stream,
                start_ms=start_ms,
                end_ms=start_ms + entry.duration_ms,
                duration_ms=entry.duration_ms,
                size_bytes=size,
                path=relative,
                discontinuity=discontinuity,
            )
        except ValueError as exc:
            logger.warning("Not indexing segment %s: %s", entry.uri, exc)
            return None
