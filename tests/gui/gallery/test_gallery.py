"""Tests for vas_console/ui/gallery: loading, filters, empty state, events, delete, protect, export, copy,
open in playback. Real: the widgets, the qasync loop, JPEG files; fake: the backend (FakeBackend)."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QMessageBox
from pytestqt.qtbot import QtBot

from backend_embed.api import (
    Camera,
    CamerasChanged,
    ConflictError,
    SnapshotFilter,
    SnapshotsChanged,
    SnapshotSource,
)
from tests.gui.gallery.conftest import T0, GalleryFactory
from tests.helpers.fake_backend import FakeBackend
from vas_console.ui.gallery.empty_state import NO_MATCH
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


def test_delete_key_asks_and_deletes_when_confirmed(
    qtbot: QtBot,
    make_gallery: GalleryFactory,
    fake_backend: FakeBackend,
    cameras: dict[str, Camera],
) -> None:
    ids = seed_mix(fake_backend, cameras)
    gallery = make_gallery()
    click_row(qtbot, gallery, ids["g_rec"])
    gallery.list_view.setFocus()

    QTest.keyClick(gallery.list_view, Qt.Key.Key_Delete)

    box = gallery.findChild(QMessageBox, "confirmBox")
    assert box is not None
    assert box.isVisible()
    assert "Delete this snapshot?" in box.text()
    assert fake_backend.calls_to("delete_snapshots") == []
    delete = next(b for b in box.buttons() if b.text() == "Delete")
    with qtbot.waitSignal(gallery.notice) as notice:
        QTest.mouseClick(delete, Qt.MouseButton.LeftButton)
    assert notice.args == ["1 snapshot deleted"]
    qtbot.waitUntil(lambda: gallery.model.rowCount() == 4)
    assert ids["g_rec"] not in shown_ids(gallery)
    assert ids["g_rec"] not in fake_backend.snapshots


def test_cancelling_the_confirmation_deletes_nothing(
    qtbot: QtBot,
    make_gallery: GalleryFactory,
    fake_backend: FakeBackend,
    cameras: dict[str, Camera],
) -> None:
    ids = seed_mix(fake_backend, cameras)
    gallery = make_gallery()
    gallery.select_ids([ids["e_live"]])

    gallery.actions_.delete.trigger()
    box = gallery.findChild(QMessageBox, "confirmBox")
    assert box is not None
    QTest.mouseClick(box.button(QMessageBox.StandardButton.Cancel), Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: gallery.findChild(QMessageBox, "confirmBox") is None)
    qtbot.wait(50)

    assert fake_backend.calls_to("delete_snapshots") == []
    assert gallery.model.rowCount() == 5


def test_multi_select_deletes_exactly_the_selection(
    qtbot: QtBot,
    make_gallery: GalleryFactory,
    fake_backend: FakeBackend,
    cameras: dict[str, Camera],
) -> None:
    ids = seed_mix(fake_backend, cameras)
    gallery = make_gallery()
    click_row(qtbot, gallery, ids["g_live"])
    click_row(qtbot, gallery, ids["y_live"], ctrl=True)
    click_row(qtbot, gallery, ids["e_live"], ctrl=True)
    assert gallery.count_label.text() == "5 snapshots · 3 selected"
    assert gallery.actions_.delete.text() == "Delete 3…"

    gallery.actions_.delete.trigger()
    box = gallery.findChild(QMessageBox, "confirmBox")
    assert box is not None
    assert "these 3 snapshots" in box.text()
    delete = next(b for b in box.buttons() if b.text() == "Delete")
    QTest.mouseClick(delete, Qt.MouseButton.LeftButton)

    qtbot.waitUntil(lambda: gallery.model.rowCount() == 2)
    deleted = fake_backend.calls_to("delete_snapshots")[0].args[0]
    assert sorted(deleted) == sorted([ids["g_live"], ids["y_live"], ids["e_live"]])
    assert shown_ids(gallery) == [ids["e_rec"], ids["g_rec"]]


def test_a_protected_snapshot_is_not_deleted_and_the_operator_is_told(
    qtbot: QtBot,
    make_gallery: GalleryFactory,
    fake_backend: FakeBackend,
    cameras: dict[str, Camera],
) -> None:
    kept = fake_backend.seed_snapshot(cameras["gate"].id, T0, protected=True)
    other = fake_backend.seed_snapshot(cameras["gate"].id, T0 + MIN)
    gallery = make_gallery()
    gallery.select_ids([kept.id, other.id])

    with qtbot.waitSignal(gallery.notice) as notice:
        gallery.actions_.delete.trigger()

    assert notice.args == [
        "Nothing was deleted: 1 of the 2 selected are protected. Unprotect before deleting."
    ]
    assert gallery.findChild(QMessageBox, "confirmBox") is None
    assert fake_backend.calls_to("delete_snapshots") == []
    assert set(fake_backend.snapshots) == {kept.id, other.id}


def test_a_conflict_from_the_backend_deletes_nothing_and_says_why(
    qtbot: QtBot,
    make_gallery: GalleryFactory,
    fake_backend: FakeBackend,
    cameras: dict[str, Camera],
) -> None:
    ids = seed_mix(fake_backend, cameras)
    gallery = make_gallery()
    gallery.select_ids([ids["e_live"]])
    fake_backend.failures["delete_snapshots"] = ConflictError("Snapshot 1 was protected meanwhile.")

    gallery.actions_.delete.trigger()
    box = gallery.findChild(QMessageBox, "confirmBox")
    assert box is not None
    with qtbot.waitSignal(gallery.notice) as notice:
        QTest.mouseClick(
            next(b for b in box.buttons() if b.text() == "Delete"), Qt.MouseButton.LeftButton
        )

    assert notice.args == ["Nothing was deleted: Snapshot 1 was protected meanwhile."]
    assert gallery.model.rowCount() == 5
    assert len(fake_backend.snapshots) == 5


def test_protect_then_unprotect_the_selection(
    qtbot: QtBot,
    make_gallery: GalleryFactory,
    fake_backend: FakeBackend,
    cameras: dict[str, Camera],
) -> None:
    ids = seed_mix(fake_backend, cameras)
    gallery = make_gallery()
    chosen = [ids["e_live"], ids["g_rec"]]
    gallery.select_ids(chosen)
    assert gallery.actions_.protect.text() == "Protect"

    with qtbot.waitSignal(gallery.reloaded):
        gallery.actions_.protect.trigger()

    assert all(fake_backend.snapshots[i].protected for i in chosen)
    assert not fake_backend.snapshots[ids["y_live"]].protected
    assert gallery.actions_.protect.text() == "Unprotect"
    with qtbot.waitSignal(gallery.reloaded):
        gallery.actions_.protect.trigger()
    assert not any(s.protected for s in fake_backend.snapshots.values())


def test_export_selected_copies_the_jpegs_into_the_chosen_folder(
    qtbot: QtBot,
    make_gallery: GalleryFactory,
    fake_backend: FakeBackend,
    cameras: dict[str, Camera],
    folders: list[Path],
    tmp_path: Path,
) -> None:
    ids = seed_mix(fake_backend, cameras)
    gallery = make_gallery()
    gallery.select_ids([ids["e_live"], ids["y_live"]])
    folders.append(tmp_path / "out")

    with qtbot.waitSignal(gallery.notice) as notice:
        gallery.actions_.export.trigger()

    assert notice.args == [f"2 snapshots exported to {tmp_path / 'out'}"]
    call = fake_backend.calls_to("export_snapshots")[0]
    assert sorted(call.args[0]) == sorted([ids["e_live"], ids["y_live"]])
    assert sorted(p.name for p in (tmp_path / "out").glob("*.jpg")) == sorted(
        f"{i}.jpg" for i in (ids["e_live"], ids["y_live"])
    )


def test_export_cancelled_in_the_folder_dialog_exports_nothing(
    qtbot: QtBot,
    make_gallery: GalleryFactory,
    fake_backend: FakeBackend,
    cameras: dict[str, Camera],
) -> None:
    ids = seed_mix(fake_backend, cameras)
    gallery = make_gallery()
    gallery.select_ids([ids["e_live"]])

    gallery.actions_.export.trigger()  # no folder scripted: the dialog is cancelled
    qtbot.wait(50)

    assert fake_backend.calls_to("export_snapshots") == []


def test_open_in_playback_emits_the_snapshots_camera_and_time(
    qtbot: QtBot,
    make_gallery: GalleryFactory,
    fake_backend: FakeBackend,
    cameras: dict[str, Camera],
) -> None:
    ids = seed_mix(fake_backend, cameras)
    gallery = make_gallery()
    click_row(qtbot, gallery, ids["g_rec"])

    with qtbot.waitSignal(gallery.open_in_playback) as opened:
        gallery.actions_.playback.trigger()

    assert opened.args == [cameras["gate"].id, T0 + 1 * MIN]


def test_open_in_playback_is_disabled_for_a_removed_camera(
    make_gallery: GalleryFactory, fake_backend: FakeBackend
) -> None:
    orphan = fake_backend.seed_snapshot(None, T0, camera_name="Old lobby")
    gallery = make_gallery()

    gallery.select_ids([orphan.id])

    assert not gallery.actions_.playback.isEnabled()
    assert gallery.actions_.view.isEnabled()


def test_ctrl_c_copies_the_full_size_image(
    qtbot: QtBot,
    make_gallery: GalleryFactory,
    fake_backend: FakeBackend,
    cameras: dict[str, Camera],
) -> None:
    fake_backend.seed_snapshot(cameras["gate"].id, T0, size=(320, 180))
    big = fake_backend.seed_snapshot(cameras["yard"].id, T0 + MIN, size=(640, 360), luma=200)
    gallery = make_gallery()
    click_row(qtbot, gallery, big.id)
    QGuiApplication.clipboard().clear()

    with qtbot.waitSignal(gallery.notice):
        QTest.keyClick(gallery.list_view, Qt.Key.Key_C, Qt.KeyboardModifier.ControlModifier)

    image = QGuiApplication.clipboard().image()
    assert (image.width(), image.height()) == (640, 360)
    assert abs(image.pixelColor(QPoint(320, 180)).lightness() - 200) < 12
