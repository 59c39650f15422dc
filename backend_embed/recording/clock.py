"""RecorderClock: when the recorder's ffmpeg received each frame, from its stats lines; dates segments."""

from __future__ import annotations

import time
from collections import deque
from typing import Final

from backend_embed.recording.mpegts import PTS_HZ, PTS_WRAP

#: stats lines the anchor is the minimum of (a minute at ffmpeg's 0.5 s period): a window rather than
#: the whole run, so the camera's clock drifting against ours does not build up over hours
_WINDOW: Final = 120
#: a program date time is late by what ffmpeg buffered while probing (about 0.6 s on camsim) and never
#: early: a dating further from it than this belongs to another ffmpeg run (the stats of a new run
#: applied to the last segment of the previous one) and is not used
_MAX_CORRECTION_MS: Final = 3_000
#: the stats line's time is cut to hundredths, and EXTINF is rounded: a dating may pass the program
#: date time by this much
_SLACK_MS: Final = 50
_WRAP_MS: Final = PTS_WRAP * 1000 / PTS_HZ


class RecorderClock:
    """Maps one recorder's output timestamps to the wall-clock time ffmpeg received those frames.

    ffmpeg prints its output time (the end of what it muxed) twice a second. In the steady state it muxes
    each packet as it arrives, so wall clock minus output time is, at its smallest, the offset between the
    recording's timeline and the moment frames reached ffmpeg. That offset is the minimum over the last
    `_WINDOW` stats lines of the current ffmpeg run.

    `note_run_started` and `note_output_time` must be called on the recorder's loop; `date` may be called
    from any thread (the indexer polls in a worker thread): it reads one immutable value.
    """

    def __init__(self) -> None:
        self._offsets: deque[float] = deque(maxlen=_WINDOW)
        self._anchor_ms: float | None = None

    def note_run_started(self) -> None:
        """A new ffmpeg run began muxing: its timeline starts afresh."""
        self._offsets.clear()
        self._anchor_ms = None

    def note_output_time(self, output_ms: int, *, wall_ms: float | None = None) -> None:
        """ffmpeg reported output time `output_ms` at `wall_ms` (now, if None; UTC ms)."""
        now_ms = time.time() * 1000 if wall_ms is None else wall_ms
        self._offsets.append(now_ms - output_ms)
        self._anchor_ms = min(self._offsets)

    def date(self, pts: int, program_date_ms: int) -> int | None:
        """The wall-clock ms at which the frame with MPEG-TS timestamp `pts` reached ffmpeg.

        Args:
            pts: the frame's 90 kHz MPEG-TS timestamp (33 bits: it wraps every 26.5 hours).
            program_date_ms: ffmpeg's EXT-X-PROGRAM-DATE-TIME for the segment; picks the wrap and
                checks the dating belongs to the current run.

        Returns:
            None when the current run has reported no output time yet, or the dating does not fit.
        """
        anchor = self._anchor_ms
        if anchor is None:
            return None
        dated = anchor + pts * 1000 / PTS_HZ
        dated += round((program_date_ms - dated) / _WRAP_MS) * _WRAP_MS
        if not -_MAX_CORRECTION_MS <= dated - program_date_ms <= _SLACK_MS:
            return None
        return round(dated)
