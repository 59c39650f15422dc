"""The async engine and the session factory: one `Database` per backend host, one session per unit of work."""

from __future__ import annotations

import asyncio
import logging
import sqlite3
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, closing

from sqlalchemy import URL, text
from sqlalchemy.exc import InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

from backend_embed.db.connect import (
    DEFAULT_BUSY_TIMEOUT_MS,
    async_url,
    database_error,
    install_sqlite_pragmas,
    show_url,
)

logger = logging.getLogger(__name__)


def _check_sqlite_opens(url: URL, busy_timeout_ms: int) -> None:
    """Open and read the SQLite file with the standard driver, raising DatabaseError when that fails.

    WORKAROUND for https://github.com/omnilib/aiosqlite/issues/241: when aiosqlite fails to connect, its worker
    thread is left to finish a stop request on the loop and raises "Event loop is closed" if the loop ends
    first. Checking here means aiosqlite only connects to a file that opens.
    """
    try:
        with closing(sqlite3.connect(url.database or "", timeout=busy_timeout_ms / 1000)) as conn:
            conn.execute("PRAGMA schema_version").fetchone()
    except sqlite3.Error as exc:
        raise database_error(exc, url, doing="open") from exc


# Errors of the database itself (unreachable, locked, disk full), as opposed to bugs in a statement.
_OPERATIONAL_ERRORS = (OperationalError, InterfaceError, PoolTimeoutError)


class Database:
    """An async engine plus its session factory.

    Create it with `await Database.open(url)` on the loop that will use it and `await dispose()` at shutdown.
    Sessions must stay on that loop and are never shared between tasks.
    """

    def __init__(self, engine: AsyncEngine, url: URL) -> None:
        """Wrap an engine that `open` created; use `open` instead of calling this."""
        self._engine = engine
        self._url = url
        self._sessions = async_sessionmaker(engine, expire_on_commit=False, autoflush=False)

    @classmethod
    async def open(cls, url: str, *, busy_timeout_ms: int = DEFAULT_BUSY_TIMEOUT_MS) -> Database:
        """Create the engine and check that the database answers.

        Args:
            url: `sqlite+aiosqlite:///path/to/file.db` or `postgresql+psycopg://user:pw@host/db` (the plain
                `sqlite:///` and `postgresql://` forms are accepted and get the asyncio driver).
            busy_timeout_ms: how long an SQLite statement waits for another writer's lock.

        Raises:
            DatabaseError: the URL is not supported, or the database cannot be opened or reached; the message
                names the database with its password masked.
        """
        parsed = async_url(url)
        if parsed.get_backend_name() == "sqlite":
            await asyncio.to_thread(_check_sqlite_opens, parsed, busy_timeout_ms)
        engine = create_async_engine(parsed, pool_pre_ping=parsed.get_backend_name() != "sqlite")
        if parsed.get_backend_name() == "sqlite":
            install_sqlite_pragmas(engine.sync_engine, busy_timeout_ms=busy_timeout_ms)
        try:
            async with engine.connect() as connection:
                await connection.execute(text("SELECT 1"))
        except _OPERATIONAL_ERRORS as exc:
            await engine.dispose()
            raise database_error(exc, parsed, doing="open") from exc
        logger.info("Opened database %s", show_url(parsed))
        return cls(engine, parsed)

    @property
    def engine(self) -> AsyncEngine:
        """The engine, for code in `backend_embed.db` that needs Core statements or raw connections."""
        return self._engine

    @property
    def backend(self) -> str:
        """`"sqlite"` or `"postgresql"`."""
        return self._url.get_backend_name()

    @property
    def display_url(self) -> str:
        """The URL with its password masked, for messages and logs."""
        return show_url(self._url)

    @asynccontextmanager
    async def session(self) -> AsyncIterator[AsyncSession]:
        """One unit of work: a session inside a transaction, committed on success, rolled back on error.

        The database's own failures (unreachable, locked, I/O) become `DatabaseError`. Everything else passes
        unchanged: `IntegrityError` for a repository to turn into a conflict, and statement bugs for the crash
        handler.
        """
        try:
            async with self._sessions() as session, session.begin():
                yield session
        except _OPERATIONAL_ERRORS as exc:
            raise database_error(exc, self._url, doing="read or write") from exc

    async def dispose(self) -> None:
        """Close every pooled connection. The object must not be used afterwards."""
        await self._engine.dispose()
        logger.info("Closed database %s", self.display_url)
