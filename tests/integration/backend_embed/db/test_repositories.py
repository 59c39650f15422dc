"""Camera and group repositories on a real SQLite file and a real PostgreSQL database."""

from __future__ import annotations

import asyncio
from dataclasses import replace

import pytest
from sqlalchemy import func, select

from backend_embed.api.dto import CameraGroup, RecordingSettings, StreamRole
from backend_embed.api.errors import ConflictError, NotFoundError
from backend_embed.db.engine import Database
from backend_embed.db.models import CameraGroupRow, CameraRow, RecordingSegmentRow
from backend_embed.db.records import CameraValues
from backend_embed.db.repositories import CameraRepository, GroupRepository


def _values(name: str, **changes: object) -> CameraValues:
    base = CameraValues(
        name=name,
        main_url=f"rtsp://10.0.0.1/{name.lower()}",
        sub_url=None,
        username="",
        password_encrypted=None,
    )
    return replace(base, **changes)  # type: ignore[arg-type]


async def _names(database: Database) -> list[str]:
    return [c.name for c in await CameraRepository(database).list_all()]


async def test_camera_round_trips_every_field(database: Database) -> None:
    cameras = CameraRepository(database)
    group = await GroupRepository(database).add("Yard")
    values = CameraValues(
        name="Gate",
        main_url="rtsp://10.0.0.1:554/main",
        sub_url="rtsp://10.0.0.1:554/sub",
        username="admin",
        password_encrypted=b"\x00token\xff",
        group_id=group.id,
        tags=("outdoor", "entrance"),
        location="North fence",
        enabled=False,
        recording=RecordingSettings(
            enabled=False, stream=StreamRole.SUB, max_age_days=7, max_bytes=5 * 2**40
        ),
    )

    added = await cameras.add(values)
    fetched = await cameras.get(added.id)

    assert fetched == added
    assert (fetched.name, fetched.main_url, fetched.sub_url) == (
        "Gate",
        values.main_url,
        values.sub_url,
    )
    assert (fetched.username, fetched.password_encrypted) == ("admin", b"\x00token\xff")
    assert (fetched.group_id, fetched.tags, fetched.location) == (
        group.id,
        ("outdoor", "entrance"),
        "North fence",
    )
    assert fetched.enabled is False
    assert fetched.recording == values.recording
    assert fetched.created_at.tzinfo is not None
    assert fetched.created_at == fetched.updated_at


async def test_list_is_ordered_by_name(database: Database) -> None:
    cameras = CameraRepository(database)
    for name in ("Yard", "Gate", "Lobby"):
        await cameras.add(_values(name))
    assert await _names(database) == ["Gate", "Lobby", "Yard"]


async def test_update_replaces_fields_and_can_keep_the_password(database: Database) -> None:
    cameras = CameraRepository(database)
    added = await cameras.add(_values("Gate", password_encrypted=b"old"))
    await asyncio.sleep(0.002)

    kept = await cameras.update(
        added.id, _values("Gate 2", password_encrypted=None), keep_password=True
    )
    cleared = await cameras.update(added.id, _values("Gate 2", password_encrypted=None))

    assert kept.name == "Gate 2"
    assert kept.password_encrypted == b"old"
    assert cleared.password_encrypted is None
    assert kept.updated_at > added.updated_at
    assert kept.created_at == added.created_at


async def test_duplicate_camera_name_is_a_conflict_on_add_and_update(database: Database) -> None:
    cameras = CameraRepository(database)
    await cameras.add(_values("Gate"))
    other = await cameras.add(_values("Yard"))

    with pytest.raises(ConflictError, match="A camera named 'Gate' already exists"):
        await cameras.add(_values("Gate"))
    with pytest.raises(ConflictError, match="'Gate' already exists"):
        await cameras.update(other.id, _values("Gate"))
    assert await _names(database) == ["Gate", "Yard"]


async def test_renaming_a_camera_to_its_own_name_is_no_conflict(database: Database) -> None:
    cameras = CameraRepository(database)
    added = await cameras.add(_values("Gate"))
    updated = await cameras.update(added.id, _values("Gate", location="Here"))
    assert updated.location == "Here"


async def test_missing_ids_raise_not_found(database: Database) -> None:
    cameras = CameraRepository(database)
    groups = GroupRepository(database)
    with pytest.raises(NotFoundError, match="Camera 999"):
        await cameras.get(999)
    with pytest.raises(NotFoundError):
        await cameras.update(999, _values("Gate"))
    with pytest.raises(NotFoundError):
        await cameras.set_enabled(999, False)
    with pytest.raises(NotFoundError):
        await cameras.delete(999)
    with pytest.raises(NotFoundError, match="Group 999"):
        await cameras.add(_values("Gate", group_id=999))
    with pytest.raises(NotFoundError):
        await groups.rename(999, "Yard")
    with pytest.raises(NotFoundError):
        await groups.delete(999)
    assert await _names(database) == []


