"""Coverage benchmark: the timeline's day view of 16 cameras over a month of recordings, SQLite and PostgreSQL.

Run from the repository root:  .venv/bin/python bench/coverage_query.py [--quick] [--days N] [--runs N]
Fills a migrated SQLite file and a throwaway PostgreSQL 15 cluster with synthetic segment rows laid out as the
recorder writes them (4 s segments, a few gaps per camera and day) plus their runs, then times
`SegmentRepository.coverage_many` for one day of every camera through the production async engine.
The last line is machine-readable:
    RESULT name=coverage_query sqlite_ms=<median> postgres_ms=<median>
"""

from __future__ import annotations

import argparse
import asyncio
import random
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import psycopg  # noqa: E402

from backend_embed.api.dto import StreamRole  # noqa: E402
from backend_embed.db.engine import Database  # noqa: E402
from backend_embed.db.migrate import upgrade_to_head  # noqa: E402
from backend_embed.ffmpeg.command import DEFAULT_SEGMENT_S  # noqa: E402
from backend_embed.recording.runs import CONTINUITY_TOLERANCE_MS, RUN_MAX_MS  # noqa: E402
from backend_embed.recording.segments import SegmentRepository  # noqa: E402
from bench._pg import throwaway_cluster  # noqa: E402

GOAL_MS = 50
CAMERAS = 16
GAPS_PER_DAY = 3
DAY_MS = 86_400_000
FIRST_DAY = datetime(2026, 10, 1, tzinfo=UTC)
SEGMENT_COLUMNS = (
    "camera_id",
    "stream",
    "start_ms",
    "end_ms",
    "duration_ms",
    "size_bytes",
    "path",
    "discontinuity",
)
RUN_COLUMNS = ("camera_id", "stream", "start_ms", "end_ms", "segment_count", "size_bytes")
Row = tuple[int, str, int, int, int, int, str, bool]
#: HHMMSS of every second of a day: formatting a time per row is most of the generation cost
_HMS = [f"{s // 3600:02}{s // 60 % 60:02}{s % 60:02}" for s in range(86_400)]
RunRow = tuple[int, str, int, int, int, int]


@dataclass(frozen=True, slots=True)
class Fill:
    """What was loaded and how long it took."""

    segments: int
    runs: int
    load_s: float
    index_s: float


