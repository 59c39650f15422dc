"""Database.open and sessions against a real SQLite file and a real PostgreSQL."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
from sqlalchemy import select, text

from backend_embed.api.errors import DatabaseError
from backend_embed.db.engine import Database
from backend_embed.db.migrate import upgrade_to_head
from backend_embed.db.models import CameraGroupRow


async def test_sqlite_connections_use_wal_foreign_keys_and_busy_timeout(tmp_path: Path) -> None:
    db = await Database.open(f"sqlite+aiosqlite:///{tmp_path / 'vas.db'}", busy_timeout_ms=1234)
    try:
        async with db.session() as session:
            journal = await session.scalar(text("PRAGMA journal_mode"))
            foreign_keys = await session.scalar(text("PRAGMA foreign_keys"))
            busy = await session.scalar(text("PRAGMA busy_timeout"))
    finally:
        await db.dispose()
    assert (journal, foreign_keys, busy) == ("wal", 1, 1234)


async def test_plain_sqlite_url_gets_the_asyncio_driver(tmp_path: Path) -> None:
    db = await Database.open(f"sqlite:///{tmp_path / 'vas.db'}")
    try:
        assert db.engine.url.drivername == "sqlite+aiosqlite"
        assert db.backend == "sqlite"
    finally:
        await db.dispose()


async def test_sqlite_in_a_missing_folder_is_a_database_error_naming_it(tmp_path: Path) -> None:
    missing = tmp_path / "no-such-folder" / "vas.db"
    with pytest.raises(DatabaseError) as caught:
        await Database.open(f"sqlite+aiosqlite:///{missing}")
    assert "Cannot open the database" in caught.value.user_message
    assert str(missing) in caught.value.user_message


async def test_unreachable_postgresql_is_a_database_error_without_the_password() -> None:
    with pytest.raises(DatabaseError) as caught:
        await Database.open("postgresql+psycopg://vas:s3cr3t-pw@127.0.0.1:1/vas")
    assert "Cannot open the database" in caught.value.user_message
    assert "s3cr3t-pw" not in str(caught.value)
    assert "vas:***@127.0.0.1:1" in caught.value.user_message


async def test_locked_sqlite_file_is_reported_as_locked(tmp_path: Path) -> None:
    path = tmp_path / "vas.db"
    url = f"sqlite+aiosqlite:///{path}"
    upgrade_to_head(url)
    db = await Database.open(url, busy_timeout_ms=50)
    other = sqlite3.connect(path, isolation_level=None)
    try:
        other.execute("BEGIN EXCLUSIVE")
        with pytest.raises(DatabaseError, match="locked by another program"):
            async with db.session() as session:
                session.add(CameraGroupRow(name="Yard"))
    finally:
        other.close()
        await db.dispose()


async def test_session_commits_on_success_and_rolls_back_on_error(database: Database) -> None:
    async with database.session() as session:
        session.add(CameraGroupRow(name="kept"))

    async def add_then_fail() -> None:
        async with database.session() as session:
            session.add(CameraGroupRow(name="discarded"))
            await session.flush()
            raise RuntimeError("boom")

    with pytest.raises(RuntimeError, match="boom"):
        await add_then_fail()
    async with database.session() as session:
        names = list(await session.scalars(select(CameraGroupRow.name)))
    assert names == ["kept"]


async def test_timestamps_come_back_as_the_same_instant_in_utc(database: Database) -> None:
    local = datetime(2024, 3, 1, 12, 30, 15, 123456, tzinfo=timezone(timedelta(hours=5)))
    async with database.session() as session:
        row = CameraGroupRow(name="Yard", created_at=local)
        session.add(row)
        await session.flush()
        row_id = row.id
    async with database.session() as session:
        stored = await session.get(CameraGroupRow, row_id)
    assert stored is not None
    assert stored.created_at == local
    assert stored.created_at.tzinfo is UTC
