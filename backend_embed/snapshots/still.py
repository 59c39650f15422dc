"""Still: one decoded picture as a full-size JPEG and a thumbnail, and the JPEG encoding both use.

JPEG comes from FFmpeg's `mjpeg` encoder through PyAV (no image library): the frame is converted to full-range
`yuvj420p` and coded at a fixed quantiser (`qmin = qmax`), the equivalent of `ffmpeg -q:v 2`. Encoding is
CPU work: call these functions in a worker thread, never on the loop.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from typing import Final

import av
import av.video.frame

from backend_embed.api.dto import StreamRole

#: the quantiser of the full-size JPEG (ffmpeg's -q:v scale, 2 is the best it offers in practice)
JPEG_QUALITY: Final = 2
#: the thumbnail is coarser: it is for lists and the evidence view, not for reading a number plate
THUMBNAIL_QUALITY: Final = 5
THUMBNAIL_MAX_WIDTH: Final = 320
_JPEG_PIX_FMT: Final = "yuvj420p"


@dataclass(frozen=True, slots=True)
class Still:
    """A picture of a camera stream at `time_ms` (UTC epoch ms), as JPEG.

    Attributes:
        jpeg: the full picture, `width` x `height` (the stream's own resolution).
        thumbnail: the same picture at most `THUMBNAIL_MAX_WIDTH` wide, aspect ratio kept.
        time_ms: live: when the frame arrived from the camera; recorded: where it sits on the timeline.
        stream: the stream it was taken from (the main stream, for full resolution).
    """

    jpeg: bytes
    thumbnail: bytes
    width: int
    height: int
    time_ms: int
    stream: StreamRole


def thumbnail_size(
    width: int, height: int, max_width: int = THUMBNAIL_MAX_WIDTH
) -> tuple[int, int]:
    """The thumbnail's size: `width` x `height` scaled to at most `max_width` wide, even, aspect kept.

    Raises:
        ValueError: a side is not positive.
    """
    if width <= 0 or height <= 0:
        raise ValueError(f"a picture of {width}x{height} has no thumbnail")
    if width <= max_width:
        return width, height
    scaled_height = max(2, round(height * max_width / width / 2) * 2)
    return max_width, scaled_height


def encode_jpeg(
    frame: av.video.frame.VideoFrame,
    *,
    quality: int = JPEG_QUALITY,
    size: tuple[int, int] | None = None,
) -> bytes:
    """One JPEG of `frame`, scaled to `size` (width, height) if given, at quantiser `quality` (2-31).

    Raises:
        ValueError: `quality` is out of range.
        av.FFmpegError: the encoder failed.
    """
    if not 1 <= quality <= 31:
        raise ValueError(f"JPEG quality {quality} is not in 1..31")
    width, height = size if size is not None else (frame.width, frame.height)
    picture = frame.reformat(width=width, height=height, format=_JPEG_PIX_FMT)
    context = av.CodecContext.create("mjpeg", "w")
    assert isinstance(context, av.VideoCodecContext)
    context.width, context.height = width, height
    context.pix_fmt = _JPEG_PIX_FMT
    context.time_base = Fraction(1, 25)
    context.options = {"qmin": str(quality), "qmax": str(quality)}
    picture.pts = 0
    packets = [*context.encode(picture), *context.encode(None)]
    data = b"".join(bytes(packet) for packet in packets)
    if not data:
        raise ValueError("the JPEG encoder produced nothing")
    return data


def make_still(frame: av.video.frame.VideoFrame, *, time_ms: int, stream: StreamRole) -> Still:
    """The full-size JPEG and the thumbnail of `frame` (CPU work: run it in a thread)."""
    return Still(
        jpeg=encode_jpeg(frame),
        thumbnail=encode_jpeg(
            frame, quality=THUMBNAIL_QUALITY, size=thumbnail_size(frame.width, frame.height)
        ),
        width=frame.width,
        height=frame.height,
        time_ms=time_ms,
        stream=stream,
    )


def jpeg_size(data: bytes) -> tuple[int, int]:
    """The (width, height) a JPEG declares in its first SOF marker.

    Raises:
        ValueError: `data` is not a JPEG with a frame header.
    """
    if data[:2] != b"\xff\xd8":
        raise ValueError("not a JPEG")
    at = 2
    while at + 9 <= len(data):
        if data[at] != 0xFF:
            raise ValueError(f"broken JPEG marker at byte {at}")
        marker = data[at + 1]
        length = int.from_bytes(data[at + 2 : at + 4], "big")
        if 0xC0 <= marker <= 0xCF and marker not in (0xC4, 0xC8, 0xCC):
            height = int.from_bytes(data[at + 5 : at + 7], "big")
            width = int.from_bytes(data[at + 7 : at + 9], "big")
            return width, height
        at += 2 + length
    raise ValueError("the JPEG has no frame header")
