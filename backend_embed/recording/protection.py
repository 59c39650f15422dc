"""Protected ranges: time ranges retention must never delete, for one camera or for every camera."""

from __future__ import annotations

import logging
from typing import cast

from sqlalchemy import Table, delete, func, insert, or_, select
from sqlalchemy.exc import IntegrityError

from backend_embed.api.errors import InvalidInputError, NotFoundError
from backend_embed.api.recording import ProtectedRange
from backend_embed.db.engine import Database
from backend_embed.db.models import CameraRow, ProtectedRangeRow, RecordingSegmentRow
from backend_embed.recording.runs import RUN_MAX_MS

logger = logging.getLogger(__name__)

_protected = cast(Table, ProtectedRangeRow.__table__)
_segments = cast(Table, RecordingSegmentRow.__table__)
_COLUMNS = (
    _protected.c.id,
    _protected.c.camera_id,
    _protected.c.start_ms,
    _protected.c.end_ms,
    _protected.c.reason,
)


class ProtectedRangeRepository:
    """Protected ranges in the database. Every method is one transaction and returns frozen values."""

    def __init__(self, db: Database) -> None:
        self._db = db

    async def add(
        self,
        camera_id: int | None,
        start_ms: int,
        end_ms: int,
        reason: str,
        *,
        user_id: int | None = None,
    ) -> ProtectedRange:
        """Protect [start_ms, end_ms) of one camera, or of every camera when `camera_id` is None.

        Raises:
            InvalidInputError: the range is empty or reversed.
            NotFoundError: the camera does not exist.
        """
        if end_ms <= start_ms:
            raise InvalidInputError("A protected range must end after it starts.", field="end_ms")
        async with self._db.session() as session:
            if camera_id is not None and await session.get(CameraRow, camera_id) is None:
                raise NotFoundError(f"Camera {camera_id} no longer exists.")
            try:
                new_id = await session.scalar(
                    insert(_protected)
                    .values(
                        camera_id=camera_id,
                        start_ms=start_ms,
                        end_ms=end_ms,
                        reason=reason,
                        created_by_id=user_id,
                    )
                    .returning(_protected.c.id)
                )
            except IntegrityError as exc:  # the camera was deleted meanwhile
                raise NotFoundError(f"Camera {camera_id} no longer exists.") from exc
        if new_id is None:
            raise RuntimeError("INSERT ... RETURNING gave no id")
        logger.info(
            "Protected camera %s from %d to %d ms: %s", camera_id or "all", start_ms, end_ms, reason
        )
        return ProtectedRange(new_id, camera_id, start_ms, end_ms, reason)

    async def ranges(self, camera_id: int | None = None) -> list[ProtectedRange]:
        """Every protected range, or those that apply to `camera_id` (its own and the all-camera ones)."""
        query = select(*_COLUMNS).order_by(_protected.c.start_ms, _protected.c.id)
        if camera_id is not None:
            query = query.where(
                or_(_protected.c.camera_id.is_(None), _protected.c.camera_id == camera_id)
            )
        async with self._db.session() as session:
            rows = (await session.execute(query)).all()
        return [ProtectedRange(r.id, r.camera_id, r.start_ms, r.end_ms, r.reason) for r in rows]

    async def remove(self, range_id: int) -> None:
        """Lift a protection.

        Raises:
            NotFoundError: no such range.
        """
        async with self._db.session() as session:
            gone = await session.execute(
                delete(_protected).where(_protected.c.id == range_id).returning(_protected.c.id)
            )
            if gone.first() is None:
                raise NotFoundError(f"Protected range {range_id} no longer exists.")
        logger.info("Removed protected range %d", range_id)

    async def covers(self, camera_id: int, start_ms: int, end_ms: int) -> bool:
        """True when [start_ms, end_ms) of `camera_id` overlaps a range of that camera or of every camera."""
        query = select(_protected.c.id).where(
            or_(_protected.c.camera_id.is_(None), _protected.c.camera_id == camera_id),
            _protected.c.start_ms < end_ms,
            _protected.c.end_ms > start_ms,
        )
        async with self._db.session() as session:
            return (await session.scalar(query.limit(1))) is not None

    async def protected_bytes(self) -> int:
        """Bytes of every segment that overlaps any protected range (each segment counted once)."""
        inside = (
            select(_segments.c.id)
            .join(
                _protected,
                (_segments.c.start_ms < _protected.c.end_ms)
                & (_segments.c.end_ms > _protected.c.start_ms)
                # segments are at most RUN_MAX_MS long: keeps the join an index range scan on start_ms
                & (_segments.c.start_ms >= _protected.c.start_ms - RUN_MAX_MS)
                & or_(
                    _protected.c.camera_id.is_(None),
                    _protected.c.camera_id == _segments.c.camera_id,
                ),
            )
            .distinct()
        )
        query = select(func.coalesce(func.sum(_segments.c.size_bytes), 0)).where(
            _segments.c.id.in_(inside)
        )
        async with self._db.session() as session:
            return int(await session.scalar(query) or 0)
