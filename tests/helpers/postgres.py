"""Fixtures: a throwaway PostgreSQL 15 cluster per session, a fresh database per test, and both backends.

Everything is real: the cluster is Debian's PostgreSQL 15 started with `pg_ctl` (as the postgres user when the
suite runs as root, since `pg_ctl` refuses root), and SQLite databases are files in the test's tmp_path. A
missing PostgreSQL fails the tests that need it; it never skips them.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path

import psycopg
import pytest
import pytest_asyncio
from psycopg import sql

from backend_embed.db.engine import Database
from backend_embed.db.migrate import upgrade_to_head
from tests.helpers.components import require_binary, require_file
from tests.helpers.processes import register_session_process, unregister_session_process

PG_BIN = Path(os.environ.get("VAS_PG_BIN", "/usr/lib/postgresql/15/bin"))
_HINT = "apt-get install postgresql-15, or point VAS_PG_BIN at its bin directory"


@dataclass(frozen=True, slots=True)
class PostgresCluster:
    """A running throwaway cluster: trust authentication, TCP on 127.0.0.1 and a socket in its data dir."""

    data_dir: Path
    port: int
    host: str = "127.0.0.1"
    user: str = "postgres"

    def url(self, database: str) -> str:
        """The SQLAlchemy URL of `database` on this cluster (psycopg 3 driver)."""
        return f"postgresql+psycopg://{self.user}@{self.host}:{self.port}/{database}"

    def admin_conninfo(self) -> str:
        """A libpq connection string for the maintenance database, for CREATE/DROP DATABASE."""
        return f"host={self.host} port={self.port} user={self.user} dbname=postgres"


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _run(argv: list[str], *, what: str, log: Path | None = None) -> None:
    result = subprocess.run(argv, capture_output=True, text=True, timeout=60, check=False)
    if result.returncode != 0:
        server_log = log.read_text(errors="replace")[-2000:] if log and log.exists() else ""
        pytest.fail(
            f"{what} failed ({result.returncode}): {result.stderr.strip()[-2000:]}\n{server_log}",
            pytrace=False,
        )


@pytest.fixture(scope="session")
def postgres_cluster() -> Iterator[PostgresCluster]:
    """Start a real PostgreSQL 15 cluster in a fresh temporary directory; stop it and remove it at the end.

    The postmaster is registered as a session process so the per-test leak check spares it.
    """
    initdb = require_file(PG_BIN / "initdb", what="PostgreSQL 15 initdb", hint=_HINT)
    pg_ctl = require_file(PG_BIN / "pg_ctl", what="PostgreSQL 15 pg_ctl", hint=_HINT)
    as_root = os.geteuid() == 0
    prefix = (
        [require_binary("runuser", hint="util-linux"), "-u", "postgres", "--"] if as_root else []
    )
    data_dir = Path(tempfile.mkdtemp(prefix="vas-pg-"))
    if as_root:
        shutil.chown(data_dir, "postgres", "postgres")
    log = data_dir / "server.log"
    pid: int | None = None
    try:
        _run([*prefix, str(initdb), "-D", str(data_dir), "-U", "postgres", "--auth=trust",
              "--encoding=UTF8", "--no-locale"], what="initdb")  # fmt: skip
        port = _free_port()
        options = (
            f"-p {port} -k {data_dir} -c listen_addresses=127.0.0.1 "
            "-c fsync=off -c synchronous_commit=off -c full_page_writes=off"
        )
        _run([*prefix, str(pg_ctl), "-D", str(data_dir), "-l", str(log), "-w", "-t", "30",
              "-o", options, "start"], what="pg_ctl start", log=log)  # fmt: skip
        pid = int((data_dir / "postmaster.pid").read_text().split()[0])
        register_session_process(pid)
        yield PostgresCluster(data_dir=data_dir, port=port)
    finally:
        if pid is not None:
            subprocess.run([*prefix, str(pg_ctl), "-D", str(data_dir), "-m", "immediate", "-w", "stop"],
                           capture_output=True, timeout=60, check=False)  # fmt: skip
            unregister_session_process(pid)
        shutil.rmtree(data_dir, ignore_errors=True)


@pytest.fixture
def postgres_url(postgres_cluster: PostgresCluster) -> Iterator[str]:
    """A fresh, empty database on the session cluster (unique name per test), dropped afterwards."""
    name = f"vas_test_{uuid.uuid4().hex[:16]}"
    with psycopg.connect(postgres_cluster.admin_conninfo(), autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    yield postgres_cluster.url(name)
    with psycopg.connect(postgres_cluster.admin_conninfo(), autocommit=True) as conn:
        conn.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )


@pytest.fixture(
    params=[
        pytest.param("sqlite", id="sqlite"),
        pytest.param("postgresql", id="postgresql", marks=pytest.mark.requires_postgres),
    ]
)
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """The URL of a fresh, empty database: a real SQLite file, then a real PostgreSQL database."""
    if request.param == "sqlite":
        return f"sqlite+aiosqlite:///{tmp_path / 'vas.db'}"
    url: str = request.getfixturevalue("postgres_url")
    return url


@pytest.fixture
def migrated_db_url(db_url: str) -> str:
    """`db_url` upgraded to the head revision through the production migration path."""
    upgrade_to_head(db_url)
    return db_url


@pytest_asyncio.fixture
async def database(migrated_db_url: str) -> AsyncIterator[Database]:
    """An open `Database` on a migrated database of each backend, disposed after the test."""
    db = await Database.open(migrated_db_url)
    try:
        yield db
    finally:
        await db.dispose()
