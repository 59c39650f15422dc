"""Bookmarks over a real database (SQLite and PostgreSQL): locks are protected ranges that retention obeys."""

from __future__ import annotations

from pathlib import Path

import pytest
import pytest_asyncio

from backend_embed.api.dto import StreamRole
from backend_embed.api.errors import ConflictError, InvalidInputError, NotFoundError
from backend_embed.api.evidence import BookmarkDraft, BookmarkQuery
from backend_embed.db.engine import Database
from backend_embed.db.records import CameraValues
from backend_embed.db.repositories import CameraRepository
from backend_embed.evidence.bookmarks import BookmarkRepository
from backend_embed.recording.inventory import IndexInventory
from backend_embed.recording.protection import ProtectedRangeRepository
from backend_embed.recording.retention import RetentionManager, RetentionPolicy
from backend_embed.recording.segments import SegmentInfo, SegmentRepository
from backend_embed.recording.storage import StorageReporter
from backend_embed.recording.volume import CapacityVolume, StorageLimits

NOW_MS = 1_800_000_000_000
DAY_MS = 86_400_000
SEG_MS = 60_000
SIZE = 1_000


@pytest_asyncio.fixture
async def cameras(database: Database) -> list[int]:
    repo = CameraRepository(database)
    ids = []
    for name in ("Gate", "Yard"):
        values = CameraValues(
            name=name, main_url=f"rtsp://127.0.0.1/{name}", sub_url=None, username="",
            password_encrypted=None,
        )  # fmt: skip
        ids.append((await repo.add(values)).id)
    return ids


def _draft(camera_id: int, start_ms: int, end_ms: int, **fields: object) -> BookmarkDraft:
    values: dict[str, object] = {"name": "Van at the gate", "locked": True} | fields
    return BookmarkDraft(camera_id, start_ms, end_ms, **values)  # type: ignore[arg-type]


async def test_a_locked_bookmark_holds_a_protected_range_over_exactly_its_range(
    database: Database, cameras: list[int]
) -> None:
    gate, _ = cameras
    bookmarks = BookmarkRepository(database)
    protection = ProtectedRangeRepository(database)

    bookmark = await bookmarks.add(_draft(gate, 1_000, 9_000, tags=(" van ", "", "van", "night")))

    assert bookmark.locked
    assert bookmark.tags == ("van", "night")
    ranges = await protection.ranges(gate)
    assert [(r.camera_id, r.start_ms, r.end_ms) for r in ranges] == [(gate, 1_000, 9_000)]
    assert "Van at the gate" in ranges[0].reason


async def test_unlocking_lifts_the_protection_and_relocking_restores_it(
    database: Database, cameras: list[int]
) -> None:
    gate, _ = cameras
    bookmarks = BookmarkRepository(database)
    protection = ProtectedRangeRepository(database)
    bookmark = await bookmarks.add(_draft(gate, 1_000, 9_000))

    unlocked = await bookmarks.set_locked(bookmark.id, False)
    assert not unlocked.locked
    assert await protection.ranges() == []

    relocked = await bookmarks.set_locked(bookmark.id, True)
    assert relocked.locked
    assert [(r.start_ms, r.end_ms) for r in await protection.ranges()] == [(1_000, 9_000)]


async def test_editing_a_locked_bookmark_moves_its_protection_with_it(
    database: Database, cameras: list[int]
) -> None:
    gate, yard = cameras
    bookmarks = BookmarkRepository(database)
    protection = ProtectedRangeRepository(database)
    bookmark = await bookmarks.add(_draft(gate, 1_000, 9_000))

    before, after = await bookmarks.update(bookmark.id, _draft(yard, 5_000, 20_000, name="Moved"))

    assert (before.camera_id, after.camera_id, after.name) == (gate, yard, "Moved")
    assert [(r.camera_id, r.start_ms, r.end_ms) for r in await protection.ranges()] == [
        (yard, 5_000, 20_000)
    ]


