"""Tests for the snapshot viewer (open, zoom, wheel, previous/next) and for the grid's virtualisation with
10,000 snapshots: only visible cells are painted and only their thumbnails decoded."""

from __future__ import annotations

from dataclasses import replace

import pytest
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QWheelEvent
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from backend_embed.api import Camera
from tests.gui.gallery.conftest import T0, GalleryFactory
from tests.helpers.fake_backend import FakeBackend
from vas_console.ui.gallery.gallery import SnapshotGallery
from vas_console.ui.gallery.snapshot_viewer import ZOOM_STEP, SnapshotViewer
from vas_console.ui.gallery.thumbnail_delegate import GRID

MANY = 10_000


def open_viewer(qtbot: QtBot, gallery: SnapshotGallery, snapshot_id: int) -> SnapshotViewer:
    gallery.select_ids([snapshot_id])
    gallery.list_view.setFocus()
    QTest.keyClick(gallery.list_view, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: gallery.viewer is not None and gallery.viewer.isVisible())
    assert gallery.viewer is not None
    return gallery.viewer


def wheel(widget: QApplication | object, steps: int) -> None:
    from PySide6.QtWidgets import QWidget

    assert isinstance(widget, QWidget)
    centre = QPointF(widget.rect().center())
    event = QWheelEvent(
        centre,
        QPointF(widget.mapToGlobal(centre.toPoint())),
        QPoint(),
        QPoint(0, 120 * steps),
        Qt.MouseButton.NoButton,
        Qt.KeyboardModifier.NoModifier,
        Qt.ScrollPhase.NoScrollPhase,
        False,
    )
    QApplication.sendEvent(widget, event)


def test_enter_opens_the_viewer_fitted_and_zoom_changes_the_scale(
    qtbot: QtBot,
    make_gallery: GalleryFactory,
    fake_backend: FakeBackend,
    cameras: dict[str, Camera],
) -> None:
    big = fake_backend.seed_snapshot(cameras["gate"].id, T0, size=(1920, 1080))
    gallery = make_gallery()

    viewer = open_viewer(qtbot, gallery, big.id)

    assert viewer.snapshot.id == big.id
    view_width = viewer.image_view.viewport().width()
    fitted = viewer.scale_factor
    assert fitted == pytest.approx(
        min(view_width / 1920, viewer.image_view.viewport().height() / 1080), rel=1e-3
    )
    assert viewer.zoom_label.text() == f"{fitted * 100:.0f} %"
    assert "Gate" in viewer.meta_label.text()
    assert "1920×1080" in viewer.meta_label.text()  # noqa: RUF001

    qtbot.mouseClick(viewer.zoom_in_button, Qt.MouseButton.LeftButton)  # type: ignore[no-untyped-call]
    assert viewer.scale_factor == pytest.approx(fitted * ZOOM_STEP)
    wheel(viewer.image_view.viewport(), 2)
    assert viewer.scale_factor == pytest.approx(fitted * ZOOM_STEP**3)
    wheel(viewer.image_view.viewport(), -1)
    assert viewer.scale_factor == pytest.approx(fitted * ZOOM_STEP**2)
    qtbot.mouseClick(viewer.actual_button, Qt.MouseButton.LeftButton)  # type: ignore[no-untyped-call]
    assert viewer.scale_factor == pytest.approx(1.0)
    assert viewer.image_view.horizontalScrollBar().maximum() > 0  # larger than the window: pannable
    qtbot.mouseClick(viewer.fit_button, Qt.MouseButton.LeftButton)  # type: ignore[no-untyped-call]
    assert viewer.scale_factor == pytest.approx(fitted)


def test_viewer_steps_through_snapshots_and_double_click_opens_it(
    qtbot: QtBot,
    make_gallery: GalleryFactory,
    fake_backend: FakeBackend,
    cameras: dict[str, Camera],
) -> None:
    older = fake_backend.seed_snapshot(cameras["gate"].id, T0)
    newer = fake_backend.seed_snapshot(cameras["yard"].id, T0 + 60_000)
    gallery = make_gallery()
    index = gallery.model.index(0)
    gallery.list_view.scrollTo(index)
    centre = gallery.list_view.visualRect(index).center()

    viewport = gallery.list_view.viewport()
    QTest.mouseClick(
        viewport, Qt.MouseButton.LeftButton, pos=centre
    )  # a double click's first press
    QTest.mouseDClick(viewport, Qt.MouseButton.LeftButton, pos=centre)
    qtbot.waitUntil(lambda: gallery.viewer is not None and gallery.viewer.isVisible())
    viewer = gallery.viewer
    assert viewer is not None

    assert viewer.snapshot.id == newer.id
    assert viewer.position_label.text() == "1 of 2"
    assert not viewer.previous_button.isEnabled()
    qtbot.waitUntil(viewer.isActiveWindow)
    QTest.keyClick(viewer, Qt.Key.Key_Right)
    qtbot.waitUntil(
        lambda: viewer.snapshot.id == older.id
    )  # a button's shortcut clicks after a flash
    assert viewer.position_label.text() == "2 of 2"
    assert not viewer.next_button.isEnabled()


