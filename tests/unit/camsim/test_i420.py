"""The I420 layout matches GStreamer's default strides and offsets, and fills stay inside the frame."""

from __future__ import annotations

import pytest

from camsim.i420 import CHROMA_NEUTRAL, I420Layout


@pytest.mark.parametrize(
    ("size", "expected"),
    [
        ((1280, 720), (1280, 640, 921600, 1152000, 1382400)),
        ((640, 360), (640, 320, 230400, 288000, 345600)),
        # GstVideoInfo pads odd-ish widths: Y stride to 4, chroma stride to 4 of half the even width
        ((322, 242), (324, 164, 78408, 98252, 118096)),
    ],
    ids=["720p", "360p", "padded"],
)
def test_layout_matches_gstreamer_default_i420(
    size: tuple[int, int], expected: tuple[int, int, int, int, int]
) -> None:
    layout = I420Layout.for_size(*size)

    assert (
        layout.y_stride,
        layout.uv_stride,
        layout.u_offset,
        layout.v_offset,
        layout.size,
    ) == expected


def test_fill_luma_is_clipped_to_the_frame() -> None:
    layout = I420Layout.for_size(8, 4)
    frame = bytearray(layout.size)

    layout.fill_luma(frame, 6, 3, b"\xff" * 5, rows=3)

    assert frame[: layout.u_offset] == bytes(3 * 8 + 6) + b"\xff\xff"
    assert frame[layout.u_offset :] == bytes(layout.size - layout.u_offset)


def test_neutralize_chroma_touches_only_the_rectangle() -> None:
    layout = I420Layout.for_size(8, 4)
    frame = bytearray(layout.size)

    layout.neutralize_chroma(frame, 2, 0, 4, 2)

    u_plane = frame[layout.u_offset : layout.v_offset]
    v_plane = frame[layout.v_offset :]
    for plane in (u_plane, v_plane):
        assert plane == bytes([0, CHROMA_NEUTRAL, CHROMA_NEUTRAL, 0, 0, 0, 0, 0])
    assert frame[: layout.u_offset] == bytes(layout.u_offset)