async def test_a_locked_bookmark_cannot_be_deleted_until_unlocked(
    database: Database, cameras: list[int]
) -> None:
    gate, _ = cameras
    bookmarks = BookmarkRepository(database)
    bookmark = await bookmarks.add(_draft(gate, 1_000, 9_000))

    with pytest.raises(ConflictError, match="unlock"):
        await bookmarks.delete(bookmark.id)
    await bookmarks.set_locked(bookmark.id, False)
    await bookmarks.delete(bookmark.id)

    assert await bookmarks.find(BookmarkQuery()) == []
    with pytest.raises(NotFoundError):
        await bookmarks.delete(bookmark.id)


async def test_bad_drafts_are_refused_with_the_field_named(
    database: Database, cameras: list[int]
) -> None:
    bookmarks = BookmarkRepository(database)
    with pytest.raises(InvalidInputError) as empty:
        await bookmarks.add(_draft(cameras[0], 1_000, 9_000, name="  "))
    with pytest.raises(InvalidInputError) as reversed_range:
        await bookmarks.add(_draft(cameras[0], 9_000, 1_000))
    with pytest.raises(NotFoundError):
        await bookmarks.add(_draft(999, 1_000, 9_000))
    assert (empty.value.field, reversed_range.value.field) == ("name", "end")
    assert await bookmarks.find(BookmarkQuery()) == []


async def test_search_matches_name_note_and_tags_ignoring_case_within_cameras_and_time(
    database: Database, cameras: list[int]
) -> None:
    gate, yard = cameras
    bookmarks = BookmarkRepository(database)
    van = await bookmarks.add(_draft(gate, 1_000, 2_000, name="Van", tags=("Delivery",)))
    fence = await bookmarks.add(_draft(yard, 5_000, 6_000, name="Fence", note="a DELIVERY man"))
    await bookmarks.add(_draft(yard, 50_000, 60_000, name="Cat"))

    found = await bookmarks.find(BookmarkQuery(text="delivery"))
    in_yard = await bookmarks.find(BookmarkQuery(camera_ids=frozenset({yard}), text="delivery"))
    overlapping = await bookmarks.find(BookmarkQuery(start_ms=1_500, end_ms=5_001))

    assert [b.id for b in found] == [van.id, fence.id]
    assert [b.id for b in in_yard] == [fence.id]
    assert [b.id for b in overlapping] == [van.id, fence.id]


async def test_a_locked_bookmark_survives_a_retention_pass_that_deletes_everything_around_it(
    database: Database, cameras: list[int], tmp_path: Path
) -> None:
    gate, _ = cameras
    root = tmp_path / "rec"
    segments = SegmentRepository(database)
    start = NOW_MS - 3 * DAY_MS
    infos = []
    for i in range(30):
        s = start + i * SEG_MS
        path = f"{gate}/d{s // DAY_MS}/main-{s}.ts"
        (root / path).parent.mkdir(parents=True, exist_ok=True)
        (root / path).write_bytes(b"\x47" * SIZE)
        infos.append(SegmentInfo(gate, StreamRole.MAIN, s, s + SEG_MS, SEG_MS, SIZE, path))
    await segments.add_many(infos)
    bookmarks = BookmarkRepository(database)
    # minutes 10 to 12 (the bookmark ends inside minute 12: that segment is kept whole)
    await bookmarks.add(_draft(gate, infos[10].start_ms + 5_000, infos[12].start_ms + 1))
    limits = StorageLimits(min_free_percent=0, hard_min_free_bytes=0)
    volume = CapacityVolume(root, 10**9)
    inventory = IndexInventory(database)
    reporter = StorageReporter(
        inventory, ProtectedRangeRepository(database), volume, limits, clock=lambda: NOW_MS
    )

    async def nothing(*_args: object) -> None:
        return None

    manager = RetentionManager(
        segments, inventory, volume, limits, reporter, stop_recording=nothing,
        resume_recording=nothing, publish=lambda _e: None,
        policies=[RetentionPolicy(gate, max_age_days=1)], clock=lambda: NOW_MS, batch_size=7,
        interval_s=3600, check_interval_s=0.05,
    )  # fmt: skip

    result = await manager.sweep()

    kept = [s.path for s in await segments.segments_between(gate, StreamRole.MAIN, 0, 2**62)]
    assert result.deleted_segments == 27
    assert kept == [infos[10].path, infos[11].path, infos[12].path]
    assert {p.relative_to(root).as_posix() for p in root.rglob("*.ts")} == set(kept)
