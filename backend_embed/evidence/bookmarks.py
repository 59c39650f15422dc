"""Bookmarks: named ranges of a camera's recording; a locked one holds a protected range retention obeys.

The bookmark row and its protected range change in one transaction, so a bookmark is never shown locked
without its recordings being protected, nor the other way round.
"""

from __future__ import annotations

import logging
from typing import Any, cast

from sqlalchemy import Row, Table, delete, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from backend_embed.api.errors import ConflictError, InvalidInputError, NotFoundError
from backend_embed.api.evidence import Bookmark, BookmarkDraft, BookmarkQuery
from backend_embed.db.engine import Database
from backend_embed.db.models import BookmarkRow, CameraRow, ProtectedRangeRow

logger = logging.getLogger(__name__)

_bookmarks = cast(Table, BookmarkRow.__table__)
_protected = cast(Table, ProtectedRangeRow.__table__)
NAME_MAX = 200
TAG_MAX = 40


def clean_draft(draft: BookmarkDraft) -> BookmarkDraft:
    """Validate a draft; returns it with the name trimmed and tags trimmed, de-duplicated, empties dropped."""
    name = draft.name.strip()
    if not name:
        raise InvalidInputError("A bookmark needs a name.", field="name")
    if len(name) > NAME_MAX:
        raise InvalidInputError(
            f"A bookmark's name may have at most {NAME_MAX} characters.", field="name"
        )
    if draft.end_ms <= draft.start_ms:
        raise InvalidInputError("A bookmark must end after it starts.", field="end")
    tags = tuple(dict.fromkeys(t.strip() for t in draft.tags if t.strip()))
    if any(len(t) > TAG_MAX for t in tags):
        raise InvalidInputError(f"A tag may have at most {TAG_MAX} characters.", field="tags")
    return BookmarkDraft(
        draft.camera_id, draft.start_ms, draft.end_ms, name, draft.note, tags, draft.locked
    )


def _bookmark(row: Row[Any]) -> Bookmark:
    created = row.created_at
    return Bookmark(
        id=row.id,
        camera_id=row.camera_id,
        start_ms=row.at_ms,
        end_ms=row.end_ms if row.end_ms is not None else row.at_ms + 1,
        name=row.title,
        note=row.note,
        tags=tuple(row.tags or ()),
        locked=row.protected_range_id is not None,
        created_ms=int(created.timestamp() * 1000) if created is not None else row.at_ms,
    )


