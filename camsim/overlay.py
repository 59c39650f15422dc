"""Burning text (camera name, wall clock) into raw I420 frames with the built-in bitmap font."""

from __future__ import annotations

import functools
import time

from camsim.font import GLYPH_HEIGHT, GLYPH_WIDTH, glyph
from camsim.i420 import LUMA_BLACK, LUMA_WHITE, I420Layout

_INK = bytes([LUMA_WHITE])
_PAPER = bytes([LUMA_BLACK])


@functools.lru_cache(maxsize=4096)
def _glyph_row(char: str, row: int, scale: int) -> bytes:
    """Return one font row of `char` at `scale`, followed by a one-column gap."""
    cells = glyph(char)[row] + "."
    return b"".join((_INK if cell == "#" else _PAPER) * scale for cell in cells)


def text_scale(height: int) -> int:
    """Return the font scale for a frame `height` pixels tall (about 1/25 of the height per line)."""
    return max(1, height // 180)


def text_size(text: str, scale: int) -> tuple[int, int]:
    """Return the (width, height) in pixels that `draw_text` covers for `text`, margins included."""
    return (len(text) * (GLYPH_WIDTH + 1) + 1) * scale, (GLYPH_HEIGHT + 2) * scale


def draw_text(
    frame: memoryview | bytearray, layout: I420Layout, x: int, y: int, text: str, scale: int
) -> None:
    """Draw `text` in white on a black box whose top-left corner is (x, y), clipped to the frame.

    The box's chroma is made neutral so the text stays black and white on any picture.
    """
    box_w, box_h = text_size(text, scale)
    margin = _PAPER * scale
    blank = _PAPER * box_w
    layout.fill_luma(frame, x, y, blank, scale)
    for row in range(GLYPH_HEIGHT):
        line = margin + b"".join(_glyph_row(char, row, scale) for char in text)
        layout.fill_luma(frame, x, y + (row + 1) * scale, line, scale)
    layout.fill_luma(frame, x, y + (GLYPH_HEIGHT + 1) * scale, blank, scale)
    layout.neutralize_chroma(frame, x, y, box_w, box_h)


def format_wall_clock(ms: int) -> str:
    """Return local time `ms` (milliseconds since the epoch) as "YYYY-MM-DD HH:MM:SS.mmm"."""
    seconds, millis = divmod(ms, 1000)
    return f"{time.strftime('%Y-%m-%d %H:%M:%S', time.localtime(seconds))}.{millis:03d}"


def draw_caption(frame: memoryview | bytearray, layout: I420Layout, lines: list[str]) -> None:
    """Draw `lines` one under the other at the top-left corner of the frame."""
    scale = text_scale(layout.height)
    x = y = 2 * scale
    for line in lines:
        draw_text(frame, layout, x, y, line, scale)
        y += text_size(line, scale)[1] + scale
