"""The snapshot store over a real database and real files: add, filter, protect, delete, retention, crashes."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
import pytest_asyncio

from backend_embed.api.dto import StreamRole
from backend_embed.api.errors import ConflictError
from backend_embed.api.evidence import SnapshotFilter, SnapshotSource
from backend_embed.db.engine import Database
from backend_embed.db.records import CameraValues
from backend_embed.db.repositories import CameraRepository
from backend_embed.snapshots.store import NewSnapshot, SnapshotStore

DAY_MS = 86_400_000


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


def _new(camera_id: int, time_ms: int, source: SnapshotSource = SnapshotSource.LIVE) -> NewSnapshot:
    return NewSnapshot(
        camera_id=camera_id,
        camera_name=f"Camera {camera_id}",
        source=source,
        stream=StreamRole.MAIN,
        time_ms=time_ms,
        width=1920,
        height=1080,
        jpeg=b"\xff\xd8full" + time_ms.to_bytes(8, "big"),
        thumbnail=b"\xff\xd8thumb",
    )


def _now_ms() -> int:
    return int(time.time() * 1000)


async def test_a_snapshot_is_stored_as_files_and_a_row_with_its_metadata(
    database: Database, cameras: list[int], tmp_path: Path
) -> None:
    store = SnapshotStore(database, tmp_path / "snapshots")
    now = _now_ms()

    snapshot = await store.add(_new(cameras[0], now, SnapshotSource.RECORDED))

    assert Path(snapshot.path).read_bytes() == _new(cameras[0], now).jpeg
    assert Path(snapshot.thumbnail_path).read_bytes() == b"\xff\xd8thumb"
    assert Path(snapshot.path).is_relative_to(tmp_path / "snapshots" / str(cameras[0]))
    assert (snapshot.camera_id, snapshot.time_ms, snapshot.source) == (
        cameras[0],
        now,
        SnapshotSource.RECORDED,
    )
    assert (snapshot.width, snapshot.height, snapshot.size_bytes) == (1920, 1080, 14)
    assert not list((tmp_path / "snapshots").rglob("*.partial"))


async def test_two_snapshots_at_the_same_instant_get_two_files(
    database: Database, cameras: list[int], tmp_path: Path
) -> None:
    store = SnapshotStore(database, tmp_path / "snapshots")
    now = _now_ms()
    first = await store.add(_new(cameras[0], now))
    second = await store.add(_new(cameras[0], now))
    assert first.path != second.path
    assert Path(first.path).exists()
    assert Path(second.path).exists()


async def test_filters_by_camera_time_and_source_newest_first(
    database: Database, cameras: list[int], tmp_path: Path
) -> None:
    gate, yard = cameras
    store = SnapshotStore(database, tmp_path / "snapshots")
    now = _now_ms()
    a = await store.add(_new(gate, now - 3000))
    b = await store.add(_new(yard, now - 2000, SnapshotSource.RECORDED))
    c = await store.add(_new(gate, now - 1000, SnapshotSource.RECORDED))

    def ids(found: list) -> list[int]:  # type: ignore[type-arg]
        return [s.id for s in found]

    assert ids(await store.find(SnapshotFilter())) == [c.id, b.id, a.id]
    assert ids(await store.find(SnapshotFilter(camera_ids=frozenset({gate})))) == [c.id, a.id]
    recorded = SnapshotFilter(source=SnapshotSource.RECORDED)
    assert ids(await store.find(recorded)) == [c.id, b.id]
    window = SnapshotFilter(start_ms=now - 2000, end_ms=now - 1000)
    assert ids(await store.find(window)) == [b.id]


async def test_deleting_a_protected_snapshot_is_refused_and_deletes_nothing(
    database: Database, cameras: list[int], tmp_path: Path
) -> None:
    store = SnapshotStore(database, tmp_path / "snapshots")
    now = _now_ms()
    keep = await store.set_protected((await store.add(_new(cameras[0], now))).id, True)
    other = await store.add(_new(cameras[0], now - 1))

    with pytest.raises(ConflictError, match="protected"):
        await store.delete([keep.id, other.id])
    assert len(await store.find(SnapshotFilter())) == 2

    assert await store.delete([other.id]) == 1
    assert not Path(other.path).exists()
    assert not Path(other.thumbnail_path).exists()
    assert [s.id for s in await store.find(SnapshotFilter())] == [keep.id]


async def test_retention_by_age_and_count_spares_protected_snapshots(
    database: Database, cameras: list[int], tmp_path: Path
) -> None:
    store = SnapshotStore(database, tmp_path / "snapshots")
    now = _now_ms()
    ancient_protected = await store.add(_new(cameras[0], now - 40 * DAY_MS))
    await store.set_protected(ancient_protected.id, True)
    ancient = await store.add(_new(cameras[0], now - 40 * DAY_MS + 1))
    recent = [await store.add(_new(cameras[1], now - i * 1000)) for i in range(5)]

    deleted = await store.prune(max_age_days=30, max_count=3)

    left = {s.id for s in await store.find(SnapshotFilter())}
    assert deleted == 3
    assert left == {ancient_protected.id, recent[0].id, recent[1].id, recent[2].id}
    assert not Path(ancient.path).exists()


async def test_files_left_by_a_crash_between_file_and_row_are_swept(
    database: Database, cameras: list[int], tmp_path: Path
) -> None:
    root = tmp_path / "snapshots"
    store = SnapshotStore(database, root)
    kept = await store.add(_new(cameras[0], _now_ms()))
    orphan = root / str(cameras[0]) / "2026-11-21" / "20261121T000000000Z-live.jpg"
    orphan.parent.mkdir(parents=True, exist_ok=True)
    orphan.write_bytes(b"x")
    half = orphan.with_name("half.jpg.partial")
    half.write_bytes(b"x")

    assert await store.sweep_orphans() == 2
    assert not orphan.exists()
    assert not half.exists()
    assert Path(kept.path).exists()
    assert Path(kept.thumbnail_path).exists()


async def test_export_copies_the_images_with_their_metadata(
    database: Database, cameras: list[int], tmp_path: Path
) -> None:
    store = SnapshotStore(database, tmp_path / "snapshots")
    now = _now_ms()
    chosen = [await store.add(_new(cameras[0], now - i)) for i in range(2)]

    count = await store.export([s.id for s in chosen], tmp_path / "out")

    meta = json.loads((tmp_path / "out" / "snapshots.json").read_text())
    assert count == 2
    assert [m["time_ms"] for m in meta] == [s.time_ms for s in chosen]
    for entry, snapshot in zip(meta, chosen, strict=True):
        assert (tmp_path / "out" / entry["file"]).read_bytes() == Path(snapshot.path).read_bytes()