class BookmarkRepository:
    """Bookmarks and their locks. Every method is one transaction and returns frozen values."""

    def __init__(self, db: Database) -> None:
        self._db = db

    async def add(self, draft: BookmarkDraft) -> Bookmark:
        draft = clean_draft(draft)
        async with self._db.session() as session:
            await _check_camera(session, draft.camera_id)
            new_id = await session.scalar(
                insert(_bookmarks)
                .values(
                    camera_id=draft.camera_id,
                    at_ms=draft.start_ms,
                    end_ms=draft.end_ms,
                    title=draft.name,
                    note=draft.note,
                    tags=list(draft.tags),
                )
                .returning(_bookmarks.c.id)
            )
            if new_id is None:
                raise RuntimeError("INSERT ... RETURNING gave no id")
            await _set_lock(session, new_id, draft if draft.locked else None, old_range=None)
            bookmark = await _get(session, new_id)
        logger.info("Bookmark %d added on camera %d", bookmark.id, bookmark.camera_id)
        return bookmark

    async def update(self, bookmark_id: int, draft: BookmarkDraft) -> tuple[Bookmark, Bookmark]:
        """Returns (before, after)."""
        draft = clean_draft(draft)
        async with self._db.session() as session:
            before = await _get(session, bookmark_id)
            await _check_camera(session, draft.camera_id)
            old_range = await _range_id(session, bookmark_id)
            await session.execute(
                update(_bookmarks)
                .where(_bookmarks.c.id == bookmark_id)
                .values(
                    camera_id=draft.camera_id,
                    at_ms=draft.start_ms,
                    end_ms=draft.end_ms,
                    title=draft.name,
                    note=draft.note,
                    tags=list(draft.tags),
                )
            )
            await _set_lock(session, bookmark_id, draft if draft.locked else None, old_range)
            after = await _get(session, bookmark_id)
        return before, after

    async def set_locked(self, bookmark_id: int, locked: bool) -> Bookmark:
        async with self._db.session() as session:
            current = await _get(session, bookmark_id)
            if current.locked != locked:
                draft = BookmarkDraft(
                    current.camera_id, current.start_ms, current.end_ms, current.name
                )
                old_range = await _range_id(session, bookmark_id)
                await _set_lock(session, bookmark_id, draft if locked else None, old_range)
            bookmark = await _get(session, bookmark_id)
        logger.info("Bookmark %d %s", bookmark_id, "locked" if locked else "unlocked")
        return bookmark

    async def delete(self, bookmark_id: int) -> Bookmark:
        """Delete an unlocked bookmark; returns what it was."""
        async with self._db.session() as session:
            bookmark = await _get(session, bookmark_id)
            if bookmark.locked:
                raise ConflictError("This bookmark is locked: unlock it before deleting it.")
            await session.execute(delete(_bookmarks).where(_bookmarks.c.id == bookmark_id))
        logger.info("Bookmark %d deleted", bookmark_id)
        return bookmark

    async def find(self, query: BookmarkQuery) -> list[Bookmark]:
        statement = select(_bookmarks).order_by(_bookmarks.c.at_ms, _bookmarks.c.id)
        if query.camera_ids:
            statement = statement.where(_bookmarks.c.camera_id.in_(sorted(query.camera_ids)))
        if query.start_ms is not None:
            statement = statement.where(
                func.coalesce(_bookmarks.c.end_ms, _bookmarks.c.at_ms + 1) > query.start_ms
            )
        if query.end_ms is not None:
            statement = statement.where(_bookmarks.c.at_ms < query.end_ms)
        text = query.text.strip().casefold()
        async with self._db.session() as session:
            rows = (await session.execute(statement)).all()
        found = [_bookmark(r) for r in rows]
        if text:  # tags are JSON: match in Python, the same on SQLite and PostgreSQL
            found = [b for b in found if text in " ".join((b.name, b.note, *b.tags)).casefold()]
        return found


async def _check_camera(session: AsyncSession, camera_id: int) -> None:
    if await session.get(CameraRow, camera_id) is None:
        raise NotFoundError(f"Camera {camera_id} no longer exists.")


async def _get(session: AsyncSession, bookmark_id: int) -> Bookmark:
    row = (await session.execute(select(_bookmarks).where(_bookmarks.c.id == bookmark_id))).first()
    if row is None:
        raise NotFoundError("This bookmark no longer exists.")
    return _bookmark(row)


async def _range_id(session: AsyncSession, bookmark_id: int) -> int | None:
    return await session.scalar(
        select(_bookmarks.c.protected_range_id).where(_bookmarks.c.id == bookmark_id)
    )


async def _set_lock(
    session: AsyncSession, bookmark_id: int, lock: BookmarkDraft | None, old_range: int | None
) -> None:
    """Replace the bookmark's protected range by one over `lock`'s range, or by none."""
    new_range: int | None = None
    if lock is not None:
        new_range = await session.scalar(
            insert(_protected)
            .values(
                camera_id=lock.camera_id,
                start_ms=lock.start_ms,
                end_ms=lock.end_ms,
                reason=f"Bookmark: {lock.name}",
            )
            .returning(_protected.c.id)
        )
    await session.execute(
        update(_bookmarks)
        .where(_bookmarks.c.id == bookmark_id)
        .values(protected_range_id=new_range)
    )
    if old_range is not None:
        await session.execute(delete(_protected).where(_protected.c.id == old_range))
