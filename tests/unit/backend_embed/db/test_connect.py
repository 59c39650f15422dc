"""URL normalisation and operator messages for driver errors (pure: no database is opened)."""

from __future__ import annotations

import sqlite3

import pytest

from backend_embed.api.errors import DatabaseError
from backend_embed.db.connect import async_url, database_error, show_url, sync_url


@pytest.mark.parametrize(
    ("url", "async_driver", "sync_driver"),
    [
        pytest.param("sqlite:///a.db", "sqlite+aiosqlite", "sqlite+pysqlite", id="sqlite"),
        pytest.param(
            "sqlite+aiosqlite:///a.db", "sqlite+aiosqlite", "sqlite+pysqlite", id="aiosqlite"
        ),
        pytest.param(
            "postgresql://h/db", "postgresql+psycopg", "postgresql+psycopg", id="postgresql"
        ),
        pytest.param(
            "postgres://h/db", "postgresql+psycopg", "postgresql+psycopg", id="postgres-alias"
        ),
        pytest.param(
            "postgresql+asyncpg://h/db",
            "postgresql+psycopg",
            "postgresql+psycopg",
            id="other-driver",
        ),
    ],
)
def test_urls_get_this_projects_drivers(url: str, async_driver: str, sync_driver: str) -> None:
    assert async_url(url).drivername == async_driver
    assert sync_url(url).drivername == sync_driver


def test_url_keeps_a_percent_encoded_password() -> None:
    url = async_url("postgresql://vas:p%40ss%3Aword@db.local:5433/vas")
    assert url.password == "p@ss:word"
    assert (url.host, url.port, url.database) == ("db.local", 5433, "vas")


@pytest.mark.parametrize(
    ("url", "message"),
    [
        pytest.param("mysql://u:pw@h/db", "Unsupported database", id="mysql"),
        pytest.param("sqlite://", "must be a file", id="memory-implicit"),
        pytest.param("sqlite:///:memory:", "must be a file", id="memory-explicit"),
        pytest.param("not a url", "Not a database URL", id="garbage"),
    ],
)
def test_unusable_urls_are_database_errors(url: str, message: str) -> None:
    with pytest.raises(DatabaseError, match=message):
        async_url(url)


def test_show_url_masks_the_password() -> None:
    assert show_url("postgresql+psycopg://vas:hunter22@h/db") == "postgresql+psycopg://vas:***@h/db"


def test_locked_error_says_another_program_holds_the_lock() -> None:
    error = database_error(
        sqlite3.OperationalError("database is locked"), "sqlite:///x.db", doing="open"
    )
    assert "locked by another program" in error.user_message
    assert error.detail == "database is locked"


def test_error_message_and_detail_never_carry_the_password() -> None:
    url = "postgresql+psycopg://vas:hunter22@h/db"
    orig = OSError(
        "connection to postgresql://vas:hunter22@h failed: hunter22 rejected\nsecond line"
    )
    error = database_error(orig, url, doing="migrate")
    assert "hunter22" not in str(error)
    assert error.user_message == "Cannot migrate the database postgresql+psycopg://vas:***@h/db."
    assert "second line" not in error.detail
