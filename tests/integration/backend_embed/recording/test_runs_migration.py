"""Migration 0002 fills recording_runs from segments indexed before it, on SQLite and PostgreSQL."""

from __future__ import annotations

from sqlalchemy import create_engine, text

from backend_embed.db.connect import sync_url
from backend_embed.db.migrate import upgrade_to


def test_upgrade_builds_runs_from_existing_segments(db_url: str) -> None:
    upgrade_to(db_url, "0001")
    engine = create_engine(sync_url(db_url))
    rows = [  # camera 1 main: 0-2, 2-4, gap, 10-12; camera 1 sub: 0-2
        ("main", 0, 2000, "a", False), ("main", 2000, 4000, "b", False),
        ("main", 10000, 12000, "c", False), ("sub", 0, 2000, "d", False),
    ]  # fmt: skip
    try:
        with engine.begin() as conn:
            conn.execute(
                text(
                    "INSERT INTO cameras (id, name, main_url, username, tags, location, enabled,"
                    " record_enabled, record_stream, created_at, updated_at) VALUES (1, 'Gate',"
                    " 'rtsp://x', '', '[]', '', true, true, 'main', CURRENT_TIMESTAMP,"
                    " CURRENT_TIMESTAMP)"
                )
            )
            for stream, start, end, path, flag in rows:
                conn.execute(
                    text(
                        "INSERT INTO recording_segments (camera_id, stream, start_ms, end_ms,"
                        " duration_ms, size_bytes, path, discontinuity)"
                        " VALUES (1, :s, :a, :b, :d, 10, :p, :f)"
                    ),
                    {"s": stream, "a": start, "b": end, "d": end - start, "p": path, "f": flag},
                )
        upgrade_to(db_url, "0002")
        with engine.connect() as conn:
            runs = conn.execute(
                text(
                    "SELECT stream, start_ms, end_ms, segment_count, size_bytes FROM recording_runs"
                    " ORDER BY stream, start_ms"
                )
            ).all()
    finally:
        engine.dispose()
    assert [tuple(r) for r in runs] == [
        ("main", 0, 4000, 2, 20), ("main", 10000, 12000, 1, 10), ("sub", 0, 2000, 1, 10),
    ]  # fmt: skip
