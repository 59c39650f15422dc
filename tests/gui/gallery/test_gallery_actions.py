"""Tests for the gallery's actions: delete (confirmation, multi-select, protected), protect, export,
open in playback and copy. Real: the widgets, the qasync loop, JPEG files; fake: the backend."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QMessageBox
from pytestqt.qtbot import QtBot

from backend_embed.api import Camera, ConflictError
from tests.gui.gallery.conftest import T0, GalleryFactory
from tests.gui.gallery.gallery_helpers import MIN, click_row, seed_mix, shown_ids
from tests.helpers.fake_backend import FakeBackend


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