async def test_add_many_stores_nothing_when_a_name_in_the_middle_is_taken(
    database: Database,
) -> None:
    cameras = CameraRepository(database)
    await cameras.add(_values("B"))
    batch = [_values("A", group_name="New"), _values("B"), _values("C")]

    with pytest.raises(ConflictError, match="'B' already exists"):
        await cameras.add_many(batch, ["New"])

    assert await _names(database) == ["B"]
    assert await GroupRepository(database).list_all() == []


async def test_add_many_stores_nothing_when_a_late_row_breaks_a_constraint(
    database: Database,
) -> None:
    # Passes the repository's checks and fails only in the database, after the groups were inserted.
    too_old = _values("C", recording=RecordingSettings(max_age_days=0))
    with pytest.raises(ConflictError):
        await CameraRepository(database).add_many([_values("A"), too_old], ["New"])
    assert await _names(database) == []
    assert await GroupRepository(database).list_all() == []


async def test_add_many_rejects_a_name_repeated_within_the_batch(database: Database) -> None:
    with pytest.raises(ConflictError, match="'A' appears more than once"):
        await CameraRepository(database).add_many([_values("A"), _values("A")])
    assert await _names(database) == []


async def test_add_many_creates_missing_groups_and_reuses_existing_ones(database: Database) -> None:
    yard = await GroupRepository(database).add("Yard")
    batch = [_values("A", group_name="Yard"), _values("B", group_name="Gate"), _values("C")]

    result = await CameraRepository(database).add_many(batch, ["Yard", "Gate", "Empty"])

    groups = {g.name: g.id for g in await GroupRepository(database).list_all()}
    assert result.groups_created == ("Gate", "Empty")
    assert [c.group_id for c in result.cameras] == [yard.id, groups["Gate"], None]


async def test_set_enabled_changes_only_enabled_and_updated_at(database: Database) -> None:
    cameras = CameraRepository(database)
    added = await cameras.add(_values("Gate"))
    await asyncio.sleep(0.002)
    disabled = await cameras.set_enabled(added.id, False)
    assert disabled.enabled is False
    assert disabled.updated_at > added.updated_at
    assert replace(disabled, enabled=True, updated_at=added.updated_at) == added


async def test_group_crud_and_name_conflicts(database: Database) -> None:
    groups = GroupRepository(database)
    yard = await groups.add("Yard")
    gate = await groups.add("Gate")
    with pytest.raises(ConflictError, match="A group named 'Yard' already exists"):
        await groups.add("Yard")
    with pytest.raises(ConflictError):
        await groups.rename(gate.id, "Yard")

    renamed = await groups.rename(yard.id, "Back yard")

    assert renamed == CameraGroup(id=yard.id, name="Back yard")
    assert await groups.list_all() == [renamed, gate]
    assert await groups.get(gate.id) == gate


async def test_deleting_a_group_moves_its_cameras_to_no_group(database: Database) -> None:
    groups = GroupRepository(database)
    cameras = CameraRepository(database)
    yard = await groups.add("Yard")
    other = await groups.add("Other")
    in_yard = await cameras.add(_values("A", group_id=yard.id))
    elsewhere = await cameras.add(_values("B", group_id=other.id))
    await asyncio.sleep(0.002)

    await groups.delete(yard.id)

    ungrouped = await cameras.get(in_yard.id)
    assert ungrouped.group_id is None
    assert ungrouped.updated_at > in_yard.updated_at
    assert await cameras.get(elsewhere.id) == elsewhere
    assert await groups.list_all() == [other]


async def test_deleting_a_camera_deletes_its_segment_rows(database: Database) -> None:
    cameras = CameraRepository(database)
    doomed = await cameras.add(_values("A"))
    kept = await cameras.add(_values("B"))
    async with database.session() as session:
        for camera_id, path in ((doomed.id, "a/1.ts"), (kept.id, "b/1.ts")):
            session.add(
                RecordingSegmentRow(
                    camera_id=camera_id,
                    stream="main",
                    start_ms=1_700_000_000_000,
                    end_ms=1_700_000_004_000,
                    duration_ms=4000,
                    size_bytes=1000,
                    path=path,
                )
            )

    await cameras.delete(doomed.id)

    async with database.session() as session:
        paths = list(await session.scalars(select(RecordingSegmentRow.path)))
        count = await session.scalar(select(func.count()).select_from(CameraRow))
        groups = await session.scalar(select(func.count()).select_from(CameraGroupRow))
    assert paths == ["b/1.ts"]
    assert (count, groups) == (1, 0)
