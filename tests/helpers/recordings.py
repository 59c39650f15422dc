"""Test recordings: timecoded MPEG-TS HLS segments made with ffmpeg, and VOD playlists over them.

What is real: ffmpeg (libx264, the HLS muxer writing MPEG-TS segments) and camsim's frame stamping. Every
frame carries camsim's timestamp code (`camsim.timecode`) and caption, drawn in Python into raw I420 frames
piped to ffmpeg, so a test knows exactly which time each frame shows: the code of frame `n` of a span is
`first_code_ms + n * 1000 / fps`. What is not real: the capture (no camera, no RTSP), so the recording is
made faster than real time and is deterministic.

`make_recording` writes one span per ffmpeg run and a playlist joining them with EXT-X-DISCONTINUITY at the
gaps, as the backend's VOD playlists do, and returns the matching `PlaybackSource`.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from backend_embed.api import PlaybackSource, PlaylistEntry, StreamRole
from camsim.i420 import I420Layout
from camsim.overlay import draw_caption, format_wall_clock
from camsim.timecode import draw_timecode

FPS = 25
FRAME_MS = 1000 // FPS


@dataclass(frozen=True, slots=True)
class SegmentFile:
    """One MPEG-TS segment ffmpeg wrote: its file, its length and the code its first frame carries."""

    path: Path
    duration_ms: int
    first_code_ms: int


@dataclass(frozen=True, slots=True)
class EncodeSettings:
    """How test segments are encoded (small pictures, a short GOP: fast to make and to seek in)."""

    width: int = 320
    height: int = 180
    fps: int = FPS
    gop: int = FPS
    segment_s: int = 2
    caption: str = "CAM1 MAIN"


def require_ffmpeg() -> str:
    """The ffmpeg executable; fails loudly (the suite's policy) when it is missing."""
    path = shutil.which("ffmpeg")
    if path is None:
        raise RuntimeError("ffmpeg is required to make test recordings (apt-get install ffmpeg)")
    return path


def _base_frame(layout: I420Layout) -> bytearray:
    """A horizontal luma ramp with neutral chroma: cheap to encode, easy to see."""
    frame = bytearray(layout.size)
    row = bytes(40 + (150 * x) // max(1, layout.width - 1) for x in range(layout.width))
    for y in range(layout.height):
        start = y * layout.y_stride
        frame[start : start + layout.width] = row
    frame[layout.u_offset :] = bytes([128]) * (layout.size - layout.u_offset)
    return frame


def _frame(base: bytearray, layout: I420Layout, index: int, code_ms: int, caption: str) -> bytes:
    frame = bytearray(base)
    box = max(8, layout.height // 6)
    x = (index * 4) % max(1, layout.width - box)
    layout.fill_luma(frame, x, layout.height // 3, bytes([220]) * box, box)
    draw_caption(frame, layout, [caption, format_wall_clock(code_ms)])
    draw_timecode(frame, layout, code_ms)
    return bytes(frame)


def encode_span(
    directory: Path,
    name: str,
    first_code_ms: int,
    frames: int,
    settings: EncodeSettings = EncodeSettings(),
) -> list[SegmentFile]:
    """Encode `frames` stamped frames into `directory/name_NNNNN.ts` segments (MPEG-TS HLS).

    Raises:
        subprocess.CalledProcessError: ffmpeg failed (its stderr is attached).
    """
    directory.mkdir(parents=True, exist_ok=True)
    layout = I420Layout.for_size(settings.width, settings.height)
    playlist = directory / f"{name}.m3u8"
    argv = [
        require_ffmpeg(), "-hide_banner", "-loglevel", "error", "-y",
        "-f", "rawvideo", "-pix_fmt", "yuv420p", "-s", f"{settings.width}x{settings.height}",
        "-r", str(settings.fps), "-i", "-",
        "-c:v", "libx264", "-preset", "ultrafast", "-tune", "zerolatency", "-pix_fmt", "yuv420p",
        "-g", str(settings.gop), "-keyint_min", str(settings.gop), "-sc_threshold", "0",
        "-f", "hls", "-hls_time", str(settings.segment_s), "-hls_list_size", "0",
        "-hls_segment_type", "mpegts", "-hls_playlist_type", "vod",
        "-hls_segment_filename", str(directory / f"{name}_%05d.ts"), str(playlist),
    ]  # fmt: skip
    base = _base_frame(layout)
    with subprocess.Popen(argv, stdin=subprocess.PIPE, stderr=subprocess.PIPE) as proc:
        assert proc.stdin is not None
        for index in range(frames):
            code = first_code_ms + index * 1000 // settings.fps
            proc.stdin.write(_frame(base, layout, index, code, settings.caption))
        proc.stdin.close()
        stderr = proc.stderr.read() if proc.stderr else b""
        if proc.wait() != 0:
            raise subprocess.CalledProcessError(proc.returncode, argv, stderr=stderr)
    return _read_segments(playlist, first_code_ms)


def _read_segments(playlist: Path, first_code_ms: int) -> list[SegmentFile]:
    segments: list[SegmentFile] = []
    code = first_code_ms
    duration_ms = 0
    for line in playlist.read_text().splitlines():
        if line.startswith("#EXTINF:"):
            duration_ms = round(float(line[8:].split(",")[0]) * 1000)
        elif line and not line.startswith("#"):
            segments.append(SegmentFile(playlist.parent / line, duration_ms, code))
            code += duration_ms
    return segments


@dataclass(frozen=True, slots=True)
class PlacedSegment:
    """A segment file placed at a wall-clock time in a playlist."""

    segment: SegmentFile
    start_ms: int
    discontinuity: bool


def write_playlist(path: Path, placed: Sequence[PlacedSegment]) -> tuple[PlaylistEntry, ...]:
    """Write an HLS VOD playlist of `placed` and return its entries (wall time <-> playlist offset)."""
    target = max((p.segment.duration_ms for p in placed), default=1000)
    lines = [
        "#EXTM3U",
        "#EXT-X-VERSION:3",
        f"#EXT-X-TARGETDURATION:{(target + 999) // 1000}",
        "#EXT-X-MEDIA-SEQUENCE:0",
        "#EXT-X-PLAYLIST-TYPE:VOD",
    ]
    entries: list[PlaylistEntry] = []
    offset = 0
    for item in placed:
        duration = item.segment.duration_ms
        if item.discontinuity:
            lines.append("#EXT-X-DISCONTINUITY")
        stamp = datetime.fromtimestamp(item.start_ms / 1000, UTC).isoformat(timespec="milliseconds")
        lines.append(f"#EXT-X-PROGRAM-DATE-TIME:{stamp.replace('+00:00', 'Z')}")
        lines.append(f"#EXTINF:{duration / 1000:.3f},")
        lines.append(os.path.relpath(item.segment.path, path.parent))
        entries.append(
            PlaylistEntry(item.start_ms, item.start_ms + duration, offset, item.discontinuity)
        )
        offset += duration
    lines.append("#EXT-X-ENDLIST")
    path.write_text("\n".join(lines) + "\n")
    return tuple(entries)


def make_recording(
    directory: Path,
    spans: Sequence[tuple[int, int]],
    *,
    camera_id: int = 1,
    settings: EncodeSettings = EncodeSettings(),
) -> PlaybackSource:
    """Record each wall-clock span `(start_ms, end_ms)` and join them into one VOD playlist.

    Each frame's code is its wall-clock time, so a test can check where a seek landed. Spans must be in
    order and should be whole multiples of the segment length; gaps between them get EXT-X-DISCONTINUITY.
    """
    placed: list[PlacedSegment] = []
    for number, (start_ms, end_ms) in enumerate(spans):
        frames = (end_ms - start_ms) * settings.fps // 1000
        segments = encode_span(directory, f"span{number}", start_ms, frames, settings)
        for index, segment in enumerate(segments):
            placed.append(PlacedSegment(segment, segment.first_code_ms, number > 0 and index == 0))
    path = directory / "vod.m3u8"
    entries = write_playlist(path, placed)
    return PlaybackSource(camera_id, StreamRole.MAIN, spans[0][0], spans[-1][1], str(path), entries)
