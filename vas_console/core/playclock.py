"""Playback position in wall-clock time: playlist offsets <-> wall time, and a clock between libVLC updates.

libVLC's own clock starts at 0 for each playlist, ignores EXT-X-PROGRAM-DATE-TIME and moves in 1 s steps that
lag the picture by 0.2-1.3 s (for about 0.75-1 s after a seek it reports stale values). The console
therefore keeps its own position: exact where it knows it (a seek, a frame step), interpolated with a
monotonic clock and the rate in between, and corrected by libVLC's reports only when they prove the estimate
wrong (see `PlayClock.report`).
"""

from __future__ import annotations

import bisect
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from backend_embed.api import PlaylistEntry

SEEK_SETTLE_S = 0.75
"""After a seek libVLC's time is unreliable this long (measured: stale values for 0.75-1.1 s)."""
REPORT_LAG_MS = 1300
"""libVLC's time may lag the picture by its 1 s step plus up to ~300 ms of event delay (at rate 1)."""


@dataclass(frozen=True, slots=True)
class PlaylistRun:
    """Consecutive playlist entries without a discontinuity: what libVLC 3 plays as one media.

    Attributes:
        first: index of the run's first entry; `last` of its last (inclusive).
        offset_ms, end_offset_ms: the run's playlist time range.
        start_ms, end_ms: its wall-clock range.
    """

    first: int
    last: int
    offset_ms: int
    end_offset_ms: int
    start_ms: int
    end_ms: int


class PlaylistMap:
    """Maps playlist offsets (what libVLC plays) to wall-clock times (what the operator sees) and back.

    Entries must be in playlist order with increasing offsets (`PlaybackSource.entries`).
    """

    def __init__(self, entries: Sequence[PlaylistEntry]) -> None:
        self._entries = tuple(entries)
        self._offsets = [e.offset_ms for e in self._entries]
        self._starts = [e.start_ms for e in self._entries]
        self._runs = _split_runs(self._entries)

    @property
    def entries(self) -> tuple[PlaylistEntry, ...]:
        return self._entries

    @property
    def runs(self) -> tuple[PlaylistRun, ...]:
        return self._runs

    @property
    def duration_ms(self) -> int:
        if not self._entries:
            return 0
        last = self._entries[-1]
        return last.offset_ms + last.end_ms - last.start_ms

    @property
    def start_ms(self) -> int | None:
        """Wall-clock time of the first recorded moment, or None for an empty playlist."""
        return self._entries[0].start_ms if self._entries else None

    @property
    def end_ms(self) -> int | None:
        return self._entries[-1].end_ms if self._entries else None

    def wall_at(self, offset_ms: int) -> int:
        """The wall-clock time shown at playlist time `offset_ms` (clamped to the playlist).

        Raises:
            ValueError: the playlist is empty.
        """
        if not self._entries:
            raise ValueError("an empty playlist has no wall-clock time")
        index = max(0, bisect.bisect_right(self._offsets, offset_ms) - 1)
        entry = self._entries[index]
        local = min(max(0, offset_ms - entry.offset_ms), entry.end_ms - entry.start_ms)
        return entry.start_ms + local

    def offset_at(self, wall_ms: int) -> int | None:
        """The playlist time that shows `wall_ms`; in a gap, the start of the next recording.

        Returns None when `wall_ms` is after the last recorded moment; before the first, offset 0.
        """
        if not self._entries or wall_ms >= self._entries[-1].end_ms:
            return None
        index = bisect.bisect_right(self._starts, wall_ms) - 1
        if index < 0:
            return 0
        entry = self._entries[index]
        if wall_ms < entry.end_ms:
            return entry.offset_ms + wall_ms - entry.start_ms
        return self._entries[index + 1].offset_ms

    def run_at(self, offset_ms: int) -> PlaylistRun:
        """The run that plays at `offset_ms` (the last run at or after the end).

        Raises:
            ValueError: the playlist is empty.
        """
        if not self._runs:
            raise ValueError("an empty playlist has no runs")
        offsets = [run.offset_ms for run in self._runs]
        return self._runs[max(0, bisect.bisect_right(offsets, offset_ms) - 1)]

    def entry_at(self, offset_ms: int) -> int:
        """Index of the entry playing at `offset_ms` (clamped to the playlist)."""
        return min(
            max(0, bisect.bisect_right(self._offsets, offset_ms) - 1), len(self._entries) - 1
        )

    def end_offset(self, index: int) -> int:
        """The playlist time at which entry `index` ends."""
        entry = self._entries[index]
        return entry.offset_ms + entry.end_ms - entry.start_ms

    def contains(self, wall_ms: int) -> bool:
        """True when `wall_ms` is inside a recorded entry."""
        index = bisect.bisect_right(self._starts, wall_ms) - 1
        return index >= 0 and wall_ms < self._entries[index].end_ms


def _split_runs(entries: tuple[PlaylistEntry, ...]) -> tuple[PlaylistRun, ...]:
    runs: list[PlaylistRun] = []
    first = 0
    for index in range(1, len(entries) + 1):
        if index == len(entries) or entries[index].discontinuity:
            head, tail = entries[first], entries[index - 1]
            end_offset = tail.offset_ms + tail.end_ms - tail.start_ms
            runs.append(
                PlaylistRun(
                    first, index - 1, head.offset_ms, end_offset, head.start_ms, tail.end_ms
                )
            )
            first = index
    return tuple(runs)


