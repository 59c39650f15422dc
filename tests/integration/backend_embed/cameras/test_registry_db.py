"""The camera registry on a real SQLite file and a real PostgreSQL: credentials, passwords, groups, imports."""

from __future__ import annotations

import pytest
from cryptography.fernet import Fernet
from sqlalchemy import text

from backend_embed.api.dto import CameraSpec, StreamRole
from backend_embed.api.errors import ConflictError, ImportFileError, InvalidInputError
from backend_embed.cameras.credentials import FernetCipher
from backend_embed.cameras.import_rows import ImportedCamera
from backend_embed.cameras.registry import CameraRegistry
from backend_embed.cameras.transfer import ImportPlan
from backend_embed.db.engine import Database

SECRET = "s3cret-Pa55"


class ReversingCipher:
    """A hand-written PasswordCipher: reversible, and never stores the plain text as it was given."""

    def encrypt(self, plain: str) -> bytes:
        return b"enc:" + plain[::-1].encode()

    def decrypt(self, token: bytes) -> str:
        return token.removeprefix(b"enc:").decode()[::-1]


@pytest.fixture
def registry(database: Database) -> CameraRegistry:
    """A registry over a real migrated database with the hand-written cipher."""
    return CameraRegistry(database, ReversingCipher())


async def _raw_camera_rows(database: Database) -> list[tuple[object, ...]]:
    async with database.session() as session:
        result = await session.execute(text("SELECT * FROM cameras"))
        return [tuple(row) for row in result]


async def test_url_credentials_are_split_out_and_the_password_is_stored_encrypted(
    registry: CameraRegistry, database: Database
) -> None:
    camera = await registry.add_camera(
        CameraSpec(name="Gate", main_url=f"rtsp://admin:{SECRET}@10.0.0.5:554/main")
    )

    assert camera.main_url == "rtsp://10.0.0.5:554/main"
    assert (camera.username, camera.has_password) == ("admin", True)
    [row] = await _raw_camera_rows(database)
    stored = " ".join(repr(bytes(v)) if isinstance(v, bytes | memoryview) else repr(v) for v in row)
    assert SECRET not in stored
    assert SECRET[::-1] in stored, "the cipher's token is what is stored"
    assert await registry.credentials(camera.id) == ("admin", SECRET)


async def test_stream_url_carries_credentials_and_falls_back_to_main(
    registry: CameraRegistry,
) -> None:
    both = await registry.add_camera(
        CameraSpec(
            name="Both",
            main_url="rtsp://10.0.0.5/main",
            sub_url="rtsp://10.0.0.5/sub",
            username="ad min",
            password="p@ss",
        )
    )
    main_only = await registry.add_camera(CameraSpec(name="Main", main_url="rtsp://10.0.0.6/m"))

    assert (
        await registry.stream_url(both.id, StreamRole.MAIN)
        == "rtsp://ad%20min:p%40ss@10.0.0.5/main"
    )
    assert (
        await registry.stream_url(both.id, StreamRole.SUB) == "rtsp://ad%20min:p%40ss@10.0.0.5/sub"
    )
    assert await registry.stream_url(main_only.id, StreamRole.SUB) == "rtsp://10.0.0.6/m"
    assert await registry.credentials(main_only.id) == ("", "")


async def test_password_none_keeps_empty_clears_and_a_value_replaces(
    registry: CameraRegistry,
) -> None:
    spec = CameraSpec(
        name="Gate", main_url="rtsp://10.0.0.5/main", username="admin", password="one"
    )
    camera = await registry.add_camera(spec)

    kept = await registry.update_camera(camera.id, CameraSpec(name="Gate", main_url=spec.main_url))
    assert kept.has_password
    assert await registry.credentials(camera.id) == ("", "one")

    replaced = await registry.update_camera(
        camera.id, CameraSpec(name="Gate", main_url=spec.main_url, username="u", password="two")
    )
    assert replaced.has_password
    assert await registry.credentials(camera.id) == ("u", "two")

    cleared = await registry.update_camera(
        camera.id, CameraSpec(name="Gate", main_url=spec.main_url, username="u", password="")
    )
    assert not cleared.has_password
    assert await registry.credentials(camera.id) == ("u", "")


