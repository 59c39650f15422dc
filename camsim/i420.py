"""The byte layout of raw I420 frames as GStreamer lays them out, and filling rectangles of them."""

from __future__ import annotations

from dataclasses import dataclass

# Video-range luma for the black and white the overlays draw, and neutral chroma.
LUMA_BLACK = 16
LUMA_WHITE = 235
CHROMA_NEUTRAL = 128


def _round_up(value: int, multiple: int) -> int:
    return (value + multiple - 1) // multiple * multiple


@dataclass(frozen=True, slots=True)
class I420Layout:
    """Plane offsets and strides of an I420 frame with GStreamer's default alignment (GstVideoInfo).

    Attributes:
        width: frame width in pixels.
        height: frame height in pixels.
        y_stride: bytes per luma row.
        uv_stride: bytes per chroma row (U and V).
        u_offset: where the U plane starts.
        v_offset: where the V plane starts.
        size: total bytes of one frame.
    """

    width: int
    height: int
    y_stride: int
    uv_stride: int
    u_offset: int
    v_offset: int
    size: int

    @classmethod
    def for_size(cls, width: int, height: int) -> I420Layout:
        """Return the layout videotestsrc and GstVideoInfo use for a `width` x `height` I420 frame."""
        y_stride = _round_up(width, 4)
        uv_stride = _round_up(_round_up(width, 2) // 2, 4)
        uv_height = _round_up(height, 2) // 2
        u_offset = y_stride * _round_up(height, 2)
        v_offset = u_offset + uv_stride * uv_height
        return cls(
            width, height, y_stride, uv_stride, u_offset, v_offset, v_offset + uv_stride * uv_height
        )

    def neutralize_chroma(
        self, frame: memoryview | bytearray, x: int, y: int, w: int, h: int
    ) -> None:
        """Set the chroma of the luma rectangle (x, y, w, h) to grey, so only luma carries the drawing."""
        cx0, cy0 = x // 2, y // 2
        cx1, cy1 = min((x + w + 1) // 2, self.width // 2), min((y + h + 1) // 2, self.height // 2)
        if cx1 <= cx0 or cy1 <= cy0:
            return
        grey = bytes([CHROMA_NEUTRAL]) * (cx1 - cx0)
        for plane in (self.u_offset, self.v_offset):
            for row in range(cy0, cy1):
                start = plane + row * self.uv_stride + cx0
                frame[start : start + len(grey)] = grey

    def fill_luma(
        self, frame: memoryview | bytearray, x: int, y: int, line: bytes, rows: int
    ) -> None:
        """Write `line` as the luma of `rows` rows starting at (x, y), clipped to the frame."""
        if x >= self.width or y >= self.height or x < 0 or y < 0:
            return
        line = line[: self.width - x]
        for row in range(y, min(y + rows, self.height)):
            start = row * self.y_stride + x
            frame[start : start + len(line)] = line
