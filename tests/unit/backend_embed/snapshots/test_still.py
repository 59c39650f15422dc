"""Tests for backend_embed.snapshots.still: JPEG encoding with PyAV's mjpeg and the thumbnail's size."""

from __future__ import annotations

import io

import av
import av.video.frame
import pytest

from backend_embed.api.dto import StreamRole
from backend_embed.snapshots.still import encode_jpeg, jpeg_size, make_still, thumbnail_size
from tests.unit.backend_embed.snapshots.coded import coded_frame, read_code


def _decode_jpeg(data: bytes) -> av.video.frame.VideoFrame:
    with av.open(io.BytesIO(data), "r", format="image2pipe") as container:
        return next(container.decode(video=0))


@pytest.mark.parametrize(
    ("size", "expected"),
    [
        ((1280, 720), (320, 180)),
        ((640, 480), (320, 240)),
        ((1920, 1088), (320, 182)),
        ((320, 180), (320, 180)),
        ((176, 144), (176, 144)),
    ],
)
def test_the_thumbnail_is_at_most_320_wide_keeping_the_aspect_ratio(
    size: tuple[int, int], expected: tuple[int, int]
) -> None:
    assert thumbnail_size(*size) == expected


def test_a_picture_without_area_has_no_thumbnail() -> None:
    with pytest.raises(ValueError, match="no thumbnail"):
        thumbnail_size(0, 720)


def test_the_jpeg_keeps_the_picture_and_its_size() -> None:
    data = encode_jpeg(coded_frame(640, 360, 1_795_255_200_040))

    assert data[:2] == b"\xff\xd8"
    assert data[-2:] == b"\xff\xd9"
    assert jpeg_size(data) == (640, 360)
    decoded = _decode_jpeg(data)
    assert (decoded.width, decoded.height) == (640, 360)
    assert read_code(decoded) == 1_795_255_200_040


def test_a_higher_quantiser_makes_a_smaller_jpeg() -> None:
    frame = coded_frame(640, 360, 5_000)

    assert len(encode_jpeg(frame, quality=2)) > len(encode_jpeg(frame, quality=20))
    with pytest.raises(ValueError, match="quality 0"):
        encode_jpeg(frame, quality=0)


def test_a_still_has_the_full_picture_and_a_thumbnail_of_it() -> None:
    still = make_still(coded_frame(1280, 720, 77_000), time_ms=123, stream=StreamRole.MAIN)

    assert (still.width, still.height, still.time_ms, still.stream) == (
        1280,
        720,
        123,
        StreamRole.MAIN,
    )
    assert jpeg_size(still.jpeg) == (1280, 720)
    assert jpeg_size(still.thumbnail) == (320, 180)
    assert read_code(_decode_jpeg(still.jpeg)) == 77_000
    assert read_code(_decode_jpeg(still.thumbnail)) == 77_000
    assert len(still.thumbnail) < len(still.jpeg)


def test_jpeg_size_rejects_what_is_not_a_jpeg() -> None:
    with pytest.raises(ValueError, match="not a JPEG"):
        jpeg_size(b"\x89PNG\r\n")
