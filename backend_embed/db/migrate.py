"""Schema migrations at start-up: upgrade any database to head, backing up an older SQLite file first.

Everything here blocks: the caller runs it in a thread before opening the async `Database`. Production never
calls `create_all`; the schema only ever comes from the Alembic revisions in `backend_embed/db/migrations`.
"""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Callable, Iterator
from contextlib import closing, contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from alembic.util.exc import CommandError
from sqlalchemy import URL, Connection, Engine, create_engine, event, inspect, text
from sqlalchemy.exc import DBAPIError

from backend_embed.api.errors import DatabaseError
from backend_embed.db.connect import database_error, install_sqlite_pragmas, show_url, sync_url

logger = logging.getLogger(__name__)

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
# Any constant works; it only has to be the same for every process that migrates the same server.
_PG_MIGRATION_LOCK = 0x5641_5344_4230


def alembic_config(connection: Connection | None = None) -> Config:
    """The Alembic configuration, built in code (there is no alembic.ini).

    Args:
        connection: the connection `env.py` migrates; required for upgrade and downgrade.
    """
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("path_separator", "os")
    if connection is not None:
        config.attributes["connection"] = connection
    return config


def head_revision() -> str:
    """The newest revision this build knows."""
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    if head is None:
        raise RuntimeError(f"no migration scripts in {MIGRATIONS_DIR}")
    return head


def current_revision(url: str) -> str | None:
    """The revision the database is at, or None when it was never migrated (or the SQLite file is absent).

    Raises:
        DatabaseError: the database cannot be reached.
    """
    target = sync_url(url)
    if _sqlite_path(target) is not None and not _sqlite_path_exists(target):
        return None
    with _migration_engine(target) as engine:
        try:
            with engine.connect() as connection:
                return MigrationContext.configure(connection).get_current_revision()
        except DBAPIError as exc:
            raise database_error(exc, target, doing="open") from exc


def upgrade_to_head(url: str, *, backup_dir: Path | None = None) -> None:
    """Bring the schema to head. Does nothing when it is already there.

    For an SQLite file that already has tables and is behind head, a consistent copy is written to
    `backup_dir` first, named after the file, the time and the old revision. The upgrade runs in one
    transaction on both backends, so a failed migration leaves the database as it was.

    Raises:
        DatabaseError: the database cannot be reached, was written by a newer version, or a migration failed;
            the message names the database with its password masked.
    """
    target = sync_url(url)
    head = head_revision()
    with _migration_engine(target) as engine:
        current, has_tables = _inspect_state(engine, target)
        _check_known(current, target)
        if current == head:
            logger.debug("Database %s is at head %s", show_url(target), head)
            return
        if backup_dir is not None and has_tables and _sqlite_path(target) is not None:
            backup_sqlite(_sqlite_file(target), backup_dir, current)
        logger.info("Migrating database %s from %s to %s", show_url(target), current, head)
        _run_in_transaction(engine, target, lambda cfg: command.upgrade(cfg, "head"))


def upgrade_to(url: str, revision: str) -> None:
    """Upgrade the schema to `revision` (or a relative step such as "+1"), without a backup.

    For tests and manual recovery; start-up uses `upgrade_to_head`.

    Raises:
        DatabaseError: the database cannot be reached or a migration step failed.
    """
    target = sync_url(url)
    with _migration_engine(target) as engine:
        _run_in_transaction(engine, target, lambda cfg: command.upgrade(cfg, revision))


def downgrade_to(url: str, revision: str) -> None:
    """Revert the schema to `revision` ("base" removes every table, "-1" one step). For tests and recovery.

    Raises:
        DatabaseError: the database cannot be reached or a downgrade step failed.
    """
    target = sync_url(url)
    with _migration_engine(target) as engine:
        _run_in_transaction(engine, target, lambda cfg: command.downgrade(cfg, revision))


