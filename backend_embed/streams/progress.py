"""What a recorder's ffmpeg says on stderr: output started, a segment was written, the output time."""

from __future__ import annotations

import re
from typing import Final

# ffmpeg 5.1 dumps the output's description once the input is open and every output stream is set up.
_OUTPUT_STARTED: Final = re.compile(r"^Output #0, ")
# The HLS muxer keeps a segment in memory and opens its file when the segment is complete, so this line
# marks a segment reaching the disk (measured with ffmpeg 5.1; the playlist's own ".m3u8.tmp" is ignored).
_SEGMENT_WRITTEN: Final = re.compile(r"Opening '(?P<path>.+?\.ts)(?:\.tmp)?' for writing")


def output_started(line: str) -> bool:
    """True for the line saying ffmpeg opened the camera and began muxing into its outputs."""
    return _OUTPUT_STARTED.match(line) is not None


def segment_written(line: str) -> str | None:
    """The final path of the segment this line says ffmpeg is writing out, or None."""
    match = _SEGMENT_WRITTEN.search(line)
    return match["path"] if match is not None else None


# ffmpeg 5.1's stats line (-stats): "frame=  150 fps= 25 q=-1.0 size=N/A time=00:00:05.96 bitrate=...";
# time is the end of what was muxed, on the output's timeline, in hundredths of a second.
_STATS_TIME: Final = re.compile(
    r"^frame=.*?\btime=(?P<sign>-?)(?P<h>\d+):(?P<m>\d\d):(?P<s>\d\d)\.(?P<cs>\d\d)\b"
)


def output_time_ms(line: str) -> int | None:
    """The output time (ms) a stats line reports, or None for any other line."""
    match = _STATS_TIME.match(line)
    if match is None:
        return None
    ms = ((int(match["h"]) * 60 + int(match["m"])) * 60 + int(match["s"])) * 1000
    ms += int(match["cs"]) * 10
    return -ms if match["sign"] else ms
