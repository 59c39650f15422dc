"""Cameras in the camera tree can be dragged onto the live wall; group folders cannot."""

from __future__ import annotations

from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from tests.helpers.fake_backend import FakeBackend
from vas_console.ui.camera_tree import CameraTreePanel
from vas_console.ui.live.dnd import CAMERA_MIME, camera_id_from
from vas_console.ui.roster import CameraRoster


def test_a_camera_row_drags_as_its_camera_id(qtbot: QtBot, fake_backend: FakeBackend) -> None:
    group = fake_backend.seed_group("Lobby")
    camera = fake_backend.seed_camera("Entrance", group=group)
    roster = CameraRoster()
    roster.set_groups(list(fake_backend.groups.values()))
    roster.put_cameras(list(fake_backend.cameras.values()))
    panel = CameraTreePanel(roster)
    qtbot.addWidget(panel)
    panel.refresh()
    model = panel.model
    row = model.camera_row(camera.id)
    assert model.mimeTypes() == [CAMERA_MIME]
    assert model.flags(row) & Qt.ItemFlag.ItemIsDragEnabled
    data = model.mimeData([row.siblingAtColumn(2)])
    assert camera_id_from(data) == camera.id
    folder = model.group_row(group.id)
    assert not model.flags(folder) & Qt.ItemFlag.ItemIsDragEnabled
    assert camera_id_from(model.mimeData([folder])) is None
    assert panel.view.dragEnabled()
