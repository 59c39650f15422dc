"""Reading the recorder's rolling live HLS playlist: closed segments with their wall-clock start and duration."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

logger = logging.getLogger(__name__)

_EXTINF = "#EXTINF:"
_PROGRAM_DATE_TIME = "#EXT-X-PROGRAM-DATE-TIME:"
_MEDIA_SEQUENCE = "#EXT-X-MEDIA-SEQUENCE:"
_DISCONTINUITY = "#EXT-X-DISCONTINUITY"
_ENDLIST = "#EXT-X-ENDLIST"


@dataclass(frozen=True, slots=True)
class PlaylistEntry:
    """One segment listed in a live playlist.

    Attributes:
        sequence: its media sequence number.
        start_ms: wall-clock UTC start from EXT-X-PROGRAM-DATE-TIME, or None when the tag is missing.
        duration_ms: the EXTINF duration, rounded to milliseconds.
        discontinuity: EXT-X-DISCONTINUITY preceded it.
    """

    uri: str
    sequence: int
    start_ms: int | None
    duration_ms: int
    discontinuity: bool


@dataclass(frozen=True, slots=True)
class LivePlaylist:
    """The complete entries of a live playlist as read at one moment."""

    media_sequence: int
    entries: tuple[PlaylistEntry, ...]
    ended: bool


def parse_program_date_time(value: str) -> int:
    """An EXT-X-PROGRAM-DATE-TIME value (ffmpeg writes `2026-11-21T10:51:28.172+0000`) as UTC milliseconds.

    Raises:
        ValueError: not an ISO 8601 date-time with a zone.
    """
    moment = datetime.fromisoformat(value.strip())
    if moment.tzinfo is None:
        raise ValueError(f"program date time without a zone: {value!r}")
    return round(moment.timestamp() * 1000)


def parse_live_playlist(text: str) -> LivePlaylist:
    """Parse the complete lines of a media playlist; a last line without its newline is ignored.

    ffmpeg may rewrite the playlist in place, so a read can catch it half written: only entries whose URI line
    is complete are returned, and the next read sees the rest. Malformed tags are logged and skipped.
    """
    lines = text.split("\n")
    if not text.endswith("\n"):
        lines = lines[:-1]  # partial last line: the writer is still at it
    media_sequence = 0
    entries: list[PlaylistEntry] = []
    duration_ms: int | None = None
    start_ms: int | None = None
    discontinuity = False
    ended = False
    uris = 0
    for raw in lines:
        line = raw.strip()
        if not line:
            continue
        try:
            if line.startswith(_MEDIA_SEQUENCE):
                media_sequence = int(line.removeprefix(_MEDIA_SEQUENCE))
            elif line.startswith(_EXTINF):
                seconds = float(line.removeprefix(_EXTINF).partition(",")[0])
                duration_ms = round(seconds * 1000)
            elif line.startswith(_PROGRAM_DATE_TIME):
                start_ms = parse_program_date_time(line.removeprefix(_PROGRAM_DATE_TIME))
            elif line == _DISCONTINUITY:
                discontinuity = True
            elif line == _ENDLIST:
                ended = True
            elif not line.startswith("#"):
                if duration_ms is not None:
                    sequence = media_sequence + uris
                    entries.append(
                        PlaylistEntry(line, sequence, start_ms, duration_ms, discontinuity)
                    )
                uris += 1
                duration_ms, start_ms, discontinuity = None, None, False
        except ValueError:
            logger.warning("Ignoring a malformed playlist line: %r", line[:200])
    return LivePlaylist(media_sequence, tuple(entries), ended)
