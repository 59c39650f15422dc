"""Tests for vas_console/ui/gallery: loading, filters by camera, date range and source, the empty state,
and reloads on backend events. Real: the widgets, the qasync loop, JPEG files; fake: the backend."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from pytestqt.qtbot import QtBot

from backend_embed.api import (
    Camera,
    CamerasChanged,
    DatabaseError,
    SnapshotFilter,
    SnapshotsChanged,
    SnapshotSource,
)
from tests.gui.gallery.conftest import T0, GalleryFactory
from tests.gui.gallery.gallery_helpers import MIN, last_filter, seed_mix, shown_ids
from tests.helpers.fake_backend import FakeBackend
from vas_console.ui.gallery.empty_state import NO_MATCH


def test_lists_every_snapshot_newest_first_with_a_count(
    make_gallery: GalleryFactory, fake_backend: FakeBackend, cameras: dict[str, Camera]
) -> None:
    ids = seed_mix(fake_backend, cameras)

    gallery = make_gallery()

    assert shown_ids(gallery) == [ids[k] for k in ("g_live", "e_rec", "y_live", "g_rec", "e_live")]
    assert gallery.count_label.text() == "5 snapshots"
    assert last_filter(fake_backend) == SnapshotFilter()
    assert gallery.stack.currentWidget() is gallery.list_view


def test_camera_filter_shows_only_the_checked_cameras(
    qtbot: QtBot,
    make_gallery: GalleryFactory,
    fake_backend: FakeBackend,
    cameras: dict[str, Camera],
) -> None:
    ids = seed_mix(fake_backend, cameras)
    gallery = make_gallery()
    actions = {a.text(): a for a in gallery.filter_bar.camera_actions()}
    assert list(actions) == ["Entrance", "Gate", "Yard"]

    with qtbot.waitSignal(gallery.reloaded):
        actions["Gate"].trigger()

    assert shown_ids(gallery) == [ids["g_live"], ids["g_rec"]]
    assert last_filter(fake_backend).camera_ids == {cameras["gate"].id}
    assert gallery.count_label.text() == "2 snapshots"
    assert gallery.filter_bar.camera_button.text().startswith("Gate")

    with qtbot.waitSignal(gallery.reloaded):
        actions["Yard"].trigger()

    assert set(shown_ids(gallery)) == {ids["g_live"], ids["g_rec"], ids["y_live"]}
    assert gallery.filter_bar.camera_button.text().startswith("2 cameras")


def test_date_range_filter_keeps_snapshots_inside_the_range(
    qtbot: QtBot,
    make_gallery: GalleryFactory,
    fake_backend: FakeBackend,
    cameras: dict[str, Camera],
) -> None:
    ids = seed_mix(fake_backend, cameras)
    gallery = make_gallery()

    with qtbot.waitSignal(gallery.reloaded):
        gallery.filter_bar.set_custom_range(T0 + 1 * MIN, T0 + 3 * MIN)

    assert gallery.filter_bar.from_edit.isVisible()
    assert shown_ids(gallery) == [ids["y_live"], ids["g_rec"]]
    used = last_filter(fake_backend)
    assert (used.start_ms, used.end_ms) == (T0 + 1 * MIN, T0 + 3 * MIN)


def test_source_filter_keeps_one_source(
    qtbot: QtBot,
    make_gallery: GalleryFactory,
    fake_backend: FakeBackend,
    cameras: dict[str, Camera],
) -> None:
    ids = seed_mix(fake_backend, cameras)
    gallery = make_gallery()

    with qtbot.waitSignal(gallery.reloaded):
        gallery.filter_bar.source_combo.setCurrentIndex(2)  # Recorded

    assert gallery.filter_bar.source_combo.currentText() == "Recorded"
    assert shown_ids(gallery) == [ids["e_rec"], ids["g_rec"]]
    assert last_filter(fake_backend).source is SnapshotSource.RECORDED


def test_filters_matching_nothing_say_so_and_clear_filters_shows_all_again(
    qtbot: QtBot,
    make_gallery: GalleryFactory,
    fake_backend: FakeBackend,
    cameras: dict[str, Camera],
) -> None:
    seed_mix(fake_backend, cameras)
    gallery = make_gallery()

    with qtbot.waitSignal(gallery.reloaded):
        gallery.filter_bar.set_custom_range(T0 - 10 * MIN, T0 - 5 * MIN)

    assert gallery.stack.currentWidget() is gallery.empty_state
    assert gallery.empty_state.label.text() == NO_MATCH
    assert gallery.count_label.text() == "0 snapshots"

    with qtbot.waitSignal(gallery.reloaded):
        QTest.mouseClick(gallery.empty_state.clear_button, Qt.MouseButton.LeftButton)

    assert gallery.model.rowCount() == 5
    assert last_filter(fake_backend) == SnapshotFilter()
    assert gallery.stack.currentWidget() is gallery.list_view


def test_an_empty_gallery_explains_how_to_take_snapshots(make_gallery: GalleryFactory) -> None:
    gallery = make_gallery()

    assert gallery.stack.currentWidget() is gallery.empty_state
    assert gallery.empty_state.label.text().startswith("No snapshots yet")
    assert not gallery.empty_state.clear_button.isVisibleTo(gallery)


def test_snapshots_changed_reloads_and_keeps_the_selection(
    qtbot: QtBot,
    make_gallery: GalleryFactory,
    fake_backend: FakeBackend,
    cameras: dict[str, Camera],
) -> None:
    ids = seed_mix(fake_backend, cameras)
    gallery = make_gallery()
    gallery.select_ids([ids["y_live"]])
    newer = fake_backend.seed_snapshot(cameras["yard"].id, T0 + 10 * MIN)

    with qtbot.waitSignal(gallery.reloaded):
        fake_backend.emit(SnapshotsChanged())

    assert shown_ids(gallery)[0] == newer.id
    assert gallery.count_label.text() == "6 snapshots · 1 selected"
    assert [s.id for s in gallery.selected_snapshots()] == [ids["y_live"]]


def test_cameras_changed_refreshes_the_camera_filter(
    qtbot: QtBot,
    make_gallery: GalleryFactory,
    fake_backend: FakeBackend,
    cameras: dict[str, Camera],
) -> None:
    gallery = make_gallery()
    added = fake_backend.seed_camera("Loading bay")

    fake_backend.emit(CamerasChanged((added,)))

    qtbot.waitUntil(lambda: len(gallery.filter_bar.camera_actions()) == 4)
    assert [a.text() for a in gallery.filter_bar.camera_actions()][2] == "Loading bay"


def test_a_failed_load_is_reported_and_the_next_reload_recovers(
    qtbot: QtBot,
    make_gallery: GalleryFactory,
    fake_backend: FakeBackend,
    cameras: dict[str, Camera],
) -> None:
    ids = seed_mix(fake_backend, cameras)
    gallery = make_gallery()
    fake_backend.failures["list_snapshots"] = DatabaseError("The database is locked.")

    with qtbot.waitSignal(gallery.notice) as notice:
        gallery.actions_.reload.trigger()

    assert notice.args == ["Snapshots could not be loaded: The database is locked."]
    assert gallery.count_label.text() == "Not loaded"
    with qtbot.waitSignal(gallery.reloaded):
        gallery.actions_.reload.trigger()
    assert shown_ids(gallery)[0] == ids["g_live"]


def test_the_camera_menu_stays_open_while_cameras_are_picked(
    qtbot: QtBot,
    make_gallery: GalleryFactory,
    fake_backend: FakeBackend,
    cameras: dict[str, Camera],
) -> None:
    seed_mix(fake_backend, cameras)
    gallery = make_gallery()
    menu = gallery.filter_bar.camera_menu
    menu.popup(gallery.mapToGlobal(gallery.rect().center()))
    qtbot.waitUntil(menu.isVisible)

    for name in ("Entrance", "Yard"):
        action = next(a for a in gallery.filter_bar.camera_actions() if a.text() == name)
        QTest.mouseClick(menu, Qt.MouseButton.LeftButton, pos=menu.actionGeometry(action).center())

    assert menu.isVisible()
    assert gallery.filter_bar.current_filter().camera_ids == {
        cameras["entrance"].id,
        cameras["yard"].id,
    }
    menu.close()
