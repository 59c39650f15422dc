"""SnapshotGallery: every snapshot as a virtualised thumbnail grid, with filters, a viewer and actions."""

from __future__ import annotations

import logging
from collections.abc import Coroutine, Sequence
from pathlib import Path
from typing import Any

from PySide6.QtCore import QItemSelection, QItemSelectionModel, QPoint, Qt, QTimer, Signal
from PySide6.QtGui import QGuiApplication, QImage
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QMenu,
    QStackedWidget,
    QToolBar,
    QVBoxLayout,
    QWidget,
)

from backend_embed.api import (
    BackendApi,
    BackendError,
    BackendEvent,
    CameraRemoved,
    CamerasChanged,
    ConflictError,
    Snapshot,
    SnapshotsChanged,
)
from vas_console.ui.aio import TaskKeeper
from vas_console.ui.gallery.empty_state import EmptyState
from vas_console.ui.gallery.filter_bar import FilterBar
from vas_console.ui.gallery.gallery_actions import (
    FolderChooser,
    GalleryActions,
    choose_folder_dialog,
    count_text,
)
from vas_console.ui.gallery.gallery_style import GALLERY_STYLE
from vas_console.ui.gallery.snapshot_grid import SnapshotGrid
from vas_console.ui.gallery.snapshot_model import SNAPSHOT_ROLE, SnapshotModel
from vas_console.ui.gallery.snapshot_viewer import SnapshotViewer
from vas_console.ui.gallery.thumbnail_cache import ThumbnailCache
from vas_console.ui.gallery.thumbnail_delegate import ThumbnailDelegate
from vas_console.ui.prompts import confirm

logger = logging.getLogger(__name__)

RELOAD_DELAY_MS = 120
"""Bursts of SnapshotsChanged and filter edits become one reload."""


