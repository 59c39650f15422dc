"""Cameras in the camera tree can be dragged onto the live wall, one by one or a group at once."""

from __future__ import annotations

from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from tests.helpers.fake_backend import FakeBackend
from vas_console.ui.camera_tree import CameraTreePanel
from vas_console.ui.live.dnd import CAMERA_MIME, CAMERAS_MIME, camera_id_from, camera_ids_from
from vas_console.ui.roster import CameraRoster


def _tree(qtbot: QtBot, fake_backend: FakeBackend) -> CameraTreePanel:
    """The camera tree over the backend's groups and cameras, as the main window shows it."""
    roster = CameraRoster()
    roster.set_groups(list(fake_backend.groups.values()))
    roster.put_cameras(list(fake_backend.cameras.values()))
    panel = CameraTreePanel(roster)
    qtbot.addWidget(panel)
    panel.refresh()
    return panel


def test_a_camera_row_drags_as_its_camera_id(qtbot: QtBot, fake_backend: FakeBackend) -> None:
    group = fake_backend.seed_group("Lobby")
    camera = fake_backend.seed_camera("Entrance", group=group)
    panel = _tree(qtbot, fake_backend)
    model = panel.model
    row = model.camera_row(camera.id)
    assert model.mimeTypes() == [CAMERA_MIME, CAMERAS_MIME]
    assert model.flags(row) & Qt.ItemFlag.ItemIsDragEnabled
    data = model.mimeData([row.siblingAtColumn(2)])
    assert camera_id_from(data) == camera.id
    assert camera_ids_from(data) == [camera.id]
    assert panel.view.dragEnabled()


def test_a_group_drags_its_cameras_in_the_trees_order_and_an_empty_one_not_at_all(
    qtbot: QtBot, fake_backend: FakeBackend
) -> None:
    group = fake_backend.seed_group("Parking")
    empty = fake_backend.seed_group("Roof")
    names = ["Level -2", "gate", "Level -1", "Barrier"]
    cameras = {name: fake_backend.seed_camera(name, group=group) for name in names}
    panel = _tree(qtbot, fake_backend)
    model = panel.model

    folder = model.group_row(group.id)
    assert model.flags(folder) & Qt.ItemFlag.ItemIsDragEnabled
    data = model.mimeData([folder.siblingAtColumn(1)])

    in_order = ["Barrier", "gate", "Level -1", "Level -2"]  # by name, case aside, as shown
    assert camera_ids_from(data) == [cameras[name].id for name in in_order]
    assert camera_id_from(data) == cameras["Barrier"].id  # a one-camera target takes the first
    assert not model.flags(model.group_row(empty.id)) & Qt.ItemFlag.ItemIsDragEnabled
