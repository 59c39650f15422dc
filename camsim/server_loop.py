"""Pre-encoded looping clips: encoding once, caching on disk, and feeding them to an appsrc forever.

Server-only (needs gi). A clip is a whole number of GOPs starting with a keyframe, so the loop always
jumps back to a keyframe. Its timestamp code encodes the position in the clip, not the wall clock.
"""

from __future__ import annotations

import logging
import os
import struct
from dataclasses import dataclass
from pathlib import Path

from gi.repository import Gst

from camsim.config import CamSimError, Codec
from camsim.server_frames import TEST_PICTURE, FrameStamper, clip_position_ms

logger = logging.getLogger(__name__)

CLIP_SECONDS = 4
_MAGIC = b"CAMSIM-CLIP-1\n"
_RECORD = struct.Struct(">IB")
_ENCODERS: dict[str, str] = {
    "h264": (
        "x264enc name=encoder tune=zerolatency speed-preset=ultrafast key-int-max={gop} bitrate={kbps} "
        "! video/x-h264,profile=baseline ! h264parse ! video/x-h264,stream-format=byte-stream,alignment=au"
    ),
    "h265": (
        "x265enc name=encoder tune=zerolatency speed-preset=ultrafast key-int-max={gop} bitrate={kbps} "
        "! video/x-h265,profile=main ! h265parse ! video/x-h265,stream-format=byte-stream,alignment=au"
    ),
    "mjpeg": "jpegenc name=encoder quality=75",
}
_CAPS: dict[str, str] = {
    "h264": "video/x-h264,stream-format=byte-stream,alignment=au",
    "h265": "video/x-h265,stream-format=byte-stream,alignment=au",
    "mjpeg": "image/jpeg",
}


@dataclass(frozen=True, slots=True)
class ClipKey:
    """What makes two clips interchangeable."""

    codec: Codec
    width: int
    height: int
    fps: int
    gop: int

    @property
    def frame_count(self) -> int:
        """Return the clip's length in frames: whole GOPs, at least `CLIP_SECONDS` long."""
        gops = -(-CLIP_SECONDS * self.fps // self.gop)
        return max(1, gops) * self.gop

    @property
    def filename(self) -> str:
        """Return the cache file name of the clip."""
        return f"{self.codec}-{self.width}x{self.height}-{self.fps}fps-gop{self.gop}.clip"


@dataclass(frozen=True, slots=True)
class Clip:
    """A pre-encoded clip: caps for the appsrc and one (data, is_delta) pair per frame."""

    key: ClipKey
    caps: str
    units: tuple[tuple[bytes, bool], ...]


def _caps(key: ClipKey) -> str:
    return f"{_CAPS[key.codec]},width={key.width},height={key.height},framerate={key.fps}/1"


def _read_cache(path: Path, key: ClipKey) -> Clip | None:
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return None
    if not data.startswith(_MAGIC):
        return None
    units: list[tuple[bytes, bool]] = []
    offset = len(_MAGIC)
    while offset + _RECORD.size <= len(data):
        size, delta = _RECORD.unpack_from(data, offset)
        offset += _RECORD.size
        units.append((data[offset : offset + size], bool(delta)))
        offset += size
    if offset != len(data) or len(units) != key.frame_count or units[0][1]:
        logger.warning("Ignoring a damaged clip cache %s", path)
        return None
    return Clip(key, _caps(key), tuple(units))


def _write_cache(path: Path, clip: Clip) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(f".tmp{os.getpid()}")
    with tmp.open("wb") as out:
        out.write(_MAGIC)
        for data, delta in clip.units:
            out.write(_RECORD.pack(len(data), int(delta)))
            out.write(data)
    tmp.replace(path)


def _caption(key: ClipKey, ms: int) -> list[str]:
    return ["LOOP CLIP", f"{key.codec} {key.width}x{key.height} +{ms / 1000:.3f}S"]


def _encode(key: ClipKey) -> Clip:
    kbps = max(200, key.width * key.height * key.fps * 8 // 100_000)
    encoder = _ENCODERS[key.codec].format(gop=key.gop, kbps=kbps)
    pipeline = Gst.parse_launch(
        f"{TEST_PICTURE} num-buffers={key.frame_count} "
        f"! video/x-raw,format=I420,width={key.width},height={key.height},framerate={key.fps}/1 "
        f"! {encoder} ! appsink name=sink sync=false max-buffers=0"
    )
    stamper = FrameStamper(key.width, key.height, lambda ms: _caption(key, ms), clip_position_ms)
    stamper.attach(pipeline.get_by_name("encoder").get_static_pad("sink"))
    sink = pipeline.get_by_name("sink")
    units: list[tuple[bytes, bool]] = []
    pipeline.set_state(Gst.State.PLAYING)
    try:
        while (sample := sink.emit("try-pull-sample", 30 * Gst.SECOND)) is not None:
            buffer = sample.get_buffer()
            delta = bool(buffer.get_flags() & Gst.BufferFlags.DELTA_UNIT)
            units.append((buffer.extract_dup(0, buffer.get_size()), delta))
        error = pipeline.get_bus().pop_filtered(Gst.MessageType.ERROR)
    finally:
        pipeline.set_state(Gst.State.NULL)
    if error is not None:
        gerror, debug = error.parse_error()
        raise CamSimError(
            f"encoding the {key.filename} loop clip failed: {gerror.message} ({debug})"
        )
    if len(units) != key.frame_count or units[0][1]:
        raise CamSimError(f"encoding the {key.filename} loop clip gave {len(units)} frames")
    return Clip(key, _caps(key), tuple(units))


def load_clip(key: ClipKey, cache_dir: Path) -> Clip:
    """Return the clip for `key` from `cache_dir`, encoding and caching it first if needed.

    Raises:
        CamSimError: the clip could not be encoded.
    """
    path = cache_dir / key.filename
    clip = _read_cache(path, key)
    if clip is None:
        logger.info("Encoding loop clip %s", key.filename)
        clip = _encode(key)
        _write_cache(path, clip)
    return clip


class ClipFeeder:
    """Feeds one appsrc the clip's frames in a loop, with continuous, increasing timestamps."""

    def __init__(self, clip: Clip) -> None:
        """Start at the clip's first (key) frame, at time 0."""
        self._clip = clip
        self._index = 0

    def on_need_data(self, appsrc: Gst.Element, _length: int) -> None:
        """Push the next frame (the appsrc's "need-data" handler)."""
        data, delta = self._clip.units[self._index % len(self._clip.units)]
        fps = self._clip.key.fps
        buffer = Gst.Buffer.new_wrapped(data)
        buffer.pts = buffer.dts = self._index * Gst.SECOND // fps
        buffer.duration = (self._index + 1) * Gst.SECOND // fps - buffer.pts
        if delta:
            buffer.set_flags(Gst.BufferFlags.DELTA_UNIT)
        self._index += 1
        appsrc.emit("push-buffer", buffer)
