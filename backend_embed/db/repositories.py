"""Camera and group repositories: each method is one unit of work and returns frozen records, never ORM rows."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from backend_embed.api.dto import CameraGroup, RecordingSettings, StreamRole
from backend_embed.api.errors import ConflictError, NotFoundError
from backend_embed.db.engine import Database
from backend_embed.db.models import CameraGroupRow, CameraRow
from backend_embed.db.records import CameraBatch, CameraRecord, CameraValues
from backend_embed.db.types import utc_now

logger = logging.getLogger(__name__)


def _camera_record(row: CameraRow) -> CameraRecord:
    return CameraRecord(
        id=row.id,
        name=row.name,
        main_url=row.main_url,
        sub_url=row.sub_url,
        username=row.username,
        password_encrypted=row.password_encrypted,
        group_id=row.group_id,
        tags=tuple(row.tags),
        location=row.location,
        enabled=row.enabled,
        recording=RecordingSettings(
            enabled=row.record_enabled,
            stream=StreamRole(row.record_stream),
            max_age_days=row.max_age_days,
            max_bytes=row.max_bytes,
        ),
        created_at=row.created_at,
        updated_at=row.updated_at,
    )


def _apply(
    row: CameraRow, values: CameraValues, group_id: int | None, *, keep_password: bool
) -> None:
    row.name = values.name
    row.main_url = values.main_url
    row.sub_url = values.sub_url
    row.username = values.username
    if not keep_password:
        row.password_encrypted = values.password_encrypted
    row.group_id = group_id
    row.tags = list(values.tags)
    row.location = values.location
    row.enabled = values.enabled
    row.record_enabled = values.recording.enabled
    row.record_stream = values.recording.stream.value
    row.max_age_days = values.recording.max_age_days
    row.max_bytes = values.recording.max_bytes


async def _flush(session: AsyncSession, what: str) -> None:
    """Flush, turning a constraint violation that slipped past the checks (a race) into a conflict."""
    try:
        await session.flush()
    except IntegrityError as exc:
        raise ConflictError(
            f"{what} conflicts with data saved at the same time. Reload and try again.",
            detail=str(exc.orig).splitlines()[0] if exc.orig else "",
        ) from exc


async def _camera_row(session: AsyncSession, camera_id: int) -> CameraRow:
    row = await session.get(CameraRow, camera_id)
    if row is None:
        raise NotFoundError(f"Camera {camera_id} no longer exists.")
    return row


async def _group_row(session: AsyncSession, group_id: int) -> CameraGroupRow:
    row = await session.get(CameraGroupRow, group_id)
    if row is None:
        raise NotFoundError(f"Group {group_id} no longer exists.")
    return row


async def _check_camera_names_free(
    session: AsyncSession, names: Iterable[str], *, except_id: int | None = None
) -> None:
    wanted = list(names)
    taken = await session.scalars(
        select(CameraRow.name).where(CameraRow.name.in_(wanted), CameraRow.id != (except_id or -1))
    )
    first = next(iter(taken), None)
    if first is not None:
        raise ConflictError(f"A camera named '{first}' already exists. Choose another name.")


async def _check_group_name_free(
    session: AsyncSession, name: str, *, except_id: int | None = None
) -> None:
    existing = await session.scalar(
        select(CameraGroupRow.id).where(
            CameraGroupRow.name == name, CameraGroupRow.id != (except_id or -1)
        )
    )
    if existing is not None:
        raise ConflictError(f"A group named '{name}' already exists. Choose another name.")


class CameraRepository:
    """Cameras in the database. Every method is one transaction; names must be unique."""

    def __init__(self, db: Database) -> None:
        self._db = db

    async def list_all(self) -> list[CameraRecord]:
        """Every camera, ordered by name."""
        async with self._db.session() as session:
            rows = await session.scalars(select(CameraRow).order_by(CameraRow.name, CameraRow.id))
            return [_camera_record(row) for row in rows]

    async def get(self, camera_id: int) -> CameraRecord:
        """One camera. Raises NotFoundError when it does not exist."""
        async with self._db.session() as session:
            return _camera_record(await _camera_row(session, camera_id))

    async def add(self, values: CameraValues) -> CameraRecord:
        """Store a new camera.

        Raises:
            ConflictError: a camera with that name exists.
            NotFoundError: its group does not exist.
        """
        return (await self.add_many([values])).cameras[0]

    async def add_many(
        self, values: Sequence[CameraValues], group_names: Sequence[str] = ()
    ) -> CameraBatch:
        """Create the groups of `group_names` that do not exist yet, then every camera, in ONE transaction.

        All of it is stored or nothing is. A camera with `group_name` set joins that group (just created or
        existing); otherwise its `group_id` applies.

        Raises:
            ConflictError: a camera name repeats within `values` or already exists.
            NotFoundError: a referenced group does not exist.
        """
        _check_unique("camera", (v.name for v in values))
        async with self._db.session() as session:
            await _check_camera_names_free(session, [v.name for v in values])
            groups, created = await _ensure_groups(session, group_names)
            rows: list[CameraRow] = []
            now = utc_now()
            for item in values:
                group_id = await _resolve_group(session, item, groups)
                row = CameraRow(created_at=now, updated_at=now)
                _apply(row, item, group_id, keep_password=False)
                session.add(row)
                rows.append(row)
            await _flush(session, "Adding cameras")
            batch = CameraBatch(tuple(_camera_record(row) for row in rows), created)
        logger.info("Added %d camera(s) and %d group(s)", len(batch.cameras), len(created))
        return batch

    async def update(
        self, camera_id: int, values: CameraValues, *, keep_password: bool = False
    ) -> CameraRecord:
        """Replace a camera's fields; `keep_password` leaves the stored encrypted password as it is.

        Raises:
            NotFoundError: the camera or its new group does not exist.
            ConflictError: another camera has the new name.
        """
        async with self._db.session() as session:
            row = await _camera_row(session, camera_id)
            await _check_camera_names_free(session, [values.name], except_id=camera_id)
            group_id = await _resolve_group(session, values, {})
            _apply(row, values, group_id, keep_password=keep_password)
            row.updated_at = utc_now()
            await _flush(session, f"Saving camera '{values.name}'")
            return _camera_record(row)

    async def set_enabled(self, camera_id: int, enabled: bool) -> CameraRecord:
        """Enable or disable a camera. Raises NotFoundError when it does not exist."""
        async with self._db.session() as session:
            row = await _camera_row(session, camera_id)
            if row.enabled != enabled:
                row.enabled = enabled
                row.updated_at = utc_now()
            return _camera_record(row)

    async def delete(self, camera_id: int) -> None:
        """Delete a camera (its segment rows, bookmarks and protected ranges go with it).

        Raises:
            NotFoundError: it does not exist.
        """
        async with self._db.session() as session:
            row = await _camera_row(session, camera_id)
            await session.delete(row)
        logger.info("Deleted camera %d", camera_id)


async def _ensure_groups(
    session: AsyncSession, names: Sequence[str]
) -> tuple[dict[str, int], tuple[str, ...]]:
    """Look up or create each named group: returns name -> id and the names that were created."""
    wanted = list(dict.fromkeys(names))
    found = await session.execute(
        select(CameraGroupRow.name, CameraGroupRow.id).where(CameraGroupRow.name.in_(wanted))
    )
    ids: dict[str, int] = dict(found.all())
    created = tuple(name for name in wanted if name not in ids)
    for name in created:
        ids[name] = await _insert_group(session, name)
    return ids, created


async def _insert_group(session: AsyncSession, name: str) -> int:
    row = CameraGroupRow(name=name, created_at=utc_now())
    session.add(row)
    await _flush(session, f"Adding group '{name}'")
    return row.id


async def _resolve_group(
    session: AsyncSession, values: CameraValues, known: dict[str, int]
) -> int | None:
    """The group id a camera goes to: by `group_name` (new or existing), else a checked `group_id`."""
    if values.group_name is not None:
        if values.group_name in known:
            return known[values.group_name]
        found = await session.scalar(
            select(CameraGroupRow.id).where(CameraGroupRow.name == values.group_name)
        )
        if found is None:
            raise NotFoundError(f"There is no group named '{values.group_name}'.")
        known[values.group_name] = found
        return found
    if values.group_id is not None:
        await _group_row(session, values.group_id)
    return values.group_id


def _check_unique(kind: str, names: Iterable[str]) -> None:
    seen: set[str] = set()
    for name in names:
        if name in seen:
            raise ConflictError(f"The {kind} name '{name}' appears more than once.")
        seen.add(name)


class GroupRepository:
    """Camera groups in the database. Every method is one transaction; names must be unique."""

    def __init__(self, db: Database) -> None:
        self._db = db

    async def list_all(self) -> list[CameraGroup]:
        """Every group, ordered by name."""
        async with self._db.session() as session:
            rows = await session.scalars(
                select(CameraGroupRow).order_by(CameraGroupRow.name, CameraGroupRow.id)
            )
            return [CameraGroup(id=row.id, name=row.name) for row in rows]

    async def get(self, group_id: int) -> CameraGroup:
        """One group. Raises NotFoundError when it does not exist."""
        async with self._db.session() as session:
            row = await _group_row(session, group_id)
            return CameraGroup(id=row.id, name=row.name)

    async def add(self, name: str) -> CameraGroup:
        """Create a group. Raises ConflictError when the name is taken."""
        async with self._db.session() as session:
            await _check_group_name_free(session, name)
            group_id = await _insert_group(session, name)
        return CameraGroup(id=group_id, name=name)

    async def rename(self, group_id: int, name: str) -> CameraGroup:
        """Rename a group. Raises NotFoundError or ConflictError."""
        async with self._db.session() as session:
            row = await _group_row(session, group_id)
            await _check_group_name_free(session, name, except_id=group_id)
            row.name = name
            await _flush(session, f"Renaming group to '{name}'")
            return CameraGroup(id=row.id, name=row.name)

    async def delete(self, group_id: int) -> None:
        """Delete a group; its cameras stay, in no group. Raises NotFoundError when it does not exist."""
        async with self._db.session() as session:
            row = await _group_row(session, group_id)
            # Explicit rather than relying on ON DELETE SET NULL alone: the cameras' updated_at must move too.
            await session.execute(
                update(CameraRow)
                .where(CameraRow.group_id == group_id)
                .values(group_id=None, updated_at=utc_now())
            )
            await session.delete(row)
        logger.info("Deleted group %d", group_id)