async def test_deleting_a_group_ungroups_its_cameras(registry: CameraRegistry) -> None:
    group = await registry.add_group("  Yard ")
    camera = await registry.add_camera(
        CameraSpec(name="Gate", main_url="rtsp://10.0.0.5/main", group_id=group.id)
    )
    assert group.name == "Yard"
    assert camera.group_id == group.id

    await registry.delete_group(group.id)

    assert (await registry.get_camera(camera.id)).group_id is None
    assert await registry.list_groups() == []


async def test_add_many_stores_nothing_when_one_spec_is_invalid(registry: CameraRegistry) -> None:
    specs = [
        CameraSpec(name="A", main_url="rtsp://10.0.0.1/a"),
        CameraSpec(name="B", main_url="http://10.0.0.2/b"),
        CameraSpec(name="C", main_url="rtsp://10.0.0.3/c"),
    ]
    with pytest.raises(InvalidInputError, match=r"Camera 2 \('B'\)") as caught:
        await registry.add_many(specs, ["New", None, None])
    assert caught.value.field == "main_url"
    assert await registry.list_cameras() == []
    assert await registry.list_groups() == []


async def test_add_many_stores_nothing_when_a_name_in_the_middle_is_taken(
    registry: CameraRegistry,
) -> None:
    await registry.add_camera(CameraSpec(name="B", main_url="rtsp://10.0.0.2/b"))
    specs = [CameraSpec(name=n, main_url=f"rtsp://10.0.0.9/{n}") for n in ("A", "B", "C")]
    with pytest.raises(ConflictError, match="'B' already exists"):
        await registry.add_many(specs, ["New", "New", None])
    assert [c.name for c in await registry.list_cameras()] == ["B"]
    assert await registry.list_groups() == []


async def test_add_many_puts_cameras_into_named_groups(registry: CameraRegistry) -> None:
    specs = [CameraSpec(name=n, main_url=f"rtsp://10.0.0.9/{n}") for n in ("A", "B", "C")]
    cameras = await registry.add_many(specs, ["Yard", "Yard", None])
    [yard] = await registry.list_groups()
    assert [c.group_id for c in cameras] == [yard.id, yard.id, None]


def _plan(*rows: tuple[int, str, str | None], groups: tuple[str, ...] = ()) -> ImportPlan:
    cameras = tuple(
        ImportedCamera(
            spec=CameraSpec(name=name, main_url=f"rtsp://10.0.0.9/{line}", password="pw"),
            group_name=group,
            line=line,
        )
        for line, name, group in rows
    )
    return ImportPlan(cameras=cameras, group_names=groups)


async def test_import_plan_reports_added_cameras_and_created_groups(
    registry: CameraRegistry,
) -> None:
    await registry.add_group("Yard")
    report = await registry.import_plan(
        _plan((2, "A", "Yard"), (3, "B", "Gate"), groups=("Yard", "Gate", "Spare"))
    )
    assert report.added == ("A", "B")
    assert report.groups_created == ("Gate", "Spare")
    assert all(c.has_password for c in await registry.list_cameras())


async def test_import_plan_lists_every_taken_name_by_line_and_stores_nothing(
    registry: CameraRegistry,
) -> None:
    await registry.add_camera(CameraSpec(name="B", main_url="rtsp://10.0.0.2/b"))
    await registry.add_camera(CameraSpec(name="D", main_url="rtsp://10.0.0.4/d"))
    with pytest.raises(ImportFileError) as caught:
        await registry.import_plan(_plan((2, "A", "New"), (3, "B", None), (4, "D", None)))
    assert [(e.line, e.field) for e in caught.value.errors] == [(3, "name"), (4, "name")]
    assert [c.name for c in await registry.list_cameras()] == ["B", "D"]
    assert await registry.list_groups() == []


async def test_import_plan_reports_an_unusable_group_name_by_line(
    registry: CameraRegistry,
) -> None:
    with pytest.raises(ImportFileError) as caught:
        await registry.import_plan(_plan((2, "A", None), (3, "B", "g" * 101)))
    assert [(e.line, e.field) for e in caught.value.errors] == [(3, "group")]
    assert await registry.list_cameras() == []


async def test_the_fernet_cipher_plugs_in(database: Database) -> None:
    registry = CameraRegistry(database, FernetCipher(Fernet.generate_key()))
    camera = await registry.add_camera(
        CameraSpec(name="Gate", main_url="rtsp://10.0.0.5/main", username="admin", password=SECRET)
    )
    [row] = await _raw_camera_rows(database)
    assert SECRET not in repr(row)
    assert await registry.credentials(camera.id) == ("admin", SECRET)
