"""The evidence parts of the main window: the Snapshots tab, the Bookmarks dock and the export actions.

Kept out of MainWindow so the window stays a composition of parts: this object owns the gallery, the bookmark
list and the evidence menu entries, routes backend events to them and opens playback where they point.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from PySide6.QtCore import QObject, Qt
from PySide6.QtWidgets import QDockWidget, QMainWindow, QMenu

from backend_embed.api import BackendApi, BackendEvent
from vas_console.ui.aio import TaskKeeper
from vas_console.ui.bookmarks.bookmark_list import BookmarkList
from vas_console.ui.evidence.evidence_menu import (
    EvidenceActions,
    add_evidence_actions,
    open_key_dialog,
    open_verify_dialog,
)
from vas_console.ui.evidence.export_dialog import ExportDialog
from vas_console.ui.gallery.gallery import SnapshotGallery
from vas_console.ui.offline_review import OfflineReviewer
from vas_console.ui.playback_area import PlaybackArea
from vas_console.ui.roster import CameraRoster
from vas_console.ui.workspace import Workspace

#: an export opened with no marked range covers the last ten minutes
DEFAULT_EXPORT_MS = 10 * 60_000
BOOKMARK_DOCK_WIDTH = 400
#: a bookmark or snapshot opens playback this long before its moment, so the operator sees it coming
PLAY_LEAD_MS = 5_000


class EvidenceDesk(QObject):
    """Construct after the workspace and docks exist; `add_actions`, then `await load()` once cameras are known.

    `selected_cameras()` (the camera tree's selection) preselects the cameras of an export; `notice` shows
    messages in the window's notice bar.
    """

    def __init__(
        self,
        window: QMainWindow,
        backend: BackendApi,
        roster: CameraRoster,
        workspace: Workspace,
        *,
        playback: PlaybackArea | None,
        offline: OfflineReviewer | None,
        tasks: TaskKeeper,
        selected_cameras: Callable[[], list[int]],
        notice: Callable[[str], None],
    ) -> None:
        super().__init__(window)
        self._window = window
        self._backend = backend
        self._roster = roster
        self._workspace = workspace
        self._playback = playback
        self._offline = offline
        self._selected_cameras = selected_cameras
        self._notice = notice
        self.gallery = SnapshotGallery(backend, workspace)
        workspace.addTab(self.gallery, "Snapshots")
        self.bookmarks = BookmarkList(backend, window)
        self.bookmark_dock = QDockWidget("Bookmarks", window)
        self.bookmark_dock.setObjectName("bookmarkDock")
        self.bookmark_dock.setWidget(self.bookmarks)
        window.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, self.bookmark_dock)
        self.bookmark_dock.hide()
        self._dock_sized = False
        self.bookmark_dock.visibilityChanged.connect(self._on_bookmark_dock_visibility_changed)
        # the gallery turns its backend failures into notices itself; the bookmark list leaves them to us
        self.bookmarks.tasks.backend_failed.connect(tasks.backend_failed)
        for part in (self.gallery.tasks, self.bookmarks.tasks):
            part.failed_unexpectedly.connect(tasks.failed_unexpectedly)
        self.gallery.open_in_playback.connect(self._on_open_in_playback)
        self.bookmarks.open_in_playback.connect(self._on_open_in_playback)
        self.gallery.notice.connect(notice)
        self.bookmarks.notice.connect(notice)
        self.actions: EvidenceActions | None = None

    def add_actions(self, file_menu: QMenu, view_menu: QMenu, help_menu: QMenu) -> None:
        """Export video… (Ctrl+E) and Verify export… in File, Bookmarks in View, the key in Help."""
        self.actions = add_evidence_actions(
            file_menu,
            on_export=self.export_video,
            on_verify=self.verify_export,
            on_key=self.show_key,
            key_menu=help_menu,
        )
        toggle = self.bookmark_dock.toggleViewAction()
        toggle.setText("&Bookmarks")
        toggle.setShortcut("Ctrl+B")
        view_menu.addAction(toggle)
        self.bookmarks_action = toggle

    def _on_bookmark_dock_visibility_changed(self, visible: bool) -> None:
        """The first time the dock shows, give it a list's width, not half the window."""
        if visible and not self._dock_sized:
            self._dock_sized = True
            self._window.resizeDocks(
                [self.bookmark_dock], [BOOKMARK_DOCK_WIDTH], Qt.Orientation.Horizontal
            )

    async def load(self) -> None:
        await self.gallery.reload()
        await self.bookmarks.reload()

    def handle_event(self, event: BackendEvent) -> None:
        self.gallery.handle_event(event)
        self.bookmarks.handle_event(event)

    def close(self) -> None:
        self.gallery.close_gallery()

    # -- actions ----------------------------------------------------------------------------------

    def export_video(self) -> None:
        """File > Export video…"""
        self.open_export_dialog()

    def open_export_dialog(self) -> ExportDialog:
        """Open the export dialog: the selected cameras, the playback's marked range or the last 10 min."""
        cameras = [(c.id, c.name) for c in self._roster.cameras()]
        start_ms, end_ms = self._export_range()
        dialog = ExportDialog(
            self._backend,
            cameras,
            selected=self._export_cameras(),
            start_ms=start_ms,
            end_ms=end_ms,
            parent=self._window,
        )
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        if self._offline is not None:
            dialog.open_review.connect(self._offline.open_folder)
        dialog.open()
        return dialog

    def _export_cameras(self) -> list[int]:
        selected = self._selected_cameras()
        view = self._playback.view if self._playback is not None else None
        if not selected and view is not None:
            selected = [channel.camera_id for channel in view.channels]
        return selected

    def _export_range(self) -> tuple[int, int]:
        view = self._playback.view if self._playback is not None else None
        mark_in, mark_out = view.timeline.marks if view is not None else (None, None)
        if mark_in is not None and mark_out is not None and mark_out > mark_in:
            return mark_in, mark_out
        now = int(time.time() * 1000)
        return now - DEFAULT_EXPORT_MS, now

    def verify_export(self) -> None:
        open_verify_dialog(self._backend, self._window)

    def show_key(self) -> None:
        open_key_dialog(self._backend, self._window)

    def _on_open_in_playback(self, camera_id: int, time_ms: int) -> None:
        camera = self._roster.camera(camera_id)
        if self._playback is None or camera is None:
            self._notice(
                "This camera is no longer in the installation; its recordings cannot be played."
            )
            return
        self._playback.open_cameras([(camera.id, camera.name)], int(time_ms) - PLAY_LEAD_MS)
        self._workspace.show_playback()