def backup_sqlite(path: Path, backup_dir: Path, revision: str | None) -> Path:
    """Copy an SQLite database with SQLite's online backup (WAL content included) and return the copy.

    The copy is written under a temporary name and renamed, so a crash never leaves a partial backup.
    """
    backup_dir.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
    destination = backup_dir / f"{path.stem}-{stamp}-rev-{revision or 'none'}{path.suffix or '.db'}"
    partial = destination.with_name(destination.name + ".partial")
    try:
        with (
            closing(sqlite3.connect(f"{path.as_uri()}?mode=ro", uri=True)) as source,
            closing(sqlite3.connect(partial)) as copy,
        ):
            source.backup(copy)
        partial.replace(destination)
    except (sqlite3.Error, OSError) as exc:
        partial.unlink(missing_ok=True)
        raise DatabaseError(
            f"Cannot back up the database {path} to {backup_dir} before upgrading it.",
            detail=str(exc),
        ) from exc
    logger.info("Backed up database %s to %s", path, destination)
    return destination


@contextmanager
def _migration_engine(target: URL) -> Iterator[Engine]:
    """A short-lived blocking engine; SQLite gets real transactional DDL and foreign keys off.

    pysqlite neither begins a transaction before DDL nor lets PRAGMA foreign_keys change inside one, so the
    engine runs in driver autocommit and emits BEGIN IMMEDIATE itself (SQLAlchemy's documented recipe).
    """
    engine = create_engine(target)
    if target.get_backend_name() == "sqlite":
        install_sqlite_pragmas(engine, foreign_keys=False)

        @event.listens_for(engine, "connect")
        def _autocommit_driver(dbapi_connection: Any, _record: Any) -> None:
            dbapi_connection.isolation_level = None

        @event.listens_for(engine, "begin")
        def _begin_immediate(connection: Connection) -> None:
            connection.exec_driver_sql("BEGIN IMMEDIATE")

    try:
        yield engine
    finally:
        engine.dispose()


def _inspect_state(engine: Engine, target: URL) -> tuple[str | None, bool]:
    """The current revision and whether the database has any table at all."""
    try:
        with engine.connect() as connection:
            current = MigrationContext.configure(connection).get_current_revision()
            has_tables = bool(inspect(connection).get_table_names())
    except DBAPIError as exc:
        raise database_error(exc, target, doing="open") from exc
    return current, has_tables


def _check_known(current: str | None, target: URL) -> None:
    """Refuse a database stamped with a revision this build does not have (written by a newer version)."""
    if current is None:
        return
    try:
        ScriptDirectory.from_config(alembic_config()).get_revision(current)
    except CommandError as exc:
        raise DatabaseError(
            f"The database {show_url(target)} was written by a newer version of VAS Console "
            f"(schema {current}). Install that version or restore a backup.",
            detail=str(exc),
        ) from exc


def _run_in_transaction(engine: Engine, target: URL, step: Callable[[Config], None]) -> None:
    """Run one Alembic command inside a single transaction, serialised against other migrating processes."""
    try:
        with engine.begin() as connection:
            if target.get_backend_name() == "postgresql":
                connection.execute(
                    text("SELECT pg_advisory_xact_lock(:key)"), {"key": _PG_MIGRATION_LOCK}
                )
            step(alembic_config(connection))
            if target.get_backend_name() == "sqlite":
                _check_sqlite_foreign_keys(connection, target)
    except DBAPIError as exc:
        raise database_error(exc, target, doing="migrate") from exc


def _check_sqlite_foreign_keys(connection: Connection, target: URL) -> None:
    """Foreign keys are off while migrating SQLite: verify them before the transaction commits."""
    violations = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
    if violations:
        tables = sorted({str(row[0]) for row in violations})
        raise DatabaseError(
            f"Migrating the database {show_url(target)} would break references in {', '.join(tables)}; "
            "nothing was changed."
        )


def _sqlite_path(target: URL) -> str | None:
    return target.database if target.get_backend_name() == "sqlite" else None


def _sqlite_file(target: URL) -> Path:
    return Path(target.database or "").expanduser().resolve()


def _sqlite_path_exists(target: URL) -> bool:
    return _sqlite_file(target).exists()
