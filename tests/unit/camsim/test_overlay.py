"""Burned-in text: glyph pixels land where the font says, in a black box, and the clock format."""

from __future__ import annotations

import time

from camsim.font import GLYPH_HEIGHT, GLYPH_WIDTH, glyph, supported_characters
from camsim.i420 import LUMA_BLACK, LUMA_WHITE, I420Layout
from camsim.overlay import draw_caption, draw_text, format_wall_clock, text_scale, text_size


def _luma(frame: bytearray, layout: I420Layout, x: int, y: int) -> int:
    return frame[y * layout.y_stride + x]


def test_draw_text_paints_the_glyph_pixels_at_scale() -> None:
    layout = I420Layout.for_size(64, 32)
    frame = bytearray([100]) * layout.size
    scale = 2

    draw_text(frame, layout, 0, 0, "7", scale)

    rows = glyph("7")
    for gy in range(GLYPH_HEIGHT):
        for gx in range(GLYPH_WIDTH):
            expected = LUMA_WHITE if rows[gy][gx] == "#" else LUMA_BLACK
            x, y = (gx + 1) * scale, (gy + 1) * scale  # one-cell margin
            assert _luma(frame, layout, x + 1, y + 1) == expected, (gx, gy)
    width, height = text_size("7", scale)
    assert _luma(frame, layout, width, height) == 100, "drew outside its box"


def test_unknown_characters_draw_as_question_marks_and_lower_case_as_upper() -> None:
    assert glyph("é") == glyph("?")
    assert glyph("a") == glyph("A")
    assert set("0123456789:-. ") <= supported_characters()


def test_draw_caption_survives_text_wider_than_the_frame() -> None:
    layout = I420Layout.for_size(64, 36)
    frame = bytearray(layout.size)

    draw_caption(frame, layout, ["A VERY LONG CAMERA NAME THAT DOES NOT FIT", "2026-01-01"])

    assert len(frame) == layout.size


def test_text_scale_grows_with_frame_height() -> None:
    assert [text_scale(h) for h in (90, 180, 360, 720, 1080)] == [1, 1, 2, 4, 6]


def test_format_wall_clock_has_milliseconds() -> None:
    ms = 1_795_257_551_304
    expected = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(ms // 1000)) + ".304"

    assert format_wall_clock(ms) == expected
