"""SegmentWriter over the real index while the database fails for a while (SQLite locked, PostgreSQL refusing)."""

from __future__ import annotations

import asyncio
import contextlib
import sqlite3
from collections.abc import Iterator

import psycopg
from psycopg import sql
from sqlalchemy import make_url

from backend_embed.api.dto import StreamRole
from backend_embed.db.engine import Database
from backend_embed.recording.segments import SegmentRepository
from backend_embed.recording.writer import SegmentWriter
from tests.integration.backend_embed.recording.synthetic import run_of


@contextlib.contextmanager
def _outage(url: str) -> Iterator[None]:
    """Make the database fail for every statement of the block: a locked SQLite file, or a PostgreSQL
    database that refuses connections and whose sessions were terminated."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        lock = sqlite3.connect(parsed.database or "", isolation_level=None)
        lock.execute("BEGIN EXCLUSIVE")
        try:
            yield
        finally:
            lock.execute("ROLLBACK")
            lock.close()
        return
    admin = f"host={parsed.host} port={parsed.port} user={parsed.username} dbname=postgres"
    name = sql.Identifier(parsed.database or "")
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(sql.SQL("ALTER DATABASE {} ALLOW_CONNECTIONS false").format(name))
        conn.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s",
            (parsed.database,),
        )
        try:
            yield
        finally:
            conn.execute(sql.SQL("ALTER DATABASE {} ALLOW_CONNECTIONS true").format(name))


async def test_segments_queued_during_a_database_outage_are_all_indexed_afterwards(
    migrated_db_url: str, camera_ids: list[int]
) -> None:
    db = await Database.open(migrated_db_url, busy_timeout_ms=100)
    repo = SegmentRepository(db)
    writer = SegmentWriter(repo, batch_size=4, flush_interval_s=0.05, retry_initial_s=0.05)
    segments = run_of(camera_ids[0], 100, 10)
    try:
        await writer.start()
        with _outage(migrated_db_url):
            for segment in segments:
                writer.submit(segment)
            await asyncio.sleep(0.6)
            assert writer.stats.failures >= 2
            assert writer.stats.written == 0
        await asyncio.wait_for(writer.drain(), 10)
        await writer.stop()

        stored = await repo.segments_between(camera_ids[0], StreamRole.MAIN, 0, 10**9)
        assert [s.path for s in stored] == [s.path for s in segments]
        coverage = await repo.coverage(camera_ids[0], StreamRole.MAIN, 100_000, 120_000)
        assert coverage.gaps == ()
    finally:
        await writer.stop()
        await db.dispose()
