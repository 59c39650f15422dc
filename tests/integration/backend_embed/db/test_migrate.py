"""Migrations on a real SQLite file and a real PostgreSQL: every revision, model agreement, backups."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, inspect

from backend_embed.api.errors import DatabaseError
from backend_embed.db.connect import sync_url
from backend_embed.db.migrate import (
    alembic_config,
    current_revision,
    downgrade_to,
    head_revision,
    upgrade_to,
    upgrade_to_head,
)
from backend_embed.db.models import Base


def _revisions_oldest_first() -> list[str]:
    script = ScriptDirectory.from_config(alembic_config())
    return [rev.revision for rev in reversed(list(script.walk_revisions()))]


def _tables(url: str) -> set[str]:
    engine = create_engine(sync_url(url))
    try:
        with engine.connect() as connection:
            return set(inspect(connection).get_table_names())
    finally:
        engine.dispose()


def test_every_revision_upgrades_one_step_at_a_time_and_downgrades_to_base(db_url: str) -> None:
    revisions = _revisions_oldest_first()
    assert revisions[-1] == head_revision()
    assert current_revision(db_url) is None
    for revision in revisions:
        upgrade_to(db_url, revision)
        assert current_revision(db_url) == revision
    assert {"cameras", "camera_groups", "recording_segments"} <= _tables(db_url)
    for expected in [*reversed(revisions[:-1]), None]:
        downgrade_to(db_url, "-1")
        assert current_revision(db_url) == expected
    assert _tables(db_url) <= {"alembic_version"}


def test_models_and_migrations_agree(db_url: str) -> None:
    upgrade_to_head(db_url)
    engine = create_engine(sync_url(db_url))
    try:
        with engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            differences = compare_metadata(context, Base.metadata)
    finally:
        engine.dispose()
    assert differences == []


def test_upgrade_to_head_is_idempotent(db_url: str) -> None:
    upgrade_to_head(db_url)
    upgrade_to_head(db_url)
    assert current_revision(db_url) == head_revision()


def test_database_from_a_newer_version_is_refused(db_url: str) -> None:
    upgrade_to_head(db_url)
    engine = create_engine(sync_url(db_url))
    try:
        with engine.begin() as connection:
            connection.exec_driver_sql("UPDATE alembic_version SET version_num = 'fffffffffff9'")
    finally:
        engine.dispose()
    with pytest.raises(DatabaseError, match="newer version of VAS Console"):
        upgrade_to_head(db_url)


def _sqlite_url(path: Path) -> str:
    return f"sqlite+aiosqlite:///{path}"


def test_sqlite_file_behind_head_is_backed_up_before_upgrading(tmp_path: Path) -> None:
    db_file = tmp_path / "vas.db"
    with sqlite3.connect(db_file) as legacy:
        legacy.execute("CREATE TABLE operator_notes (body TEXT)")
        legacy.execute("INSERT INTO operator_notes VALUES ('keep me')")
    legacy.close()
    backups = tmp_path / "backups"

    upgrade_to_head(_sqlite_url(db_file), backup_dir=backups)

    [backup] = list(backups.iterdir())
    assert backup.name.startswith("vas-")
    assert backup.name.endswith("-rev-none.db")
    with sqlite3.connect(backup) as copy:
        tables = {
            row[0] for row in copy.execute("SELECT name FROM sqlite_master WHERE type='table'")
        }
        notes = copy.execute("SELECT body FROM operator_notes").fetchall()
    copy.close()
    assert tables == {"operator_notes"}, "the backup must be the file as it was before the upgrade"
    assert notes == [("keep me",)]
    assert current_revision(_sqlite_url(db_file)) == head_revision()


@pytest.mark.parametrize("state", ["absent", "at_head"])
def test_no_backup_for_new_or_current_sqlite_file(tmp_path: Path, state: str) -> None:
    url = _sqlite_url(tmp_path / "vas.db")
    if state == "at_head":
        upgrade_to_head(url)
    backups = tmp_path / "backups"

    upgrade_to_head(url, backup_dir=backups)

    assert not backups.exists() or not any(backups.iterdir())


def test_current_revision_does_not_create_a_missing_sqlite_file(tmp_path: Path) -> None:
    db_file = tmp_path / "missing.db"
    assert current_revision(_sqlite_url(db_file)) is None
    assert not db_file.exists()


def test_unreachable_postgresql_is_a_database_error_without_the_password() -> None:
    url = "postgresql+psycopg://vas:s3cr3t-pw@127.0.0.1:1/vas"
    with pytest.raises(DatabaseError) as caught:
        upgrade_to_head(url)
    assert "s3cr3t-pw" not in str(caught.value)
    assert "Cannot open the database" in caught.value.user_message
