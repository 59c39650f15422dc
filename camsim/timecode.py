"""The machine-readable timestamp code burned into every simulated frame: encoding, drawing and decoding.

The code is 64 black or white blocks in two rows of 32 near the bottom of the frame, at the same relative
position at every resolution, so it survives scaling and lossy compression:

    [1, 0] start marker | 48 bits: milliseconds since the epoch, MSB first | 12-bit CRC | [0, 1] stop marker

`decode_luma` reads it back from any grayscale (luma) image of the whole frame, at any size from about
160x90 up. It returns None rather than a wrong value when the markers, the contrast or the CRC disagree.
"""

from __future__ import annotations

from camsim.i420 import LUMA_BLACK, LUMA_WHITE, I420Layout

DATA_BITS = 48
CRC_BITS = 12
COLUMNS = 32
ROWS = 2
BLOCK_COUNT = COLUMNS * ROWS
_START = (True, False)
_STOP = (False, True)
_CRC_POLY = 0x80F  # CRC-12 (3GPP)

# Relative geometry of the code (fractions of the frame's width and height).
LEFT = 0.04
RIGHT = 0.96
TOP = 0.84
ROW_HEIGHT = 0.05

_MIN_CONTRAST = 40


def _crc12(bits: list[bool]) -> list[bool]:
    crc = 0
    for bit in bits:
        feedback = ((crc >> (CRC_BITS - 1)) & 1) ^ int(bit)
        crc = (crc << 1) & ((1 << CRC_BITS) - 1)
        if feedback:
            crc ^= _CRC_POLY
    return [bool((crc >> shift) & 1) for shift in range(CRC_BITS - 1, -1, -1)]


def encode_blocks(ms: int) -> list[bool]:
    """Return the 64 blocks (True is white) that encode `ms`, row by row, left to right.

    Raises:
        ValueError: `ms` is negative or does not fit in 48 bits.
    """
    if not 0 <= ms < 1 << DATA_BITS:
        raise ValueError(f"timestamp {ms} does not fit in {DATA_BITS} bits")
    data = [bool((ms >> shift) & 1) for shift in range(DATA_BITS - 1, -1, -1)]
    return [*_START, *data, *_crc12(data), *_STOP]


def parse_blocks(blocks: list[bool]) -> int | None:
    """Return the milliseconds `blocks` encode, or None if the markers or the CRC are wrong."""
    if len(blocks) != BLOCK_COUNT or tuple(blocks[:2]) != _START or tuple(blocks[-2:]) != _STOP:
        return None
    data = blocks[2 : 2 + DATA_BITS]
    if blocks[2 + DATA_BITS : -2] != _crc12(data):
        return None
    value = 0
    for bit in data:
        value = (value << 1) | int(bit)
    return value


def _edges(start: float, end: float, count: int, extent: int) -> list[int]:
    """Return `count + 1` pixel boundaries splitting [start, end) (fractions of `extent`) evenly."""
    return [round((start + (end - start) * i / count) * extent) for i in range(count + 1)]


def draw_timecode(frame: memoryview | bytearray, layout: I420Layout, ms: int) -> None:
    """Draw the code for `ms` into an I420 frame (luma black/white, neutral chroma)."""
    blocks = encode_blocks(ms)
    xs = _edges(LEFT, RIGHT, COLUMNS, layout.width)
    ys = _edges(TOP, TOP + ROW_HEIGHT * ROWS, ROWS, layout.height)
    white, black = bytes([LUMA_WHITE]), bytes([LUMA_BLACK])
    for row in range(ROWS):
        bits = blocks[row * COLUMNS : (row + 1) * COLUMNS]
        line = b"".join(
            (white if bit else black) * (xs[i + 1] - xs[i]) for i, bit in enumerate(bits)
        )
        layout.fill_luma(frame, xs[0], ys[row], line, ys[row + 1] - ys[row])
    layout.neutralize_chroma(frame, xs[0], ys[0], xs[-1] - xs[0], ys[-1] - ys[0])


def _sample(
    gray: bytes | bytearray | memoryview, stride: int, x0: int, x1: int, y0: int, y1: int
) -> float:
    """Return the mean of the pixels in [x0, x1) x [y0, y1)."""
    total = 0
    for row in range(y0, y1):
        start = row * stride
        total += sum(gray[start + x0 : start + x1])
    return total / ((x1 - x0) * (y1 - y0))


def _block_means(
    gray: bytes | bytearray | memoryview, width: int, height: int, stride: int
) -> list[float]:
    """Return the mean luma of the middle of each block, row by row."""
    xs = [(LEFT + (RIGHT - LEFT) * (i + 0.5) / COLUMNS) * width for i in range(COLUMNS)]
    half_w = max(0.5, (RIGHT - LEFT) / COLUMNS * width / 6)
    half_h = max(0.5, ROW_HEIGHT * height / 6)
    means = []
    for row in range(ROWS):
        cy = (TOP + ROW_HEIGHT * (row + 0.5)) * height
        y0, y1 = int(cy - half_h), max(int(cy - half_h) + 1, round(cy + half_h))
        for cx in xs:
            x0 = int(cx - half_w)
            x1 = max(x0 + 1, round(cx + half_w))
            means.append(_sample(gray, stride, x0, x1, y0, y1))
    return means


def decode_luma(
    gray: bytes | bytearray | memoryview, width: int, height: int, stride: int | None = None
) -> int | None:
    """Read the timestamp code back from a decoded frame.

    Args:
        gray: the frame's luma (or grayscale) bytes, one byte per pixel, rows top to bottom.
        width: frame width in pixels; any size, as long as the image is the whole camera frame.
        height: frame height in pixels.
        stride: bytes per row, if rows are padded; `width` by default.

    Returns:
        Milliseconds since the epoch (the frame's capture time), or None if no valid code is found.

    Raises:
        ValueError: `gray` is shorter than `stride * height` bytes.
    """
    stride = width if stride is None else stride
    if len(gray) < stride * (height - 1) + width:
        raise ValueError(
            f"{len(gray)} bytes cannot hold a {width}x{height} image with stride {stride}"
        )
    if width < 64 or height < 36:
        return None
    means = _block_means(
        memoryview(gray).cast("B") if isinstance(gray, memoryview) else gray, width, height, stride
    )
    white = (means[0] + means[-1]) / 2
    black = (means[1] + means[-2]) / 2
    if white - black < _MIN_CONTRAST:
        return None
    threshold = (white + black) / 2
    return parse_blocks([mean > threshold for mean in means])
