"""How to reach a database: supported URLs, SQLite connection pragmas and operator messages for driver errors."""

from __future__ import annotations

import logging
from typing import Any

from sqlalchemy import URL, Engine, event, make_url
from sqlalchemy.exc import ArgumentError

from backend_embed.api.errors import DatabaseError
from backend_embed.cameras.redaction import redact

logger = logging.getLogger(__name__)

DEFAULT_BUSY_TIMEOUT_MS = 5000
_ASYNC_DRIVERS = {"sqlite": "sqlite+aiosqlite", "postgresql": "postgresql+psycopg"}
_SYNC_DRIVERS = {"sqlite": "sqlite+pysqlite", "postgresql": "postgresql+psycopg"}
_BACKEND_ALIASES = {"sqlite": "sqlite", "postgresql": "postgresql", "postgres": "postgresql"}
_LOCKED = ("database is locked", "database table is locked", "sqlite_busy")


def show_url(url: str | URL) -> str:
    """The URL as an operator may see it: any password masked."""
    text = url.render_as_string(hide_password=True) if isinstance(url, URL) else url
    return redact(text)


def _parse(url: str) -> tuple[URL, str]:
    """Parse `url` and name its backend ("sqlite" or "postgresql"), or raise DatabaseError."""
    try:
        parsed = make_url(url)
    except ArgumentError as exc:
        raise DatabaseError(f"Not a database URL: {show_url(url)}") from exc
    scheme = parsed.drivername.partition("+")[0]
    backend = _BACKEND_ALIASES.get(scheme)
    if backend is None:
        raise DatabaseError(
            f"Unsupported database {show_url(url)}: use sqlite+aiosqlite:///path or postgresql+psycopg://..."
        )
    if backend == "sqlite" and parsed.database in (None, "", ":memory:"):
        raise DatabaseError(
            "An SQLite database must be a file; in-memory databases are not supported."
        )
    return parsed, backend


def async_url(url: str) -> URL:
    """`url` with the asyncio driver this project uses (aiosqlite or psycopg), whatever driver it named."""
    parsed, backend = _parse(url)
    return parsed.set(drivername=_ASYNC_DRIVERS[backend])


def sync_url(url: str) -> URL:
    """`url` with the blocking driver used for migrations (pysqlite or psycopg)."""
    parsed, backend = _parse(url)
    return parsed.set(drivername=_SYNC_DRIVERS[backend])


def install_sqlite_pragmas(
    engine: Engine, *, busy_timeout_ms: int = DEFAULT_BUSY_TIMEOUT_MS, foreign_keys: bool = True
) -> None:
    """Configure every new SQLite connection of `engine`: busy timeout, WAL journal, foreign keys.

    The busy timeout is set first because switching to WAL itself waits for other connections. Pass the
    `sync_engine` of an async engine. Migrations turn foreign keys off: batch mode recreates tables, which
    would otherwise cascade deletes into child tables.
    """

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute(f"PRAGMA busy_timeout = {int(busy_timeout_ms)}")
            cursor.execute("PRAGMA journal_mode = WAL")
            cursor.execute(f"PRAGMA foreign_keys = {'ON' if foreign_keys else 'OFF'}")
        finally:
            cursor.close()


def database_error(exc: BaseException, url: str | URL, *, doing: str) -> DatabaseError:
    """Turn a driver error into a `DatabaseError` for the operator. The URL and the detail are redacted.

    Args:
        exc: the SQLAlchemy or driver exception.
        url: the database URL (its password is masked in the message).
        doing: what failed, as a verb phrase: "open", "read or write", "migrate".
    """
    shown = show_url(url)
    password = url.password if isinstance(url, URL) else _password_of(url)
    orig = getattr(exc, "orig", None) or exc
    first_line = (str(orig).strip().splitlines() or [type(orig).__name__])[0]
    detail = redact(first_line, [str(password)] if password else ())
    if any(marker in first_line.lower() for marker in _LOCKED):
        message = f"The database {shown} is locked by another program. Close the other program and try again."
    elif doing == "open":
        message = (
            f"Cannot open the database {shown}. Check that its folder exists and is writable, "
            "or that the database server is running and accepts this user."
        )
    else:
        message = f"Cannot {doing} the database {shown}."
    return DatabaseError(message, detail=detail)


def _password_of(url: str) -> str | None:
    try:
        return make_url(url).password
    except ArgumentError:
        return None