def camera_segments(camera_id: int, days: int, runs: list[RunRow]) -> Iterator[Row]:
    """One camera's segments over `days` (4 s each, three gaps of 10 s to 10 min a day); appends its runs.

    The run rule is the index's own (`backend_embed.recording.runs`), applied inline for speed.
    """
    rng = random.Random(camera_id)
    segment_ms = DEFAULT_SEGMENT_S * 1000
    first_ms = int(FIRST_DAY.timestamp() * 1000)
    prefixes = [
        f"{camera_id}/{day:%Y-%m-%d}/main-{day:%Y%m%d}T"
        for day in (FIRST_DAY + timedelta(days=d) for d in range(days + 1))
    ]
    gaps = sorted(
        (first_ms + d * DAY_MS + rng.randrange(DAY_MS), rng.randrange(10_000, 600_000))
        for d in range(days) for _ in range(GAPS_PER_DAY)
    )  # fmt: skip
    gaps.append((2**62, 0))
    t, end_all, gap = first_ms + rng.randrange(segment_ms), first_ms + days * DAY_MS, 0
    run_start = run_end = count = total = 0
    while t < end_all:
        if t >= gaps[gap][0]:
            t += gaps[gap][1]
            gap += 1
            continue
        end = t + segment_ms
        size = 900_000 + (t // segment_ms * 7919) % 200_000  # about 2 Mbit/s
        follows = count > 0 and abs(t - run_end) <= CONTINUITY_TOLERANCE_MS
        if follows and end - run_start <= RUN_MAX_MS:
            run_end, count, total, discontinuity = end, count + 1, total + size, False
        else:
            if count:
                runs.append((camera_id, "main", run_start, run_end, count, total))
            run_start, run_end, count, total, discontinuity = t, end, 1, size, not follows
        path = f"{prefixes[(t - first_ms) // DAY_MS]}{_HMS[t // 1000 % 86_400]}Z-{t}000.ts"
        yield (camera_id, "main", t, end, segment_ms, size, path, discontinuity)
        t = end
    runs.append((camera_id, "main", run_start, run_end, count, total))


def all_segments(days: int, runs: list[RunRow]) -> Iterator[Row]:
    for camera_id in range(1, CAMERAS + 1):
        yield from camera_segments(camera_id, days, runs)


_CAMERA_INSERT = (
    "INSERT INTO cameras (id, name, main_url, username, tags, location, enabled, record_enabled,"
    " record_stream, created_at, updated_at) VALUES ({id}, 'Camera {id}', 'rtsp://10.0.0.{id}/main', '',"
    " '[]', '', true, true, 'main', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"
)


def fill_sqlite(path: Path, days: int) -> Fill:
    """executemany in one transaction, with the segment indexes dropped during the load and rebuilt after."""
    upgrade_to_head(f"sqlite:///{path}")
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        # a throwaway file: no journal during the load (the migration left it in WAL mode)
        conn.execute("PRAGMA journal_mode = OFF")
        conn.execute("PRAGMA synchronous = OFF")
        conn.execute("PRAGMA cache_size = -262144")
        indexes = conn.execute(
            "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'recording_segments'"
            " AND sql IS NOT NULL"
        ).fetchall()
        started = time.perf_counter()
        conn.execute("BEGIN")
        for name, _sql in indexes:
            conn.execute(f'DROP INDEX "{name}"')
        for camera_id in range(1, CAMERAS + 1):
            conn.execute(_CAMERA_INSERT.format(id=camera_id))
        runs: list[RunRow] = []
        marks = ", ".join("?" * len(SEGMENT_COLUMNS))
        cursor = conn.executemany(
            f"INSERT INTO recording_segments ({', '.join(SEGMENT_COLUMNS)}) VALUES ({marks})",
            all_segments(days, runs),
        )
        segments = cursor.rowcount
        conn.executemany(
            f"INSERT INTO recording_runs ({', '.join(RUN_COLUMNS)}) VALUES ({', '.join('?' * len(RUN_COLUMNS))})",
            runs,
        )
        loaded = time.perf_counter()
        for _name, sql in indexes:
            conn.execute(sql)
        conn.execute("COMMIT")
        conn.execute("ANALYZE")
        conn.execute("PRAGMA journal_mode = WAL")
        return Fill(segments, len(runs), loaded - started, time.perf_counter() - loaded)
    finally:
        conn.close()


def fill_postgres(conninfo: str, url: str, days: int) -> Fill:
    """COPY, with the segment table's indexes, unique and foreign keys dropped during the load and rebuilt."""
    upgrade_to_head(url)
    with psycopg.connect(conninfo) as conn:
        saved = conn.execute(
            "SELECT indexdef FROM pg_indexes WHERE tablename = 'recording_segments'"
            " AND indexname NOT IN (SELECT conname FROM pg_constraint)"
        ).fetchall()
        constraints = conn.execute(
            "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint"
            " WHERE conrelid = 'recording_segments'::regclass AND contype IN ('u', 'f')"
        ).fetchall()
        started = time.perf_counter()
        for name, _definition in constraints:
            conn.execute(f'ALTER TABLE recording_segments DROP CONSTRAINT "{name}"')
        for (definition,) in saved:
            conn.execute(f"DROP INDEX {definition.split(' ON ')[0].split()[-1]}")
        for camera_id in range(1, CAMERAS + 1):
            conn.execute(_CAMERA_INSERT.format(id=camera_id))
        runs: list[RunRow] = []
        with conn.cursor().copy(
            f"COPY recording_segments ({', '.join(SEGMENT_COLUMNS)}) FROM STDIN"
        ) as copy:
            segments = 0
            for row in all_segments(days, runs):
                copy.write_row(row)
                segments += 1
        with conn.cursor().copy(
            f"COPY recording_runs ({', '.join(RUN_COLUMNS)}) FROM STDIN"
        ) as copy:
            for run in runs:
                copy.write_row(run)
        loaded = time.perf_counter()
        conn.execute("SET maintenance_work_mem = '512MB'")
        for (definition,) in saved:
            conn.execute(definition)
        for name, definition in constraints:
            conn.execute(f'ALTER TABLE recording_segments ADD CONSTRAINT "{name}" {definition}')
        conn.commit()
        conn.autocommit = True
        conn.execute("VACUUM ANALYZE")
        return Fill(segments, len(runs), loaded - started, time.perf_counter() - loaded)


def _copy_text(rows: Iterator[Row], chunk_rows: int = 20_000) -> Iterator[tuple[str, int]]:
    """COPY text format in chunks (faster than a write_row call per row): (text, rows in it)."""
    lines: list[str] = []
    for camera_id, stream, start, end, duration, size, path, flag in rows:
        lines.append(
            f"{camera_id}\t{stream}\t{start}\t{end}\t{duration}\t{size}\t{path}\t{'t' if flag else 'f'}\n"
        )
        if len(lines) == chunk_rows:
            yield "".join(lines), len(lines)
            lines = []
    if lines:
        yield "".join(lines), len(lines)


async def time_day_view(url: str, day: int, runs: int) -> tuple[list[float], int]:
    """Milliseconds of `coverage_many` for every camera over one day, `runs` times after a warm-up."""
    db = await Database.open(url)
    try:
        repo = SegmentRepository(db)
        start = int((FIRST_DAY + timedelta(days=day)).timestamp() * 1000)
        cameras = list(range(1, CAMERAS + 1))
        samples = []
        for i in range(runs + 3):
            began = time.perf_counter()
            found = await repo.coverage_many(cameras, StreamRole.MAIN, start, start + DAY_MS)
            if i >= 3:
                samples.append((time.perf_counter() - began) * 1000)
        gaps = sum(len(c.gaps) for c in found)
        return samples, gaps
    finally:
        await db.dispose()


def _summary(name: str, fill: Fill, samples: list[float], gaps: int) -> float:
    median = statistics.median(samples)
    print(
        f"{name}: filled {fill.segments:,} segments and {fill.runs:,} runs in {fill.load_s:.1f} s"
        f" + {fill.index_s:.1f} s indexes; day view of {CAMERAS} cameras ({gaps} gaps):"
        f" median {median:.2f} ms, min {min(samples):.2f}, max {max(samples):.2f} ({len(samples)} runs)"
    )
    return median


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--quick", action="store_true", help="3 days instead of 30")
    parser.add_argument("--days", type=int, help="days of recordings per camera (default 30)")
    parser.add_argument("--runs", type=int, default=20, help="timed queries per backend")
    args = parser.parse_args(argv)
    days = args.days or (3 if args.quick else 30)
    day = days // 2
    print(
        f"{CAMERAS} cameras x {days} days of {DEFAULT_SEGMENT_S} s segments; day view of day {day}"
    )
    with tempfile.TemporaryDirectory(prefix="vas-bench-cov-") as tmp:
        sqlite_file = Path(tmp) / "coverage.db"
        fill = fill_sqlite(sqlite_file, days)
        samples, gaps = asyncio.run(
            time_day_view(f"sqlite+aiosqlite:///{sqlite_file}", day, args.runs)
        )
        sqlite_ms = _summary("sqlite", fill, samples, gaps)
    with throwaway_cluster("shared_buffers=256MB") as conninfo:
        port = conninfo.split("port=")[1].split()[0]
        url = f"postgresql+psycopg://postgres@127.0.0.1:{port}/postgres"
        fill = fill_postgres(conninfo, url, days)
        samples, gaps = asyncio.run(time_day_view(url, day, args.runs))
        postgres_ms = _summary("postgresql", fill, samples, gaps)
    verdict = "meets" if max(sqlite_ms, postgres_ms) <= GOAL_MS else "MISSES"
    print(f"goal: <= {GOAL_MS} ms on each backend: {verdict}")
    print(f"RESULT name=coverage_query sqlite_ms={sqlite_ms:.2f} postgres_ms={postgres_ms:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