class PlayClock:
    """The playback position between libVLC's coarse updates.

    The position is anchored where it is known exactly (`seek`, `step`) and runs from there with a monotonic
    clock times the rate while playing. libVLC's reports (`report`) only correct it when they prove it wrong:
    a report is never ahead of the picture and lags it by at most `REPORT_LAG_MS` times the rate, so the
    estimate is pulled up when it is behind a report and pulled back when it ran more than that ahead (a
    stall). Reports within `SEEK_SETTLE_S` of a seek are ignored. Not thread-safe: GUI thread only.
    """

    def __init__(
        self,
        mapping: PlaylistMap,
        *,
        monotonic: Callable[[], float] = time.monotonic,
        settle_s: float = SEEK_SETTLE_S,
    ) -> None:
        self._map = mapping
        self._now = monotonic
        self._settle_s = settle_s
        self._anchor_offset = 0
        self._anchor_time = monotonic()
        self._settled_at = self._anchor_time
        self._rate = 1.0
        self._playing = False

    @property
    def mapping(self) -> PlaylistMap:
        return self._map

    @property
    def rate(self) -> float:
        return self._rate

    @property
    def playing(self) -> bool:
        return self._playing

    def offset_ms(self) -> int:
        """The estimated playlist time of the picture on screen, clamped to the playlist."""
        offset = self._anchor_offset
        if self._playing:
            offset += round((self._now() - self._anchor_time) * 1000 * self._rate)
        return min(max(0, offset), self._map.duration_ms)

    def wall_ms(self) -> int | None:
        """The estimated wall-clock time on screen, or None for an empty playlist."""
        if not self._map.entries:
            return None
        return self._map.wall_at(self.offset_ms())

    def seek(self, offset_ms: int) -> None:
        """The player was asked to show `offset_ms`: anchor there and ignore reports for a while."""
        self._anchor(offset_ms)
        self._settled_at = self._anchor_time + self._settle_s

    def set_playing(self, playing: bool) -> None:
        """The player started or stopped moving (PLAYING; PAUSED, ENDED, buffering)."""
        if playing != self._playing:
            self._anchor(self.offset_ms())
            self._playing = playing

    def set_rate(self, rate: float) -> None:
        """The playback rate changed (1.0 is real time)."""
        self._anchor(self.offset_ms())
        self._rate = rate

    def step(self, frame_ms: int) -> None:
        """The player showed the next frame while paused."""
        self._anchor(self.offset_ms() + frame_ms)

    def report(self, vlc_offset_ms: int) -> bool:
        """libVLC reported its time (as a playlist offset). Returns True when the estimate was corrected."""
        now = self._now()
        if now < self._settled_at:
            return False
        estimate = self.offset_ms()
        if estimate < vlc_offset_ms:
            self._anchor(vlc_offset_ms)
            return True
        if self._playing and estimate > vlc_offset_ms + REPORT_LAG_MS * max(1.0, self._rate):
            self._anchor(vlc_offset_ms + REPORT_LAG_MS // 2)
            return True
        return False

    def _anchor(self, offset_ms: int) -> None:
        self._anchor_offset = min(max(0, offset_ms), self._map.duration_ms)
        self._anchor_time = self._now()


class PlaylistFormatError(ValueError):
    """A playlist's segments do not match the entries that describe it."""


_GLOBAL_TAGS = (
    "#EXTM3U",
    "#EXT-X-VERSION",
    "#EXT-X-TARGETDURATION",
    "#EXT-X-MEDIA-SEQUENCE",
    "#EXT-X-PLAYLIST-TYPE",
    "#EXT-X-INDEPENDENT-SEGMENTS",
)


@dataclass(frozen=True, slots=True)
class PlaylistText:
    """An HLS VOD playlist taken apart: its global tags and each segment's lines (tags, then URI)."""

    header: tuple[str, ...]
    segments: tuple[tuple[str, ...], ...]

    def render(self, first: int, last: int) -> str:
        """A playlist of segments `first` to `last` (inclusive), without EXT-X-DISCONTINUITY.

        WORKAROUND for libVLC 3's HLS module: once its read-ahead reaches an EXT-X-DISCONTINUITY it
        refuses every seek until playback gets there, and a seek past one ends the input; so the player
        plays one run at a time, and starts a run at the segment it wants (no read of the run's start).
        """
        lines = [*self.header]
        for segment in self.segments[first : last + 1]:
            lines.extend(segment)
        lines.append("#EXT-X-ENDLIST")
        return "\n".join(lines) + "\n"


def parse_playlist(text: str, resolve: Callable[[str], str], expected: int) -> PlaylistText:
    """Take an HLS VOD playlist apart; `resolve` rewrites each segment URI for its new location.

    Raises:
        PlaylistFormatError: the playlist does not hold `expected` segments (its entries disagree).
    """
    header: list[str] = []
    segments: list[tuple[str, ...]] = []
    pending: list[str] = []
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line in ("#EXT-X-ENDLIST", "#EXT-X-DISCONTINUITY"):
            continue
        if line.startswith(_GLOBAL_TAGS):
            header.append(line)
        elif line.startswith("#"):
            pending.append(line)
        else:
            segments.append((*pending, resolve(line)))
            pending = []
    if len(segments) != expected:
        raise PlaylistFormatError(f"playlist has {len(segments)} segments, entries say {expected}")
    return PlaylistText(tuple(header), tuple(segments))
