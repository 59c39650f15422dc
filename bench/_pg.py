"""A throwaway PostgreSQL 15 cluster for benchmarks, started like tests/helpers/postgres.py does (no pytest)."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

PG_BIN = Path(os.environ.get("VAS_PG_BIN", "/usr/lib/postgresql/15/bin"))


class ClusterError(RuntimeError):
    """The cluster could not be created or started."""


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _run(argv: list[str], what: str, log: Path | None = None) -> None:
    result = subprocess.run(argv, capture_output=True, text=True, timeout=120, check=False)
    if result.returncode != 0:
        server_log = log.read_text(errors="replace")[-2000:] if log and log.exists() else ""
        raise ClusterError(
            f"{what} failed ({result.returncode}): {result.stderr[-2000:]}\n{server_log}"
        )


@contextmanager
def throwaway_cluster(*settings: str) -> Iterator[str]:
    """Yield the libpq conninfo of a fresh cluster's `postgres` database on 127.0.0.1; remove it afterwards.

    Runs `initdb` and `pg_ctl` as the postgres user when run as root (pg_ctl refuses root). `settings` are
    extra `-c name=value` server options; durability is off (the data is thrown away).
    """
    for tool in ("initdb", "pg_ctl"):
        if not (PG_BIN / tool).exists():
            raise ClusterError(
                f"{PG_BIN / tool} is missing: apt-get install postgresql-15 or set VAS_PG_BIN"
            )
    prefix = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
    data_dir = Path(tempfile.mkdtemp(prefix="vas-bench-pg-"))
    if prefix:
        shutil.chown(data_dir, "postgres", "postgres")
    log = data_dir / "server.log"
    port = _free_port()
    options = " ".join(
        [f"-p {port} -k {data_dir} -c listen_addresses=127.0.0.1",
         "-c fsync=off -c synchronous_commit=off -c full_page_writes=off",
         *(f"-c {s}" for s in settings)]
    )  # fmt: skip
    started = False
    try:
        _run([*prefix, str(PG_BIN / "initdb"), "-D", str(data_dir), "-U", "postgres", "--auth=trust",
              "--encoding=UTF8", "--no-locale"], "initdb")  # fmt: skip
        _run([*prefix, str(PG_BIN / "pg_ctl"), "-D", str(data_dir), "-l", str(log), "-w", "-t", "60",
              "-o", options, "start"], "pg_ctl start", log)  # fmt: skip
        started = True
        yield f"host=127.0.0.1 port={port} user=postgres dbname=postgres"
    finally:
        if started:
            subprocess.run([*prefix, str(PG_BIN / "pg_ctl"), "-D", str(data_dir), "-m", "immediate",
                            "-w", "stop"], capture_output=True, timeout=60, check=False)  # fmt: skip
        shutil.rmtree(data_dir, ignore_errors=True)
