"""RecordedCapture against real segments: ffmpeg-made MPEG-TS with camsim's code in every frame, indexed in a
real SQLite database through the production migration and `SegmentRepository`."""

from __future__ import annotations

import io
import shutil
from collections.abc import AsyncIterator
from pathlib import Path

import av
import pytest

from backend_embed.api.dto import StreamRole
from backend_embed.api.errors import NotFoundError
from backend_embed.db.engine import Database
from backend_embed.db.migrate import upgrade_to_head
from backend_embed.db.records import CameraValues
from backend_embed.db.repositories import CameraRepository
from backend_embed.recording.segments import SegmentInfo, SegmentRepository
from backend_embed.snapshots.recorded_capture import RecordedCapture
from backend_embed.snapshots.still import jpeg_size
from camsim.timecode import decode_luma
from tests.helpers.recordings import EncodeSettings, encode_span

pytestmark = [pytest.mark.integration, pytest.mark.requires_ffmpeg]

BASE_MS = 1_795_255_200_000  # 2026-11-21 10:00:00 UTC
SETTINGS = EncodeSettings(width=640, height=360, fps=25, gop=50, segment_s=4)
FRAME_MS = 40


@pytest.fixture
async def capture(tmp_path: Path) -> AsyncIterator[tuple[RecordedCapture, int]]:
    """12 s recorded at BASE_MS (three 4 s segments, 2 s GOP): each frame's code is its wall time."""
    url = f"sqlite+aiosqlite:///{tmp_path / 'vas.db'}"
    upgrade_to_head(url)
    db = await Database.open(url)
    try:
        values = CameraValues(
            name="Gate", main_url="rtsp://127.0.0.1/x", sub_url=None, username="",
            password_encrypted=None,
        )  # fmt: skip
        camera_id = (await CameraRepository(db).add(values)).id
        root = tmp_path / "recordings"
        day = root / str(camera_id) / "2026-11-21"
        day.mkdir(parents=True)
        infos = []
        for segment in encode_span(tmp_path / "clip", "main", BASE_MS, 12 * 25, SETTINGS):
            shutil.move(segment.path, day / segment.path.name)
            infos.append(
                SegmentInfo(
                    camera_id=camera_id,
                    stream=StreamRole.MAIN,
                    start_ms=segment.first_code_ms,
                    end_ms=segment.first_code_ms + segment.duration_ms,
                    duration_ms=segment.duration_ms,
                    size_bytes=1,
                    path=f"{camera_id}/2026-11-21/{segment.path.name}",
                )
            )
        await SegmentRepository(db).add_many(infos)
        yield RecordedCapture(root, SegmentRepository(db)), camera_id
    finally:
        await db.dispose()


def _code(jpeg: bytes) -> int | None:
    with av.open(io.BytesIO(jpeg), "r", format="image2pipe") as container:
        frame = next(container.decode(video=0)).reformat(format="gray")
    plane = frame.planes[0]
    return decode_luma(bytes(plane), frame.width, frame.height, stride=plane.line_size)


@pytest.mark.parametrize(
    "offset_ms",
    [0, 39, 40, 1_999, 2_000, 2_017, 3_961, 4_000, 6_123, 11_959],
)
async def test_the_still_is_the_frame_shown_at_the_asked_time(
    capture: tuple[RecordedCapture, int], offset_ms: int
) -> None:
    recorded, camera_id = capture
    asked = BASE_MS + offset_ms

    still = await recorded.still(camera_id, asked)

    shown = BASE_MS + offset_ms // FRAME_MS * FRAME_MS  # the frame whose interval holds the time
    assert _code(still.jpeg) == shown
    assert still.time_ms == shown
    assert 0 <= asked - still.time_ms < FRAME_MS
    assert (still.width, still.height, still.stream) == (640, 360, StreamRole.MAIN)
    assert jpeg_size(still.thumbnail) == (320, 180)


async def test_nothing_recorded_at_the_time_is_not_found(
    capture: tuple[RecordedCapture, int],
) -> None:
    recorded, camera_id = capture
    with pytest.raises(NotFoundError, match=r"Nothing was recorded on this camera at 2026-11-21"):
        await recorded.still(camera_id, BASE_MS + 12_000)
    with pytest.raises(NotFoundError, match="Nothing was recorded"):
        await recorded.still(camera_id, BASE_MS - 1)
    with pytest.raises(NotFoundError):
        await recorded.still(camera_id + 1, BASE_MS + 1000)


async def test_a_segment_deleted_meanwhile_is_not_found(
    capture: tuple[RecordedCapture, int], tmp_path: Path
) -> None:
    recorded, camera_id = capture
    segment = await recorded.segment_at(camera_id, BASE_MS + 5_000)
    assert segment is not None
    (tmp_path / "recordings" / segment.path).unlink()

    with pytest.raises(NotFoundError, match="deleted"):
        await recorded.still(camera_id, BASE_MS + 5_000)
