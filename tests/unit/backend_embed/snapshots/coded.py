"""Timecoded H.264 made in-process with PyAV's libx264: each frame carries camsim's code for a known ms."""

from __future__ import annotations

from fractions import Fraction

import av
import av.video.frame

from backend_embed.webrtc.reader import VIDEO_CLOCK_HZ, EncodedFrame
from camsim.i420 import I420Layout
from camsim.timecode import decode_luma, draw_timecode

FPS = 25
TICKS = VIDEO_CLOCK_HZ // FPS


def coded_frame(width: int, height: int, code_ms: int) -> av.video.frame.VideoFrame:
    """A mid-grey I420 frame with the timestamp code for `code_ms` drawn in."""
    layout = I420Layout.for_size(width, height)
    raw = bytearray([128]) * layout.size
    draw_timecode(raw, layout, code_ms)
    frame = av.video.frame.VideoFrame(width, height, "yuv420p")
    sources = (
        (0, layout.y_stride, height, width),
        (layout.u_offset, layout.uv_stride, height // 2, width // 2),
        (layout.v_offset, layout.uv_stride, height // 2, width // 2),
    )
    for plane, (offset, stride, rows, row_bytes) in zip(frame.planes, sources, strict=True):
        out = bytearray(plane.buffer_size)
        for row in range(rows):
            start = offset + row * stride
            out[row * plane.line_size : row * plane.line_size + row_bytes] = raw[
                start : start + row_bytes
            ]
        plane.update(bytes(out))
    return frame


def read_code(frame: av.video.frame.VideoFrame) -> int | None:
    """The timestamp code a decoded frame shows, or None."""
    gray = frame.reformat(format="gray")
    plane = gray.planes[0]
    return decode_luma(bytes(plane), gray.width, gray.height, stride=plane.line_size)


def encode_gop(
    width: int, height: int, codes: list[int], *, gop: int = 50, first_pts: int = 0
) -> list[EncodedFrame]:
    """H.264 access units (Annex B, parameter sets in front of keyframes) of frames showing `codes`."""
    context = av.CodecContext.create("libx264", "w")
    assert isinstance(context, av.VideoCodecContext)
    context.width, context.height = width, height
    context.pix_fmt = "yuv420p"
    context.time_base = Fraction(1, VIDEO_CLOCK_HZ)
    context.framerate = Fraction(FPS)
    context.gop_size = gop
    context.options = {
        "preset": "ultrafast",
        "tune": "zerolatency",
        "x264-params": "repeat-headers=1",
    }
    frames: list[EncodedFrame] = []
    for index, code in enumerate([*codes, None]):
        picture = None if code is None else coded_frame(width, height, code)
        if picture is not None:
            picture.pts = first_pts + index * TICKS
        for packet in context.encode(picture):
            assert packet.pts is not None
            frames.append(EncodedFrame(bytes(packet), packet.pts, packet.is_keyframe))
    return frames
