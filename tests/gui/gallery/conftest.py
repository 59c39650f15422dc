"""Fixtures for the snapshot gallery: a shown gallery over a FakeBackend with three cameras."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from backend_embed.api import Camera
from tests.helpers.fake_backend import FakeBackend
from vas_console.ui.gallery.gallery import SnapshotGallery

GalleryFactory = Callable[[], SnapshotGallery]
T0 = 1_763_700_000_000  # 2025-11-21 04:40 UTC


@pytest.fixture
def cameras(fake_backend: FakeBackend) -> dict[str, Camera]:
    return {name: fake_backend.seed_camera(name.title()) for name in ("entrance", "gate", "yard")}


@pytest.fixture
def folders() -> list[Path]:
    """Folders the fake folder dialog will answer, in order (none left: the dialog is cancelled)."""
    return []


@pytest.fixture
def make_gallery(
    qtbot: QtBot, qt_loop: asyncio.AbstractEventLoop, fake_backend: FakeBackend, folders: list[Path]
) -> GalleryFactory:
    """Builds a shown 1000x700 gallery subscribed to the fake's events, and waits for its first load."""

    def choose_folder(_parent: object, on_chosen: Callable[[Path], None]) -> None:
        if folders:
            on_chosen(folders.pop(0))

    def make() -> SnapshotGallery:
        gallery = SnapshotGallery(fake_backend, choose_folder=choose_folder)
        qtbot.addWidget(gallery, before_close_func=lambda g: g.close_gallery())
        fake_backend.subscribe(gallery.handle_event)
        gallery.resize(1000, 700)
        gallery.show()
        with qtbot.waitSignal(gallery.reloaded, timeout=5000):
            gallery.tasks.start(gallery.reload(), name="test reload")
        return gallery

    return make
