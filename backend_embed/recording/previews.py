"""Timeline previews: small JPEGs of keyframes made from segments as they close, listed from their names.

Why not a third output of the recorder's ffmpeg (`-skip_frame nokey`, fps, scale, image2): measured with
`bench/recording_cpu.py --quick` it added 30-43 % to the recorder's CPU (0.33 -> 0.47 CPU-s per camera-minute),
because the decoder must decode every keyframe of the camera (every 2 s on camsim) whatever the preview rate;
and an image2 output that cannot write (a day folder not made yet at midnight) ends the whole ffmpeg, so the
recording would stop with it. Here a preview costs one keyframe decode, only for the segments chosen: the
first access unit of the segment (segments start on a keyframe, and ffmpeg's MPEG-TS muxer puts SPS/PPS in
front of it) is read with a minimal MPEG-TS reader and decoded with PyAV, 2.9 ms per preview on camsim's
picture and 13 ms on a noisy 3 Mbit/s 720p picture (docs/playback.md).

Layout: `<root>/<camera_id>/<YYYY-MM-DD>/previews/<stream>-<YYYYmmddTHHMMSS.mmm>Z-<w>x<h>.jpg`, in the day
folder of the segment it was made from, named by the segment's start (its program date time). Retention
deletes previews with their segments (`remove_previews`); recovery leaves the `previews` folders alone.
"""

from __future__ import annotations

import asyncio
import bisect
import calendar
import collections
import logging
import os
import re
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from fractions import Fraction
from pathlib import Path
from typing import Literal

import av

from backend_embed.api.dto import StreamRole
from backend_embed.api.media import Preview
from backend_embed.recording import layout
from backend_embed.recording.segments import SegmentInfo, SegmentRecord

logger = logging.getLogger(__name__)

PREVIEW_WIDTH = 160
#: a preview every two 4 s segments; at every segment it costs twice as much (docs/playback.md)
DEFAULT_INTERVAL_MS = 8_000
_INTERVAL_SLACK_MS = 500
#: a segment's folder is dated by ffmpeg's clock, its preview by the program date time: they may differ
_DAY_MARGIN_MS = 60_000
_READ_BYTES = 1 << 20  # a keyframe larger than 1 MiB is not previewed
_JPEG_QSCALE = "6"  # about 2-4 KB at 160x90
_NAME = re.compile(
    r"^(?P<stream>[a-z]+)-(?P<stamp>\d{8}T\d{6})\.(?P<ms>\d{3})Z-(?P<w>\d+)x(?P<h>\d+)\.jpg$"
)
_STAMP = "%Y%m%dT%H%M%S"
VideoCodec = Literal["h264", "hevc"]
Render = Callable[[Path, Path, StreamRole, int, int], "Path | None"]


@dataclass(frozen=True, slots=True)
class PreviewName:
    """What a preview's file name says."""

    stream: StreamRole
    time_ms: int
    width: int
    height: int


