"""What the operator can do to cameras and groups: the menu actions and the backend calls behind them."""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QObject, QPoint, Qt, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QFileDialog, QMenu, QWidget

from backend_embed.api import (
    BackendApi,
    Camera,
    CameraStatus,
    ExportFormat,
    ImportFileError,
)
from vas_console.ui import prompts
from vas_console.ui.aio import TaskKeeper, async_slot
from vas_console.ui.camera_dialog import CameraDialog
from vas_console.ui.camera_tree import TreeSelection
from vas_console.ui.roster import CameraRoster, status_detail

logger = logging.getLogger(__name__)

IMPORT_FILTERS = "Camera lists (*.json *.csv);;All files (*)"
EXPORT_FILTERS = {"JSON (*.json)": ExportFormat.JSON, "CSV (*.csv)": ExportFormat.CSV}


class CameraActions(QObject):
    """Owns the camera and group QActions; runs each through the backend and updates the roster.

    Expected failures end the action's task with a `BackendError`, which the shared `TaskKeeper` reports
    (the main window shows it). Every dialog opens without blocking.

    Signals:
        roster_changed(): the roster was updated from a backend answer; views should refresh.
        reload_requested(): the backend changed more than one answer tells (an import): reload all.
        notice_posted(str): a success worth telling the operator.
        playback_requested(object): recorded video of these cameras was asked for: a list of (id, name),
            one camera or the first four of a group.
    """

    roster_changed = Signal()
    playback_requested = Signal(object)
    reload_requested = Signal()
    notice_posted = Signal(str)

    def __init__(
        self, backend: BackendApi, roster: CameraRoster, tasks: TaskKeeper, window: QWidget
    ) -> None:
        super().__init__(window)
        self._backend = backend
        self._roster = roster
        self._tasks = tasks
        self._window = window
        self._selection = TreeSelection()
        self._last_dir = str(Path.home())
        self.add_camera = self._action("&Add camera…", self._on_add_camera_triggered, "Ctrl+N")
        self.edit_camera = self._action("&Edit camera…", self._on_edit_camera_triggered, "Ctrl+E")
        self.delete_camera = self._action(
            "&Delete camera…", self._on_delete_camera_triggered, "Del"
        )
        self.toggle_enabled = self._action("D&isable camera", self._on_toggle_enabled_triggered)
        self.test_camera = self._action(
            "&Test connection", self._on_test_camera_triggered, "Ctrl+T"
        )
        self.play_recordings = self._action(
            "Recorded &video", self._on_play_recordings_triggered, "Ctrl+R"
        )
        self.add_group = self._action("Add &group…", self._on_add_group_triggered)
        self.rename_group = self._action("&Rename group…", self._on_rename_group_triggered)
        self.delete_group = self._action("Delete gro&up…", self._on_delete_group_triggered)
        self.import_cameras = self._action("&Import cameras…", self._on_import_cameras_triggered)
        self.export_cameras = self._action("&Export cameras…", self._on_export_cameras_triggered)
        self.set_selection(TreeSelection())

    @property
    def tasks(self) -> TaskKeeper:
        return self._tasks

    def _action(self, text: str, slot: Callable[..., object], shortcut: str = "") -> QAction:
        action = QAction(text, self)
        if shortcut:
            action.setShortcut(QKeySequence(shortcut))
        action.triggered.connect(slot)
        return action

    def camera_actions(self) -> list[QAction]:
        return [
            self.play_recordings,
            self.add_camera,
            self.edit_camera,
            self.toggle_enabled,
            self.test_camera,
            self.delete_camera,
        ]

    def group_actions(self) -> list[QAction]:
        return [self.add_group, self.rename_group, self.delete_group]

    def set_enabled(self, enabled: bool) -> None:
        """Enable or disable every action (disabled while the backend is unusable)."""
        for action in [*self.camera_actions(), *self.group_actions()]:
            action.setEnabled(enabled)
        for action in (self.import_cameras, self.export_cameras):
            action.setEnabled(enabled)
        if enabled:
            self.set_selection(self._selection)

    def set_selection(self, selection: TreeSelection) -> None:
        """Enable the actions that apply to what is selected."""
        self._selection = selection
        camera = self._selected_camera()
        for action in (self.edit_camera, self.delete_camera, self.toggle_enabled, self.test_camera):
            action.setEnabled(camera is not None)
        self.toggle_enabled.setText(
            "&Enable camera" if camera is not None and not camera.enabled else "D&isable camera"
        )
        self.play_recordings.setEnabled(bool(self._cameras_to_play()))
        has_group = self._selected_group_id() is not None
        self.rename_group.setEnabled(has_group)
        self.delete_group.setEnabled(has_group)

    def build_menu(self, selection: TreeSelection) -> QMenu:
        """The context menu for `selection` (a camera, a group folder, or empty space)."""
        self.set_selection(selection)
        menu = QMenu(self._window)
        menu.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        if self.play_recordings.isEnabled():
            menu.addAction(self.play_recordings)
            menu.addSeparator()
        if selection.camera_id is not None:
            menu.addActions([self.edit_camera, self.test_camera, self.toggle_enabled])
            menu.addSeparator()
            menu.addAction(self.delete_camera)
            menu.addSeparator()
        menu.addAction(self.add_camera)
        menu.addSeparator()
        menu.addActions(self.group_actions())
        return menu

    def popup_menu(self, where: QPoint, selection: TreeSelection) -> QMenu:
        """Show the context menu for `selection` at a global position, without blocking."""
        menu = self.build_menu(selection)
        menu.popup(where)
        return menu

    def edit(self, camera_id: int) -> None:
        """Open the edit dialog for a camera."""
        camera = self._roster.camera(camera_id)
        if camera is not None:
            self._open_dialog(camera)

    def _cameras_to_play(self) -> list[tuple[int, str]]:
        """The selected camera, or the first four cameras of the selected group, as (id, name)."""
        camera = self._selected_camera()
        if camera is not None:
            return [(camera.id, camera.name)]
        if self._selection.is_group:
            members = self._roster.cameras_in(self._selection.group_id)[:4]
            return [(c.id, c.name) for c in members]
        return []

    def _on_play_recordings_triggered(self) -> None:
        cameras = self._cameras_to_play()
        if cameras:
            self.playback_requested.emit(cameras)

    def _selected_camera(self) -> Camera | None:
        camera_id = self._selection.camera_id
        return self._roster.camera(camera_id) if camera_id is not None else None

    def _selected_group_id(self) -> int | None:
        return self._selection.group_id if self._selection.is_group else None

    def _open_dialog(self, camera: Camera | None) -> CameraDialog:
        group = self._selection.group_id if camera is None else None
        dialog = CameraDialog(
            self._backend, self._roster.groups(), camera=camera, group_id=group, parent=self._window
        )
        dialog.saved.connect(self._on_dialog_saved)
        dialog.open()
        return dialog

    def _on_dialog_saved(self, camera: Camera) -> None:
        self._roster.put_cameras([camera])
        self.roster_changed.emit()
        self.notice_posted.emit(f"Saved camera “{camera.name}”.")

    def _on_add_camera_triggered(self) -> None:
        self._open_dialog(None)

    def _on_edit_camera_triggered(self) -> None:
        camera = self._selected_camera()
        if camera is not None:
            self._open_dialog(camera)

    def _on_delete_camera_triggered(self) -> None:
        camera = self._selected_camera()
        if camera is None:
            return
        prompts.confirm(
            self._window,
            "Delete camera",
            f"Delete the camera “{camera.name}”?\n\nThis cannot be undone.",
            lambda: self._delete_camera(camera),
        )

    @async_slot
    async def _delete_camera(self, camera: Camera) -> None:
        await self._backend.delete_camera(camera.id)
        self._roster.remove_camera(camera.id)
        self.roster_changed.emit()
        self.notice_posted.emit(f"Deleted camera “{camera.name}”.")

    @async_slot
    async def _on_toggle_enabled_triggered(self) -> None:
        camera = self._selected_camera()
        if camera is None:
            return
        updated = await self._backend.set_camera_enabled(camera.id, not camera.enabled)
        self._roster.put_cameras([updated])
        self.roster_changed.emit()
        self.set_selection(self._selection)
        state = "enabled" if updated.enabled else "disabled"
        self.notice_posted.emit(f"Camera “{updated.name}” {state}.")

    @async_slot
    async def _on_test_camera_triggered(self) -> None:
        camera = self._selected_camera()
        if camera is None:
            return
        self.notice_posted.emit(f"Testing “{camera.name}”…")
        info = await self._backend.probe_camera(camera.id)
        self._roster.put_status(info)
        self.roster_changed.emit()
        current = self._roster.camera(camera.id) or camera
        verdict = status_detail(current, info)
        if info.status is not CameraStatus.ONLINE and info.probe is not None and info.probe.message:
            verdict = f"{verdict} ({info.probe.message})"
        self.notice_posted.emit(f"“{camera.name}”: {verdict}")

    def _on_add_group_triggered(self) -> None:
        prompts.ask_text(self._window, "Add group", "Name of the new group:", self._add_group)

    @async_slot
    async def _add_group(self, name: str) -> None:
        group = await self._backend.add_group(name)
        self._roster.put_group(group)
        self.roster_changed.emit()
        self.notice_posted.emit(f"Added group “{group.name}”.")

    def _on_rename_group_triggered(self) -> None:
        group_id = self._selected_group_id()
        group = self._roster.group(group_id) if group_id is not None else None
        if group is None:
            return
        prompts.ask_text(
            self._window,
            "Rename group",
            f"New name for “{group.name}”:",
            lambda name: self._rename_group(group.id, name),
            text=group.name,
        )

    @async_slot
    async def _rename_group(self, group_id: int, name: str) -> None:
        group = await self._backend.rename_group(group_id, name)
        self._roster.put_group(group)
        self.roster_changed.emit()

    def _on_delete_group_triggered(self) -> None:
        group_id = self._selected_group_id()
        group = self._roster.group(group_id) if group_id is not None else None
        if group is None:
            return
        members = len(self._roster.cameras_in(group.id))
        detail = f"\n\nIt holds {members} camera{'s' if members != 1 else ''}." if members else ""
        prompts.confirm(
            self._window,
            "Delete group",
            f"Delete the group “{group.name}”?{detail}",
            lambda: self._delete_group(group.id, group.name),
        )

    @async_slot
    async def _delete_group(self, group_id: int, name: str) -> None:
        await self._backend.delete_group(group_id)
        self._roster.remove_group(group_id)
        self.roster_changed.emit()
        self.notice_posted.emit(f"Deleted group “{name}”.")

    def _on_import_cameras_triggered(self) -> None:
        dialog = self._file_dialog("Import cameras", QFileDialog.AcceptMode.AcceptOpen)
        dialog.setFileMode(QFileDialog.FileMode.ExistingFile)
        dialog.setNameFilter(IMPORT_FILTERS)
        dialog.fileSelected.connect(self._import_from)
        dialog.open()

    @async_slot
    async def _import_from(self, path_text: str) -> None:
        path = Path(path_text)
        self._last_dir = str(path.parent)
        try:
            report = await self._backend.import_cameras(path)
        except ImportFileError as exc:
            prompts.ImportErrorsDialog(exc.user_message, exc.errors, self._window).open()
            return
        groups = f" and {len(report.groups_created)} groups" if report.groups_created else ""
        self.notice_posted.emit(f"Imported {len(report.added)} cameras{groups} from {path.name}.")
        self.reload_requested.emit()

    def _on_export_cameras_triggered(self) -> None:
        dialog = self._file_dialog("Export cameras", QFileDialog.AcceptMode.AcceptSave)
        dialog.setNameFilters(list(EXPORT_FILTERS))
        dialog.setDefaultSuffix("json")
        dialog.filterSelected.connect(
            lambda name: dialog.setDefaultSuffix(EXPORT_FILTERS[name].value)
        )
        dialog.fileSelected.connect(self._export_to)
        dialog.open()

    @async_slot
    async def _export_to(self, path_text: str) -> None:
        path = Path(path_text)
        self._last_dir = str(path.parent)
        fmt = ExportFormat.CSV if path.suffix.lower() == ".csv" else ExportFormat.JSON
        count = await self._backend.export_cameras(path, fmt)
        self.notice_posted.emit(f"Exported {count} cameras to {path}.")

    def _file_dialog(self, title: str, mode: QFileDialog.AcceptMode) -> QFileDialog:
        # Qt's own dialog: it follows the dark theme and tests can drive it on any platform.
        dialog = QFileDialog(self._window, title, self._last_dir)
        dialog.setObjectName("cameraFileDialog")
        dialog.setOption(QFileDialog.Option.DontUseNativeDialog)
        dialog.setAcceptMode(mode)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        return dialog
