"""Protected ranges on a real SQLite file and a real PostgreSQL database."""

from __future__ import annotations

import pytest

from backend_embed.api.errors import InvalidInputError, NotFoundError
from backend_embed.db.engine import Database
from backend_embed.recording.protection import ProtectedRangeRepository


async def test_ranges_are_listed_for_their_camera_and_all_camera_ranges_for_every_camera(
    database: Database, camera_ids: list[int]
) -> None:
    gate, yard, _ = camera_ids
    repo = ProtectedRangeRepository(database)
    own = await repo.add(gate, 1_000, 2_000, "break-in")
    everyone = await repo.add(None, 500, 800, "audit")
    await repo.add(yard, 5_000, 6_000, "other")

    assert await repo.ranges(gate) == [everyone, own]
    assert len(await repo.ranges()) == 3
    assert (own.camera_id, own.start_ms, own.end_ms, own.reason) == (gate, 1_000, 2_000, "break-in")


@pytest.mark.parametrize(
    ("start_ms", "end_ms", "expected"),
    [
        pytest.param(1_999, 2_500, True, id="overlaps-end"),
        pytest.param(2_000, 2_500, False, id="touches-end"),
        pytest.param(850, 1_001, True, id="overlaps-start"),
        pytest.param(850, 1_000, False, id="touches-start"),
        pytest.param(600, 700, True, id="inside-all-camera-range"),
    ],
)
async def test_covers_tells_whether_a_span_overlaps_a_range_of_its_camera_or_of_all(
    database: Database, camera_ids: list[int], start_ms: int, end_ms: int, expected: bool
) -> None:
    repo = ProtectedRangeRepository(database)
    await repo.add(camera_ids[0], 1_000, 2_000, "x")
    await repo.add(None, 500, 800, "y")

    assert await repo.covers(camera_ids[0], start_ms, end_ms) is expected
    assert await repo.covers(camera_ids[1], 1_200, 1_300) is False


async def test_removing_a_range_lifts_it_and_a_missing_one_is_not_found(
    database: Database, camera_ids: list[int]
) -> None:
    repo = ProtectedRangeRepository(database)
    added = await repo.add(camera_ids[0], 1_000, 2_000, "x")

    await repo.remove(added.id)

    assert await repo.ranges() == []
    with pytest.raises(NotFoundError):
        await repo.remove(added.id)


async def test_an_empty_range_or_an_unknown_camera_is_refused(
    database: Database, camera_ids: list[int]
) -> None:
    repo = ProtectedRangeRepository(database)
    with pytest.raises(InvalidInputError):
        await repo.add(camera_ids[0], 2_000, 2_000, "x")
    with pytest.raises(NotFoundError):
        await repo.add(9999, 1_000, 2_000, "x")
