"""Schema design rules the models must keep (pure: metadata only, no database)."""

from __future__ import annotations

from backend_embed.db.models import Base, RecordingSegmentRow

TABLES = Base.metadata.tables


def test_every_table_of_the_design_exists() -> None:
    assert set(TABLES) == {
        "cameras",
        "camera_groups",
        "recording_segments",
        "recording_runs",
        "protected_ranges",
        "snapshots",
        "bookmarks",
        "events",
        "users",
        "audit_log",
    }


def test_timeline_queries_are_served_by_one_index_on_camera_stream_start_end() -> None:
    indexes = {
        ix.name: [c.name for c in ix.columns] for ix in RecordingSegmentRow.__table__.indexes
    }
    assert indexes["ix_recording_segments_timeline"] == [
        "camera_id",
        "stream",
        "start_ms",
        "end_ms",
    ]


def test_every_foreign_key_says_what_happens_on_delete() -> None:
    missing = [
        f"{fk.parent.table.name}.{fk.parent.name}"
        for table in TABLES.values()
        for fk in table.foreign_keys
        if fk.ondelete not in ("CASCADE", "SET NULL")
    ]
    assert missing == []


def test_nullable_foreign_keys_are_set_null_or_scoped_to_all_cameras() -> None:
    # A NOT NULL reference cannot be SET NULL; protected_ranges.camera_id NULL means "every camera".
    wrong = [
        f"{fk.parent.table.name}.{fk.parent.name}"
        for table in TABLES.values()
        for fk in table.foreign_keys
        if fk.ondelete == "SET NULL" and not fk.parent.nullable
    ]
    assert wrong == []


def test_every_constraint_and_index_has_a_deterministic_name() -> None:
    unnamed = [
        f"{table.name}: {type(item).__name__}"
        for table in TABLES.values()
        for item in (*table.constraints, *table.indexes)
        if not item.name or "%(" in str(item.name)
    ]
    assert unnamed == []


def test_timestamps_are_timezone_aware() -> None:
    naive = [
        f"{table.name}.{column.name}"
        for table in TABLES.values()
        for column in table.columns
        if column.type.python_type.__name__ == "datetime" and not column.type.timezone  # type: ignore[attr-defined]
    ]
    assert naive == []
