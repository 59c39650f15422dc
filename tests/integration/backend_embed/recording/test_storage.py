"""StorageReporter over a real index (SQLite and PostgreSQL) and a volume of configured capacity."""

from __future__ import annotations

from pathlib import Path

import pytest

from backend_embed.api.dto import StreamRole
from backend_embed.api.recording import CameraStorage
from backend_embed.db.engine import Database
from backend_embed.recording.inventory import IndexInventory
from backend_embed.recording.protection import ProtectedRangeRepository
from backend_embed.recording.segments import SegmentRepository
from backend_embed.recording.storage import StorageReporter
from backend_embed.recording.volume import CapacityVolume, StorageLimits
from tests.integration.backend_embed.recording.synthetic import run_of

NOW_S = 1_800_000_000


async def test_report_sums_cameras_bitrates_protection_and_projects_days(
    database: Database, camera_ids: list[int], segments: SegmentRepository, tmp_path: Path
) -> None:
    gate, yard, _ = camera_ids
    # gate: 2 h of 60 s segments of 750 kB (100 kbit/s); yard: 30 s only, too little for a bitrate
    await segments.add_many(run_of(gate, NOW_S - 7200, 120, 60, size=750_000))
    await segments.add_many(run_of(yard, NOW_S - 30, 1, 30, size=1_000, stream=StreamRole.SUB))
    await ProtectedRangeRepository(database).add(
        gate, (NOW_S - 7200) * 1000, (NOW_S - 7080) * 1000, "x"
    )
    (tmp_path / "rec").mkdir()
    (tmp_path / "rec" / "file").write_bytes(b"x" * 1_000)
    limits = StorageLimits(min_free_bytes=0, min_free_percent=10, hard_min_free_bytes=0)
    reporter = StorageReporter(
        IndexInventory(database), ProtectedRangeRepository(database), CapacityVolume(tmp_path / "rec", 10**9),
        limits, clock=lambda: NOW_S * 1000,
    )  # fmt: skip

    report = await reporter.report()

    assert (report.total_bytes, report.free_bytes) == (10**9, 10**9 - 1_000)
    assert report.recordings_bytes == 90_001_000
    assert report.protected_bytes == 1_500_000
    assert report.cameras == (
        CameraStorage(
            gate, 90_000_000, (NOW_S - 7200) * 1000, NOW_S * 1000, pytest.approx(100_000.0)
        ),
        CameraStorage(yard, 1_000, (NOW_S - 30) * 1000, NOW_S * 1000, None),
    )
    allowed = 90_001_000 + 10**9 - 1_000 - 10**8
    assert report.projected_days == pytest.approx(allowed * 8 / 100_000 / 86_400)


async def test_an_empty_index_reports_no_projection(
    database: Database, segments: SegmentRepository, tmp_path: Path
) -> None:
    reporter = StorageReporter(
        IndexInventory(database),
        ProtectedRangeRepository(database),
        CapacityVolume(tmp_path, 10**6),
        StorageLimits(),
    )

    report = await reporter.report()

    assert (report.recordings_bytes, report.cameras, report.projected_days) == (0, (), None)
