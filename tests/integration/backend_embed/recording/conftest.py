"""Fixtures for the recording index tests: real cameras in a real database (SQLite, then PostgreSQL)."""

from __future__ import annotations

import pytest_asyncio

from backend_embed.db.engine import Database
from backend_embed.db.records import CameraValues
from backend_embed.db.repositories import CameraRepository
from backend_embed.recording.segments import SegmentRepository


@pytest_asyncio.fixture
async def camera_ids(database: Database) -> list[int]:
    """Three real camera rows (segments reference them), in insertion order."""
    cameras = CameraRepository(database)
    ids = []
    for name in ("Gate", "Yard", "Dock"):
        values = CameraValues(
            name=name, main_url=f"rtsp://127.0.0.1/{name}", sub_url=None, username="",
            password_encrypted=None,
        )  # fmt: skip
        ids.append((await cameras.add(values)).id)
    return ids


@pytest_asyncio.fixture
async def segments(database: Database) -> SegmentRepository:
    """The segment index on the test's database."""
    return SegmentRepository(database)