def seed_many(backend: FakeBackend, camera: Camera, count: int) -> None:
    """`count` snapshots over eight real JPEGs (one per grey level), one second apart."""
    models = [
        backend.seed_snapshot(camera.id, T0 + i, size=(320, 180), luma=30 + 25 * i)
        for i in range(8)
    ]
    next_id = max(backend.snapshots) + 1
    for i in range(count - len(models)):
        model = models[i % len(models)]
        backend.snapshots[next_id + i] = replace(
            model, id=next_id + i, time_ms=T0 + 10_000 + i * 1000
        )


def visible_rows(gallery: SnapshotGallery) -> set[int]:
    view, area = gallery.list_view, gallery.list_view.viewport().rect()
    hits = (
        view.indexAt(QPoint(x, y)).row()
        for y in range(0, area.height(), 8)
        for x in range(0, area.width(), 16)
    )
    first = next(row for row in hits if row >= 0)
    rows = range(max(0, first - 20), min(gallery.model.rowCount(), first + 200))
    return {r for r in rows if view.visualRect(gallery.model.index(r)).intersects(area)}


@pytest.mark.slow
def test_ten_thousand_snapshots_paint_and_decode_only_what_is_visible(
    qtbot: QtBot,
    make_gallery: GalleryFactory,
    fake_backend: FakeBackend,
    cameras: dict[str, Camera],
) -> None:
    seed_many(fake_backend, cameras["entrance"], MANY)
    gallery = make_gallery()
    view, delegate, cache = gallery.list_view, gallery.delegate, gallery.cache

    assert gallery.model.rowCount() == MANY
    bar = view.verticalScrollBar()
    rows = -(-MANY // view.columns())
    # The grid lays cells out in batches (the window stays responsive): wait until all rows are placed.
    qtbot.waitUntil(lambda: bar.maximum() + view.viewport().height() >= (rows - 1) * GRID.height())
    assert gallery.count_label.text() == "10,000 snapshots"
    painted = set(delegate.painted_rows)  # everything painted while the layout settled
    delegate.reset_painted()
    view.viewport().repaint()
    on_screen = visible_rows(gallery)
    assert 8 <= len(on_screen) < 60
    assert delegate.painted_rows == on_screen
    qtbot.waitUntil(lambda: all(cache.known(gallery.model.snapshot_at(r).id) for r in on_screen))
    assert len(cache.decoded_ids) < 2 * len(on_screen)
    for _ in range(12):  # twelve pages down, as PageDown would
        delegate.reset_painted()
        bar.setValue(bar.value() + bar.pageStep())
        qtbot.waitUntil(lambda: bool(delegate.painted_rows))
        assert delegate.painted_rows <= visible_rows(gallery)
        painted |= delegate.painted_rows
    delegate.reset_painted()
    view.scrollToBottom()
    qtbot.waitUntil(lambda: MANY - 1 in delegate.painted_rows)
    last_screen = visible_rows(gallery)
    assert delegate.painted_rows <= last_screen
    painted |= delegate.painted_rows
    qtbot.waitUntil(lambda: all(cache.known(gallery.model.snapshot_at(r).id) for r in last_screen))

    # Only thumbnails of cells that were on screen were decoded, each once: a few hundred of 10,000.
    decoded = cache.decoded_ids
    assert set(decoded) <= {gallery.model.snapshot_at(r).id for r in painted}
    assert len(set(decoded)) == len(decoded)
    assert len(decoded) < 300


def test_thumbnails_are_decoded_once_and_reused_on_repaint(
    qtbot: QtBot,
    make_gallery: GalleryFactory,
    fake_backend: FakeBackend,
    cameras: dict[str, Camera],
) -> None:
    for i in range(6):
        fake_backend.seed_snapshot(cameras["gate"].id, T0 + i, luma=40 + 30 * i)
    gallery = make_gallery()
    ids = {s.id for s in gallery.model.snapshots()}
    qtbot.waitUntil(lambda: set(gallery.cache.decoded_ids) == ids)

    for _ in range(3):
        gallery.delegate.reset_painted()
        gallery.list_view.viewport().repaint()
        assert gallery.delegate.painted_rows == set(range(6))

    assert sorted(gallery.cache.decoded_ids) == sorted(ids)