class SnapshotGallery(QWidget):
    """The snapshot gallery. Construct, put in a window, `await reload()` (loads cameras and snapshots),
    pass backend events to `handle_event`; `close_gallery()` before destroying it.

    Backend failures of actions become a `notice` (deleting protected snapshots says so and deletes
    nothing); bugs are reported by `tasks.failed_unexpectedly`.

    Signals:
        open_in_playback(int, int): play camera (id) at time (UTC ms), from a snapshot.
        notice(str): something to tell the operator ("3 snapshots deleted", why an action failed).
        reloaded(): the grid shows a fresh list.
    """

    open_in_playback = Signal(int, "qlonglong")  # type: ignore[arg-type]  # int is 32-bit: no UTC ms
    notice = Signal(str)
    reloaded = Signal()

    def __init__(
        self,
        backend: BackendApi,
        parent: QWidget | None = None,
        *,
        choose_folder: FolderChooser = choose_folder_dialog,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("snapshotGallery")
        self.setStyleSheet(GALLERY_STYLE)
        self._backend = backend
        self._choose_folder = choose_folder
        self._tasks = TaskKeeper(self)
        self._generation = 0
        self._cameras_loaded = False
        self.viewer: SnapshotViewer | None = None
        self.model = SnapshotModel()
        self.model.setParent(self)
        self.cache = ThumbnailCache(self)
        self.cache.loaded.connect(self._on_cache_loaded)
        self.actions_ = GalleryActions(self)
        self._reload_timer = QTimer(self)
        self._reload_timer.setSingleShot(True)
        self._reload_timer.setInterval(RELOAD_DELAY_MS)
        self._reload_timer.timeout.connect(self._on_reload_timer_timeout)
        self._build()
        self._connect()

    @property
    def tasks(self) -> TaskKeeper:
        """Loads and actions this gallery started."""
        return self._tasks

    # -- building ---------------------------------------------------------------------------------

    def _build(self) -> None:
        title = QLabel("Snapshots", self)
        title.setObjectName("galleryTitle")
        self.count_label = QLabel("Loading…", self)
        self.count_label.setObjectName("galleryCount")
        header = QHBoxLayout()
        header.addWidget(title)
        header.addSpacing(12)
        header.addWidget(self.count_label, 1, Qt.AlignmentFlag.AlignBottom)
        self.filter_bar = FilterBar(self)
        self.toolbar = QToolBar(self)
        self.toolbar.setObjectName("galleryToolbar")
        self.toolbar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        self.actions_.fill(self.toolbar)
        self.delegate = ThumbnailDelegate(self.cache, self)
        self.list_view = self._build_view()
        self.empty_state = EmptyState(self)
        self.empty_state.clear_requested.connect(self.clear_filters)
        self.stack = QStackedWidget(self)
        self.stack.addWidget(self.list_view)
        self.stack.addWidget(self.empty_state)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(12, 10, 12, 10)
        layout.setSpacing(8)
        layout.addLayout(header)
        layout.addWidget(self.filter_bar)
        layout.addWidget(self.toolbar)
        layout.addWidget(self.stack, 1)

    def _build_view(self) -> SnapshotGrid:
        view = SnapshotGrid(self)
        view.setModel(self.model)
        view.setItemDelegate(self.delegate)
        self.actions_.attach_keys(view)
        return view

    def _connect(self) -> None:
        a = self.actions_
        a.view.triggered.connect(self.view_current)
        a.copy.triggered.connect(self.copy_current)
        a.export.triggered.connect(self.export_selected)
        a.protect.triggered.connect(self.toggle_protection)
        a.delete.triggered.connect(self.delete_selected)
        a.playback.triggered.connect(self.play_current)
        a.reload.triggered.connect(self.request_reload)
        self.list_view.doubleClicked.connect(self.view_current)
        self.list_view.customContextMenuRequested.connect(self._on_context_menu_requested)
        self.list_view.selectionModel().selectionChanged.connect(self._on_selection_changed)
        self.list_view.selectionModel().currentChanged.connect(self._on_selection_changed)
        self.filter_bar.changed.connect(self.request_reload)
        self._tasks.backend_failed.connect(self._on_tasks_backend_failed)

    # -- loading ----------------------------------------------------------------------------------

    def request_reload(self) -> None:
        """Reload soon (several requests in a burst make one reload)."""
        self._reload_timer.start()

    def _on_reload_timer_timeout(self) -> None:
        self._start(self.reload(), "reload")

    async def reload(self) -> None:
        """Load the cameras (the first time) and the snapshots the filters match; keeps the selection."""
        self._generation += 1
        generation = self._generation
        if not self._cameras_loaded:
            await self.reload_cameras()
        try:
            snapshots = await self._backend.list_snapshots(self.filter_bar.current_filter())
        except BackendError as exc:
            if generation == self._generation:
                self.count_label.setText("Not loaded")
                self.notice.emit(f"Snapshots could not be loaded: {exc}")
            return
        if generation == self._generation:  # else a newer reload (other filters) is on its way
            self._show(snapshots)

    async def reload_cameras(self) -> None:
        self.filter_bar.set_cameras(await self._backend.list_cameras())
        self._cameras_loaded = True

    def _show(self, snapshots: list[Snapshot]) -> None:
        selected = {s.id for s in self.selected_snapshots()}
        current = self.current_snapshot()
        self.model.set_snapshots(snapshots)
        self.cache.forget({s.id for s in snapshots})
        selection = QItemSelection()
        for snapshot_id in selected:
            row = self.model.row_of(snapshot_id)
            if row is not None:
                index = self.model.index(row)
                selection.select(index, index)
        flags = QItemSelectionModel.SelectionFlag
        model = self.list_view.selectionModel()
        model.select(selection, flags.ClearAndSelect)
        row = self.model.row_of(current.id) if current is not None else None
        if row is not None:
            model.setCurrentIndex(self.model.index(row), flags.NoUpdate)
        self._update_counts()
        self.empty_state.show_for(filtered=not self.filter_bar.is_default)
        self.stack.setCurrentIndex(0 if snapshots else 1)
        self.reloaded.emit()

    def clear_filters(self) -> None:
        self.filter_bar.reset()

    def handle_event(self, event: BackendEvent) -> None:
        """Reload on SnapshotsChanged; refresh the camera filter when cameras change."""
        if isinstance(event, SnapshotsChanged):
            self.request_reload()
        elif isinstance(event, CamerasChanged | CameraRemoved):
            self._start(self.reload_cameras(), "reload_cameras")
            if isinstance(event, CameraRemoved):
                self.request_reload()  # its snapshots now belong to a removed camera

    def close_gallery(self) -> None:
        """Stop loading and close the viewer; call before the widget is destroyed."""
        self._reload_timer.stop()
        self.cache.close()
        self._tasks.cancel_all()
        if self.viewer is not None:
            self.viewer.close()

    # -- selection --------------------------------------------------------------------------------

    def selected_snapshots(self) -> list[Snapshot]:
        """The selected snapshots, in grid order."""
        rows = sorted(i.row() for i in self.list_view.selectionModel().selectedIndexes())
        return [self.model.snapshot_at(r) for r in rows]

    def current_snapshot(self) -> Snapshot | None:
        """The focused snapshot if selected, else the first selected one, else None."""
        index = self.list_view.currentIndex()
        if index.isValid() and self.list_view.selectionModel().isSelected(index):
            snapshot = index.data(SNAPSHOT_ROLE)
            return snapshot if isinstance(snapshot, Snapshot) else None
        selected = self.selected_snapshots()
        return selected[0] if selected else None

    def select_ids(self, snapshot_ids: Sequence[int]) -> None:
        """Select these snapshots (the first becomes current) and scroll to it."""
        selection = QItemSelection()
        rows = [r for r in (self.model.row_of(i) for i in snapshot_ids) if r is not None]
        for row in rows:
            selection.select(self.model.index(row), self.model.index(row))
        model = self.list_view.selectionModel()
        if rows:
            model.setCurrentIndex(
                self.model.index(rows[0]), QItemSelectionModel.SelectionFlag.NoUpdate
            )
            self.list_view.scrollTo(self.model.index(rows[0]))
        model.select(selection, QItemSelectionModel.SelectionFlag.ClearAndSelect)

    def _on_selection_changed(self) -> None:
        self.actions_.update_for(self.selected_snapshots(), self.current_snapshot())
        self._update_counts()

    def _update_counts(self) -> None:
        text = count_text(self.model.rowCount())
        selected = len(self.list_view.selectionModel().selectedIndexes())
        if selected:
            text += f" · {selected:,} selected"
        self.count_label.setText(text)

    def _on_cache_loaded(self) -> None:
        self.list_view.viewport().update()

    def _on_context_menu_requested(self, pos: QPoint) -> None:
        index = self.list_view.indexAt(pos)
        if index.isValid() and not self.list_view.selectionModel().isSelected(index):
            self.select_ids([self.model.snapshot_at(index.row()).id])
        menu = QMenu(self)
        menu.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.actions_.fill(menu)
        menu.popup(self.list_view.viewport().mapToGlobal(pos))

    # -- actions ----------------------------------------------------------------------------------

    def view_current(self) -> None:
        """Open the viewer at the current snapshot: over the selection if several, else over all."""
        current = self.current_snapshot()
        if current is None:
            return
        selected = self.selected_snapshots()
        pool = selected if len(selected) > 1 else self.model.snapshots()
        index = next(i for i, s in enumerate(pool) if s.id == current.id)
        if self.viewer is not None:
            self.viewer.close()
        self.viewer = SnapshotViewer(pool, index, self)
        self.viewer.copy_requested.connect(self._copy)
        self.viewer.destroyed.connect(self._on_viewer_destroyed)
        self.viewer.open()

    def _on_viewer_destroyed(self) -> None:
        self.viewer = None

    def copy_current(self) -> None:
        current = self.current_snapshot()
        if current is not None:
            self._copy(current)

    def _copy(self, snapshot: Snapshot) -> None:
        image = QImage(snapshot.path)
        if image.isNull():
            self.notice.emit("The snapshot's image file could not be read: nothing was copied.")
            return
        QGuiApplication.clipboard().setImage(image)
        self.notice.emit(f"Snapshot copied ({image.width()}×{image.height()})")  # noqa: RUF001

    def play_current(self) -> None:
        current = self.current_snapshot()
        if current is not None and current.camera_id is not None:
            self.open_in_playback.emit(current.camera_id, current.time_ms)

    def delete_selected(self) -> None:
        """Ask, then delete the selection. Protected snapshots are refused before asking."""
        chosen = self.selected_snapshots()
        if not chosen:
            return
        locked = sum(s.protected for s in chosen)
        if locked:
            which = (
                "It is" if len(chosen) == 1 else f"{locked:,} of the {len(chosen):,} selected are"
            )
            self.notice.emit(f"Nothing was deleted: {which} protected. Unprotect before deleting.")
            return
        what = "this snapshot" if len(chosen) == 1 else f"these {len(chosen):,} snapshots"
        ids = [s.id for s in chosen]
        self.confirm_box = confirm(
            self,
            "Delete snapshots",
            f"Delete {what}?\n\nThe images are removed from disk. This cannot be undone.",
            lambda: self._start(self._delete(ids), "delete"),
        )

    async def _delete(self, ids: list[int]) -> None:
        try:
            deleted = await self._backend.delete_snapshots(ids)
        except ConflictError as exc:
            self.notice.emit(f"Nothing was deleted: {exc}")
            return
        self.notice.emit(f"{count_text(deleted)} deleted")
        await self.reload()

    def toggle_protection(self) -> None:
        chosen = self.selected_snapshots()
        if chosen:
            protect = not all(s.protected for s in chosen)
            ids = [s.id for s in chosen if s.protected != protect]
            self._start(self._protect(ids, protect), "protect")

    async def _protect(self, ids: list[int], protect: bool) -> None:
        for snapshot_id in ids:
            await self._backend.set_snapshot_protected(snapshot_id, protect)
        self.notice.emit(f"{count_text(len(ids))} {'protected' if protect else 'unprotected'}")
        await self.reload()

    def export_selected(self) -> None:
        ids = [s.id for s in self.selected_snapshots()]
        if ids:
            self._choose_folder(self, lambda folder: self._start_export(ids, folder))

    def _start_export(self, ids: list[int], folder: Path) -> None:
        self._start(self._export(ids, folder), "export")

    async def _export(self, ids: list[int], folder: Path) -> None:
        exported = await self._backend.export_snapshots(ids, folder)
        self.notice.emit(f"{count_text(exported)} exported to {folder}")

    def _start(self, coro: Coroutine[Any, Any, None], what: str) -> None:
        self._tasks.start(coro, name=f"SnapshotGallery.{what}")

    def _on_tasks_backend_failed(self, error: BackendError) -> None:
        self.notice.emit(str(error))
