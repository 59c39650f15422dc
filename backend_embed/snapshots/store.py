"""The snapshot store: JPEG files under `<data>/snapshots` and one database row per snapshot.

A snapshot is written file first (temporary name, fsync, rename), then its row; a failed insert removes the
files again. So a crash leaves at worst a file without a row (swept by `sweep_orphans` at start), never a row
pointing at a half-written image. Paths are stored relative to the snapshots folder so a data directory can be
moved. Blocking file work runs in a thread.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import shutil
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, cast

from sqlalchemy import Row, Table, delete, insert, select, update

from backend_embed.api.dto import StreamRole
from backend_embed.api.errors import ConflictError, InvalidInputError, NotFoundError
from backend_embed.api.evidence import Snapshot, SnapshotFilter, SnapshotSource
from backend_embed.db.engine import Database
from backend_embed.db.models import SnapshotRow

logger = logging.getLogger(__name__)

_table = cast(Table, SnapshotRow.__table__)
_PARTIAL = ".partial"


@dataclass(frozen=True, slots=True)
class NewSnapshot:
    """A captured picture to store."""

    camera_id: int
    camera_name: str
    source: SnapshotSource
    stream: StreamRole
    time_ms: int
    width: int
    height: int
    jpeg: bytes
    thumbnail: bytes


def _write_atomically(path: Path, data: bytes) -> None:
    partial = path.with_name(path.name + _PARTIAL)
    with partial.open("wb") as file:
        file.write(data)
        file.flush()
        os.fsync(file.fileno())
    partial.replace(path)


def _stamp(ms: int) -> str:
    moment = datetime.fromtimestamp(ms / 1000, UTC)
    return moment.strftime("%Y%m%dT%H%M%S") + f"{ms % 1000:03d}Z"


class SnapshotStore:
    """Snapshots of one installation. Every method is one transaction and returns frozen values."""

    def __init__(self, db: Database, root: Path) -> None:
        self._db = db
        self._root = root

    @property
    def root(self) -> Path:
        return self._root

    # -- writing ----------------------------------------------------------------------------------

    def _place(self, new: NewSnapshot) -> tuple[Path, Path]:
        """Pick free names: `<camera>/<day>/<stamp>-<source>[-n].jpg` and its `.thumb.jpg`."""
        day = datetime.fromtimestamp(new.time_ms / 1000, UTC).strftime("%Y-%m-%d")
        folder = self._root / str(new.camera_id) / day
        folder.mkdir(parents=True, exist_ok=True)
        base = f"{_stamp(new.time_ms)}-{new.source.value}"
        for n in range(1000):
            name = base if n == 0 else f"{base}-{n}"
            image = folder / f"{name}.jpg"
            if not image.exists():
                return image, folder / f"{name}.thumb.jpg"
        raise ConflictError("Too many snapshots of this camera at the same instant.")

    def _write(self, new: NewSnapshot) -> tuple[Path, Path]:
        image, thumb = self._place(new)
        _write_atomically(thumb, new.thumbnail)
        _write_atomically(image, new.jpeg)
        return image, thumb

    async def add(self, new: NewSnapshot) -> Snapshot:
        """Write the files, then the row. Raises OSError (disk full, ...) with nothing left behind."""
        if not new.jpeg or not new.thumbnail:
            raise InvalidInputError("The snapshot has no picture.")
        image, thumb = await asyncio.to_thread(self._write, new)
        values = {
            "camera_id": new.camera_id,
            "camera_name": new.camera_name,
            "stream": new.stream.value,
            "taken_at_ms": new.time_ms,
            "path": image.relative_to(self._root).as_posix(),
            "thumbnail_path": thumb.relative_to(self._root).as_posix(),
            "width": new.width,
            "height": new.height,
            "size_bytes": len(new.jpeg),
            "source": new.source.value,
            "protected": False,
            "note": "",
        }
        try:
            async with self._db.session() as session:
                new_id = await session.scalar(
                    insert(_table).values(**values).returning(_table.c.id)
                )
        except BaseException:
            await asyncio.to_thread(_unlink, (image, thumb))
            raise
        if new_id is None:
            raise RuntimeError("INSERT ... RETURNING gave no id")
        return await self.get(new_id)

    # -- reading ----------------------------------------------------------------------------------

    def _snapshot(self, row: Row[Any]) -> Snapshot:
        created = row.created_at
        return Snapshot(
            id=row.id,
            camera_id=row.camera_id,
            camera_name=row.camera_name,
            time_ms=row.taken_at_ms,
            source=SnapshotSource(row.source),
            stream=StreamRole(row.stream),
            width=row.width,
            height=row.height,
            size_bytes=row.size_bytes,
            path=str(self._root / row.path),
            thumbnail_path=str(self._root / row.thumbnail_path) if row.thumbnail_path else "",
            protected=bool(row.protected),
            note=row.note,
            created_ms=int(created.timestamp() * 1000) if created is not None else row.taken_at_ms,
        )

    async def get(self, snapshot_id: int) -> Snapshot:
        async with self._db.session() as session:
            row = (await session.execute(select(_table).where(_table.c.id == snapshot_id))).first()
        if row is None:
            raise NotFoundError("This snapshot no longer exists.")
        return self._snapshot(row)

    async def find(self, snapshot_filter: SnapshotFilter) -> list[Snapshot]:
        """Matching snapshots, newest first."""
        f = snapshot_filter
        query = select(_table).order_by(_table.c.taken_at_ms.desc(), _table.c.id.desc())
        if f.camera_ids:
            query = query.where(_table.c.camera_id.in_(sorted(f.camera_ids)))
        if f.start_ms is not None:
            query = query.where(_table.c.taken_at_ms >= f.start_ms)
        if f.end_ms is not None:
            query = query.where(_table.c.taken_at_ms < f.end_ms)
        if f.source is not None:
            query = query.where(_table.c.source == f.source.value)
        async with self._db.session() as session:
            rows = (await session.execute(query)).all()
        return [self._snapshot(r) for r in rows]

    # -- changing ---------------------------------------------------------------------------------

    async def set_protected(self, snapshot_id: int, protected: bool) -> Snapshot:
        async with self._db.session() as session:
            done = await session.execute(
                update(_table)
                .where(_table.c.id == snapshot_id)
                .values(protected=protected)
                .returning(_table.c.id)
            )
            if done.first() is None:
                raise NotFoundError("This snapshot no longer exists.")
        return await self.get(snapshot_id)

    async def delete(self, snapshot_ids: Sequence[int], *, spare_protected: bool = False) -> int:
        """Delete rows, then files. Protected ones raise ConflictError (nothing deleted) unless spared.

        Returns:
            how many snapshots were deleted (ids that no longer exist are ignored).
        """
        ids = sorted(set(snapshot_ids))
        if not ids:
            return 0
        async with self._db.session() as session:
            rows = (await session.execute(select(_table).where(_table.c.id.in_(ids)))).all()
            protected = [r for r in rows if r.protected]
            if protected and not spare_protected:
                raise ConflictError(
                    f"{len(protected)} of the chosen snapshots are protected: unprotect them to delete them."
                )
            doomed = [r for r in rows if not r.protected]
            if doomed:
                await session.execute(delete(_table).where(_table.c.id.in_([r.id for r in doomed])))
        files = [self._root / p for r in doomed for p in (r.path, r.thumbnail_path) if p]
        await asyncio.to_thread(_unlink, files)
        if doomed:
            logger.info("Deleted %d snapshots", len(doomed))
        return len(doomed)

    async def export(self, snapshot_ids: Sequence[int], folder: Path) -> int:
        """Copy the JPEGs and a `snapshots.json` of their metadata into `folder` (created if needed)."""
        chosen = [await self.get(i) for i in dict.fromkeys(snapshot_ids)]
        return await asyncio.to_thread(_export, chosen, folder)

    async def prune(self, *, max_age_days: float | None, max_count: int | None) -> int:
        """Snapshot retention: delete unprotected ones older than `max_age_days` or beyond the newest
        `max_count` (protected ones never count against the limit). Returns how many were deleted."""
        doomed: list[int] = []
        async with self._db.session() as session:
            if max_age_days is not None:
                cutoff = int((time.time() - max_age_days * 86400) * 1000)
                doomed += (
                    await session.scalars(
                        select(_table.c.id).where(
                            _table.c.taken_at_ms < cutoff, _table.c.protected.is_(False)
                        )
                    )
                ).all()
            if max_count is not None:
                doomed += (
                    await session.scalars(
                        select(_table.c.id)
                        .where(_table.c.protected.is_(False))
                        .order_by(_table.c.taken_at_ms.desc(), _table.c.id.desc())
                        .offset(max_count)
                    )
                ).all()
        return await self.delete(doomed, spare_protected=True)

    async def sweep_orphans(self) -> int:
        """Remove images without a row and `.partial` leftovers (a crash between file and row)."""
        async with self._db.session() as session:
            rows = (await session.execute(select(_table.c.path, _table.c.thumbnail_path))).all()
        known = {p for r in rows for p in (r.path, r.thumbnail_path) if p}
        return await asyncio.to_thread(_sweep, self._root, known)


def _unlink(paths: Iterable[Path]) -> None:
    for path in paths:
        try:
            path.unlink(missing_ok=True)
        except OSError as exc:
            logger.warning("Could not delete %s: %s", path.name, exc.strerror)


def _sweep(root: Path, known: set[str]) -> int:
    removed = 0
    if not root.is_dir():
        return 0
    for path in root.rglob("*"):
        if not path.is_file():
            continue
        relative = path.relative_to(root).as_posix()
        if relative.endswith(_PARTIAL) or (relative.endswith(".jpg") and relative not in known):
            path.unlink(missing_ok=True)
            removed += 1
    if removed:
        logger.info("Removed %d snapshot files without a database row", removed)
    return removed


def _export(chosen: list[Snapshot], folder: Path) -> int:
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise InvalidInputError(f"Cannot create {folder}: {exc.strerror}.") from exc
    meta = []
    for snapshot in chosen:
        source = Path(snapshot.path)
        name = f"{snapshot.camera_name}_{source.name}".replace("/", "_")
        try:
            shutil.copyfile(source, folder / name)
        except FileNotFoundError:
            raise NotFoundError(f"The image of snapshot {snapshot.id} is missing.") from None
        except OSError as exc:
            raise InvalidInputError(f"Cannot write to {folder}: {exc.strerror}.") from exc
        meta.append(
            {
                "file": name,
                "camera": snapshot.camera_name,
                "time": datetime.fromtimestamp(snapshot.time_ms / 1000, UTC).isoformat(),
                "time_ms": snapshot.time_ms,
                "source": snapshot.source.value,
                "width": snapshot.width,
                "height": snapshot.height,
                "bytes": snapshot.size_bytes,
            }
        )
    (folder / "snapshots.json").write_text(json.dumps(meta, indent=2), encoding="utf-8")
    return len(chosen)
