"""Helpers shared by the gallery tests: a mix of seeded snapshots, clicking a cell, what the grid shows."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from pytestqt.qtbot import QtBot

from backend_embed.api import Camera, SnapshotFilter, SnapshotSource
from tests.gui.gallery.conftest import T0
from tests.helpers.fake_backend import FakeBackend
from vas_console.ui.gallery.gallery import SnapshotGallery

MIN = 60_000


def shown_ids(gallery: SnapshotGallery) -> list[int]:
    return [s.id for s in gallery.model.snapshots()]


def last_filter(backend: FakeBackend) -> SnapshotFilter:
    snapshot_filter = backend.calls_to("list_snapshots")[-1].args[0]
    assert isinstance(snapshot_filter, SnapshotFilter)
    return snapshot_filter


def seed_mix(backend: FakeBackend, cameras: dict[str, Camera]) -> dict[str, int]:
    """Five snapshots a minute apart: entrance live, gate recorded, yard live, entrance recorded, gate live."""
    plan = [
        ("e_live", "entrance", SnapshotSource.LIVE),
        ("g_rec", "gate", SnapshotSource.RECORDED),
        ("y_live", "yard", SnapshotSource.LIVE),
        ("e_rec", "entrance", SnapshotSource.RECORDED),
        ("g_live", "gate", SnapshotSource.LIVE),
    ]
    return {
        key: backend.seed_snapshot(cameras[camera].id, T0 + i * MIN, source=source).id
        for i, (key, camera, source) in enumerate(plan)
    }


def click_row(
    qtbot: QtBot, gallery: SnapshotGallery, snapshot_id: int, *, ctrl: bool = False
) -> None:
    row = gallery.model.row_of(snapshot_id)
    assert row is not None
    view = gallery.list_view
    view.scrollTo(gallery.model.index(row))
    centre = view.visualRect(gallery.model.index(row)).center()
    modifier = Qt.KeyboardModifier.ControlModifier if ctrl else Qt.KeyboardModifier.NoModifier
    QTest.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, modifier, centre)
