"""Fixtures for the bookmark widgets: cameras and bookmarks seeded in a FakeBackend (real widgets, real loop)."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import pytest
from pytestqt.qtbot import QtBot

from backend_embed.api import Bookmark, BookmarkDraft, Camera
from tests.helpers.fake_backend import FakeBackend
from vas_console.ui.bookmarks.bookmark_list import BookmarkList

T0 = 1_700_000_000_000


def seed_bookmark(
    backend: FakeBackend,
    camera: Camera,
    start_ms: int,
    name: str,
    *,
    seconds: int = 30,
    note: str = "",
    tags: tuple[str, ...] = (),
    locked: bool = False,
) -> Bookmark:
    """Store a bookmark without an event or a recorded call."""
    draft = BookmarkDraft(camera.id, start_ms, start_ms + seconds * 1000, name, note, tags, locked)
    bookmark = backend._bookmark_of(next(backend._ids), draft, start_ms)
    backend.bookmarks[bookmark.id] = bookmark
    return bookmark


@pytest.fixture
def cameras(fake_backend: FakeBackend) -> list[Camera]:
    return [fake_backend.seed_camera(name) for name in ("Entrance", "Gate", "Yard")]


@pytest.fixture
def bookmarks(fake_backend: FakeBackend, cameras: list[Camera]) -> list[Bookmark]:
    entrance, gate, yard = cameras
    return [
        seed_bookmark(fake_backend, gate, T0, "Van at the gate", tags=("vehicle",), locked=True),
        seed_bookmark(fake_backend, entrance, T0 + 60_000, "Delivery", note="parcel left outside"),
        seed_bookmark(fake_backend, yard, T0 + 120_000, "Fox", tags=("animal", "night")),
        seed_bookmark(fake_backend, gate, T0 + 180_000, "Gate left open", seconds=125),
    ]


@pytest.fixture
def bookmark_list(
    qtbot: QtBot,
    qt_loop: asyncio.AbstractEventLoop,
    fake_backend: FakeBackend,
    bookmarks: list[Bookmark],
) -> Iterator[BookmarkList]:
    """A shown BookmarkList that finished its first reload."""
    widget = BookmarkList(fake_backend)
    qtbot.addWidget(widget)
    widget.resize(800, 400)
    widget.show()
    widget.tasks.start(widget.reload(), name="reload")
    qtbot.waitUntil(lambda: widget.tasks.idle and len(widget.bookmarks) == len(bookmarks))
    yield widget
    widget.tasks.cancel_all()
    widget.editor.tasks.cancel_all()
