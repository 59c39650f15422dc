"""The timestamp code: bit layout, CRC, and reading it back after drawing, scaling and noise."""

from __future__ import annotations

import random

import pytest

from camsim.i420 import I420Layout
from camsim.timecode import (
    BLOCK_COUNT,
    DATA_BITS,
    decode_luma,
    draw_timecode,
    encode_blocks,
    parse_blocks,
)

NOW_MS = 1_795_257_551_304


def _luma_frame(width: int, height: int, ms: int, background: int = 90) -> bytes:
    """Return the luma plane (stride = width) of an I420 frame with the code for `ms` drawn in."""
    layout = I420Layout.for_size(width, height)
    frame = bytearray([background]) * layout.size
    draw_timecode(frame, layout, ms)
    rows = (frame[row * layout.y_stride : row * layout.y_stride + width] for row in range(height))
    return b"".join(rows)


def _box_downscale(gray: bytes, width: int, height: int, factor: int) -> bytes:
    """Average `factor` x `factor` pixel boxes, as a scaler does when shrinking."""
    out = bytearray()
    area = factor * factor
    for oy in range(height // factor):
        rows = [
            gray[(oy * factor + dy) * width : (oy * factor + dy + 1) * width]
            for dy in range(factor)
        ]
        column_sums = [sum(column) for column in zip(*rows, strict=True)]
        out.extend(
            sum(column_sums[ox * factor : (ox + 1) * factor]) // area
            for ox in range(width // factor)
        )
    return bytes(out)


def _nearest_resize(gray: bytes, width: int, height: int, new_w: int, new_h: int) -> bytes:
    xmap = [x * width // new_w for x in range(new_w)]
    out = bytearray()
    for y in range(new_h):
        row = gray[(y * height // new_h) * width :][:width]
        out.extend(row[x] for x in xmap)
    return bytes(out)


def _add_noise(gray: bytes, amplitude: int, seed: int = 7) -> bytes:
    rng = random.Random(seed)
    return bytes(min(255, max(0, value + rng.randint(-amplitude, amplitude))) for value in gray)


def test_encode_blocks_frames_48_data_bits_between_markers() -> None:
    blocks = encode_blocks(NOW_MS)

    assert len(blocks) == BLOCK_COUNT
    assert blocks[:2] == [True, False]
    assert blocks[-2:] == [False, True]
    data = blocks[2 : 2 + DATA_BITS]
    assert int("".join("1" if bit else "0" for bit in data), 2) == NOW_MS


@pytest.mark.parametrize("ms", [0, 1, NOW_MS, (1 << 48) - 1], ids=["zero", "one", "now", "max"])
def test_parse_blocks_round_trips(ms: int) -> None:
    assert parse_blocks(encode_blocks(ms)) == ms


@pytest.mark.parametrize("ms", [-1, 1 << 48], ids=["negative", "too-big"])
def test_encode_blocks_rejects_values_outside_48_bits(ms: int) -> None:
    with pytest.raises(ValueError, match="48 bits"):
        encode_blocks(ms)


def test_parse_blocks_rejects_any_single_flipped_block() -> None:
    blocks = encode_blocks(NOW_MS)
    for index in range(BLOCK_COUNT):
        damaged = list(blocks)
        damaged[index] = not damaged[index]
        assert parse_blocks(damaged) is None, f"flipping block {index} went unnoticed"


def test_decode_reads_the_code_at_full_size() -> None:
    gray = _luma_frame(1280, 720, NOW_MS)

    assert decode_luma(gray, 1280, 720) == NOW_MS


@pytest.mark.parametrize(
    ("factor", "size"), [(2, (640, 360)), (4, (320, 180))], ids=["640x360", "320x180"]
)
def test_decode_reads_the_code_after_box_downscaling(factor: int, size: tuple[int, int]) -> None:
    small = _box_downscale(_luma_frame(1280, 720, NOW_MS), 1280, 720, factor)

    assert len(small) == size[0] * size[1]
    assert decode_luma(small, *size) == NOW_MS


@pytest.mark.parametrize("size", [(426, 240), (352, 198), (240, 135)], ids=str)
def test_decode_reads_the_code_after_resizing_to_odd_tile_sizes(size: tuple[int, int]) -> None:
    resized = _nearest_resize(_luma_frame(640, 360, NOW_MS), 640, 360, *size)

    assert decode_luma(resized, *size) == NOW_MS


def test_decode_reads_the_code_through_noise() -> None:
    noisy = _add_noise(_box_downscale(_luma_frame(1280, 720, NOW_MS), 1280, 720, 4), amplitude=40)

    assert decode_luma(noisy, 320, 180) == NOW_MS


def test_decode_honours_a_padded_stride() -> None:
    gray = _luma_frame(320, 180, NOW_MS)
    padded = b"".join(gray[row * 320 : (row + 1) * 320] + b"\0" * 64 for row in range(180))

    assert decode_luma(padded, 320, 180, stride=384) == NOW_MS


@pytest.mark.parametrize("value", [0, 128, 255], ids=["black", "grey", "white"])
def test_decode_finds_nothing_in_a_flat_frame(value: int) -> None:
    assert decode_luma(bytes([value]) * (320 * 180), 320, 180) is None


def test_decode_rejects_a_buffer_too_short_for_the_size() -> None:
    with pytest.raises(ValueError, match="cannot hold"):
        decode_luma(b"\0" * 100, 320, 180)
