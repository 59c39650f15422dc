"""What a recorder's ffmpeg reports on stderr while it works: output started, a segment was written."""

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
