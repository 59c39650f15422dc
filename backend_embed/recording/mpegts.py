"""Reading an MPEG-TS segment's first video timestamp from its first packets, without a demuxer."""

from __future__ import annotations

from pathlib import Path
from typing import Final

_PACKET: Final = 188
_SYNC: Final = 0x47
#: the first video PES of an ffmpeg segment follows the PAT and PMT: a few packets in
_READ_LIMIT: Final = 64 * _PACKET
#: MPEG-TS timestamps count a 90 kHz clock in 33 bits
PTS_HZ: Final = 90_000
PTS_WRAP: Final = 1 << 33


def first_video_pts(path: Path) -> int | None:
    """The PTS (90 kHz ticks) of the first video PES in the segment at `path`, or None if none is found.

    Raises:
        OSError: the file cannot be read.
    """
    with path.open("rb") as file:
        data = file.read(_READ_LIMIT)
    for start in range(0, len(data) - _PACKET + 1, _PACKET):
        pts = _video_pes_pts(data[start : start + _PACKET])
        if pts is not None:
            return pts
    return None


def _video_pes_pts(packet: bytes) -> int | None:
    """The PTS of a TS packet that starts a video PES carrying one, else None."""
    if packet[0] != _SYNC or not packet[1] & 0x40:  # not in sync, or no payload unit starts here
        return None
    control = (packet[3] >> 4) & 0x3
    if control not in (1, 3):  # no payload
        return None
    offset = 4 if control == 1 else 5 + packet[4]
    pes = packet[offset:]
    if len(pes) < 14 or pes[:3] != b"\x00\x00\x01" or not 0xE0 <= pes[3] <= 0xEF:
        return None
    if not pes[7] & 0x80:  # PTS_DTS_flags: no PTS
        return None
    p = pes[9:14]
    return ((p[0] >> 1) & 0x07) << 30 | p[1] << 22 | (p[2] >> 1) << 15 | p[3] << 7 | p[4] >> 1