def preview_name(stream: StreamRole, time_ms: int, width: int, height: int) -> str:
    """The file name of a preview of `stream` at `time_ms` (UTC)."""
    moment = datetime.fromtimestamp(time_ms // 1000, UTC)
    return f"{stream.value}-{moment.strftime(_STAMP)}.{time_ms % 1000:03d}Z-{width}x{height}.jpg"


def parse_preview_name(name: str) -> PreviewName | None:
    """Read a preview's file name; None if it is not one."""
    match = _NAME.match(name)
    if match is None:
        return None
    try:
        stream = StreamRole(match["stream"])
        seconds = calendar.timegm(time.strptime(match["stamp"], _STAMP))
    except ValueError:
        return None
    return PreviewName(stream, seconds * 1000 + int(match["ms"]), int(match["w"]), int(match["h"]))


def first_access_unit(data: bytes) -> tuple[VideoCodec, bytes] | None:
    """The codec ("h264" or "hevc") and first video access unit of MPEG-TS `data`, or None.

    Reads the PAT, the first program's PMT and the payload of the first video PES up to the next one. Enough
    for ffmpeg's own segments; not a general demuxer.
    """
    pmt_pid: int | None = None
    video: tuple[int, VideoCodec] | None = None
    unit, started = bytearray(), False
    for offset in range(0, len(data) - 187, 188):
        packet = data[offset : offset + 188]
        if packet[0] != 0x47:
            return None
        start = bool(packet[1] & 0x40)
        pid = (packet[1] & 0x1F) << 8 | packet[2]
        control = packet[3] >> 4 & 3
        if not control & 1:
            continue
        payload = packet[4 + (1 + packet[4] if control & 2 else 0) :]
        if pid == 0 and start and pmt_pid is None:
            section = payload[1 + payload[0] :]
            pmt_pid = (section[10] & 0x1F) << 8 | section[11]
        elif pid == pmt_pid and start and video is None:
            video = _video_stream(payload[1 + payload[0] :])
        elif video is not None and pid == video[0]:
            if start:
                if started:
                    return video[1], bytes(unit)
                started, payload = True, payload[9 + payload[8] :]
            if started:
                unit += payload
    return (video[1], bytes(unit)) if video is not None and started else None


def _video_stream(section: bytes) -> tuple[int, VideoCodec] | None:
    """The PID and codec of the first H.264 or H.265 stream a PMT section lists."""
    end = 3 + ((section[1] & 0x0F) << 8 | section[2]) - 4  # without the CRC
    index = 12 + ((section[10] & 0x0F) << 8 | section[11])
    while index + 5 <= end:
        kind, pid = section[index], (section[index + 1] & 0x1F) << 8 | section[index + 2]
        if kind == 0x1B:
            return pid, "h264"
        if kind == 0x24:
            return pid, "hevc"
        index += 5 + ((section[index + 3] & 0x0F) << 8 | section[index + 4])
    return None


def render_preview(
    segment: Path, target_dir: Path, stream: StreamRole, time_ms: int, width: int
) -> Path | None:
    """Decode the first keyframe of `segment`, scale it to `width` and write it as a JPEG (blocking).

    Returns:
        The preview written, or None when the segment has no decodable keyframe at its start.

    Raises:
        OSError: the segment cannot be read or the preview cannot be written.
    """
    with segment.open("rb") as file:
        found = first_access_unit(file.read(_READ_BYTES))
    if found is None:
        return None
    try:
        picture = _jpeg(*found, width)
    except av.FFmpegError as exc:
        logger.debug("No preview from %s: %s", segment.name, exc)
        return None
    if picture is None:
        return None
    jpeg, height = picture
    target_dir.mkdir(exist_ok=True)
    target = target_dir / preview_name(stream, time_ms, width, height)
    temporary = target.with_name(f".{target.name}.tmp")
    temporary.write_bytes(jpeg)
    temporary.replace(target)
    return target


def _jpeg(codec: VideoCodec, unit: bytes, width: int) -> tuple[bytes, int] | None:
    """A JPEG `width` pixels wide of the picture in access unit `unit`, and its height; None if none."""
    decoder = av.CodecContext.create(codec, "r")
    decoder.thread_type = "NONE"
    decoder.options = {"skip_loop_filter": "all"}  # invisible at 1/8 scale, ~8 % cheaper
    frames = decoder.decode(av.Packet(unit)) or decoder.decode(None)
    if not frames:
        return None
    frame = frames[0]
    height = max(2, round(width * frame.height / frame.width / 2) * 2)
    small = frame.reformat(width, height, "yuvj420p", interpolation="AREA")
    small.pts = None
    encoder = av.CodecContext.create("mjpeg", "w")
    encoder.width, encoder.height, encoder.pix_fmt = width, height, "yuvj420p"
    encoder.time_base = Fraction(1, 25)
    encoder.options = {"qscale": _JPEG_QSCALE}
    return b"".join(bytes(packet) for packet in encoder.encode(small)), height


class PreviewMaker:
    """Makes previews from segments as the indexer hands them over, one at a time in a worker thread.

    `submit` takes every closed segment (next to the segment writer's `submit`); a segment gets a preview when
    it starts a recording (a discontinuity) or when `interval_ms` have passed since the last preview of its
    camera stream. Previews are best effort: a failure is logged at DEBUG and the segment stays without one;
    when more than `max_pending` wait, the oldest are dropped.

    Args:
        root: the recordings root the segments' paths start from.
        render: `render_preview`, or a stand-in in tests.
    """

    def __init__(
        self,
        root: Path,
        *,
        interval_ms: int = DEFAULT_INTERVAL_MS,
        width: int = PREVIEW_WIDTH,
        max_pending: int = 1000,
        render: Render = render_preview,
    ) -> None:
        self._root = root
        self._interval_ms = interval_ms
        self._width = width
        self._render = render
        self._pending: collections.deque[SegmentInfo] = collections.deque(maxlen=max_pending)
        self._last: dict[tuple[int, StreamRole], int] = {}
        self._wake = asyncio.Event()
        self.made = 0
        self.dropped = 0

    def submit(self, segment: SegmentInfo) -> None:
        """Queue a preview of `segment` if it is due. Never blocks; must be called on the loop's thread."""
        key = (segment.camera_id, segment.stream)
        last = self._last.get(key)
        due = (
            segment.discontinuity
            or last is None
            or not 0 <= segment.start_ms - last < self._interval_ms - _INTERVAL_SLACK_MS
        )
        if not due:
            return
        self._last[key] = segment.start_ms
        if len(self._pending) == self._pending.maxlen:
            self.dropped += 1
            if self.dropped == 1 or self.dropped % 1000 == 0:
                logger.warning("Preview queue full: %d preview(s) skipped", self.dropped)
        self._pending.append(segment)
        self._wake.set()

    async def run(self) -> None:
        """Make queued previews until cancelled."""
        while True:
            await self._wake.wait()
            self._wake.clear()
            while self._pending:
                await self._make(self._pending.popleft())

    async def _make(self, segment: SegmentInfo) -> None:
        source = self._root / segment.path
        target_dir = source.parent / layout.PREVIEWS_DIR
        try:
            made = await asyncio.to_thread(
                self._render, source, target_dir, segment.stream, segment.start_ms, self._width
            )
        except OSError as exc:  # the segment went (retention) or the disk is full
            logger.debug("No preview of %s: %s", segment.path, exc)
            return
        if made is not None:
            self.made += 1


class PreviewIndex:
    """Lists the previews of one recordings root from file names, one day folder at a time.

    `camera_dirs` names camera folders that are not `<root>/<camera_id>` (an export). A day's listing is
    cached until its folder's mtime changes (or while it is less than 2 s old, as a new
    file may not move a coarse mtime); the `cache_days` most recently used days are kept. Thread-safe.
    """

    def __init__(
        self, root: Path, *, cache_days: int = 64, camera_dirs: Mapping[int, Path] | None = None
    ) -> None:
        self._root = root
        self._camera_dirs = camera_dirs
        self._cache_days = cache_days
        self._days: collections.OrderedDict[Path, tuple[int, list[tuple[int, str]]]] = (
            collections.OrderedDict()
        )
        self._lock = threading.Lock()

    async def previews(
        self, camera_id: int, start_ms: int, end_ms: int, stream: StreamRole | None = None
    ) -> list[Preview]:
        """`list_previews` in a worker thread."""
        return await asyncio.to_thread(self.list_previews, camera_id, start_ms, end_ms, stream)

    def list_previews(
        self, camera_id: int, start_ms: int, end_ms: int, stream: StreamRole | None = None
    ) -> list[Preview]:
        """Previews of a camera (of `stream`, or of any stream) in [start_ms, end_ms), in time order."""
        found: list[Preview] = []
        camera_dir = (self._camera_dirs or {}).get(camera_id, self._root / str(camera_id))
        for day in layout.days_between(start_ms - _DAY_MARGIN_MS, end_ms):
            folder = camera_dir / day / layout.PREVIEWS_DIR
            names = self._listing(folder)
            lo = bisect.bisect_left(names, start_ms, key=lambda n: n[0])
            for time_ms, name in names[lo:]:
                if time_ms >= end_ms:
                    break
                parsed = parse_preview_name(name)
                if parsed is not None and (stream is None or parsed.stream is stream):
                    found.append(
                        Preview(camera_id, time_ms, str(folder / name), parsed.width, parsed.height)
                    )
        found.sort(key=lambda p: p.time_ms)
        return found

    def _listing(self, folder: Path) -> list[tuple[int, str]]:
        try:
            mtime = os.stat(folder).st_mtime_ns
        except FileNotFoundError:
            return []
        with self._lock:
            cached = self._days.get(folder)
            if cached is not None and cached[0] == mtime and time.time_ns() - mtime > 2 * 10**9:
                self._days.move_to_end(folder)
                return cached[1]
        names = sorted(_scan(folder))
        with self._lock:
            self._days[folder] = (mtime, names)
            self._days.move_to_end(folder)
            while len(self._days) > self._cache_days:
                self._days.popitem(last=False)
        return names


def _scan(folder: Path) -> Iterable[tuple[int, str]]:
    try:
        entries = list(os.scandir(folder))
    except FileNotFoundError:
        return
    for entry in entries:
        parsed = parse_preview_name(entry.name)
        if parsed is not None:
            yield parsed.time_ms, entry.name


def remove_previews(root: Path, segments: Iterable[SegmentRecord]) -> int:
    """Delete the previews made from `segments` (blocking; retention calls it after deleting them).

    A preview goes when it lies within a deleted segment of its stream, in that segment's day folder; a
    `previews` folder left empty is removed. Returns how many previews were deleted.
    """
    spans: dict[Path, dict[StreamRole, list[tuple[int, int]]]] = collections.defaultdict(
        lambda: collections.defaultdict(list)
    )
    for segment in segments:
        folder = (root / segment.path).parent / layout.PREVIEWS_DIR
        spans[folder][segment.stream].append((segment.start_ms, segment.end_ms))
    removed = 0
    for folder, by_stream in spans.items():
        for stream_spans in by_stream.values():
            stream_spans.sort()
        for time_ms, name in list(_scan(folder)):
            parsed = parse_preview_name(name)
            if parsed is not None and _within(by_stream.get(parsed.stream, []), time_ms):
                (folder / name).unlink(missing_ok=True)
                removed += 1
        try:
            folder.rmdir()
        except OSError:  # previews of kept segments are left (the usual case), or no folder
            continue
    return removed


def _within(spans: list[tuple[int, int]], time_ms: int) -> bool:
    index = bisect.bisect_right(spans, (time_ms, 2**62)) - 1
    return index >= 0 and time_ms < spans[index][1]
