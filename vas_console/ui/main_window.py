"""The main window: camera tree dock, camera overview, notices, log and storage docks, menus, status bar."""

from __future__ import annotations

import logging

from PySide6.QtCore import QPoint, Qt, QTimer, Signal
from PySide6.QtGui import QCloseEvent
from PySide6.QtWidgets import (
    QDockWidget,
    QMainWindow,
    QMessageBox,
    QVBoxLayout,
    QWidget,
)
from shiboken6 import Shiboken

from backend_embed.api import (
    BackendApi,
    BackendError,
    BackendEvent,
    BackendRestarted,
    BackendStopped,
    Camera,
    GroupsChanged,
    OfflineReview,
    StorageAlert,
    StorageReport,
    Unsubscribe,
)
from vas_console import __version__
from vas_console.logsetup import LogBuffer
from vas_console.ui import prompts
from vas_console.ui.aio import TaskKeeper, async_slot
from vas_console.ui.camera_actions import CameraActions
from vas_console.ui.camera_overview import CameraOverview
from vas_console.ui.camera_tree import CameraTreePanel, TreeSelection
from vas_console.ui.event_relay import EventRelay
from vas_console.ui.evidence_desk import EvidenceDesk
from vas_console.ui.live.live_wall import LiveWall
from vas_console.ui.log_view import LogView
from vas_console.ui.notices import NoticeBar, NoticeLevel
from vas_console.ui.offline_review import OfflineReviewer
from vas_console.ui.playback_area import PlaybackArea
from vas_console.ui.roster import CameraRoster
from vas_console.ui.status_strip import StatusStrip
from vas_console.ui.storage_panel import StoragePanel
from vas_console.ui.theme import APP_NAME
from vas_console.ui.window_menus import build_menus
from vas_console.ui.workspace import WallChrome, Workspace

logger = logging.getLogger(__name__)

STATUS_MESSAGE_MS = 6000
TREE_DOCK_WIDTH = 440
LOG_DOCK_HEIGHT = 170
STORAGE_DOCK_WIDTH = 500
COUNTDOWN_TICK_MS = 1000


class MainWindow(QMainWindow):
    """The console's main window, driven through a `BackendApi`.

    Lifecycle (the composition root): construct, `show()`, `await load()`; when `quit_requested` is
    emitted (File > Quit or the window's close button), clean up and call `close_for_quit()`. The window
    never closes itself: closing is the composition root's decision.

    Signals:
        quit_requested(): the operator asked to quit.
    """

    quit_requested = Signal()

    def __init__(
        self,
        backend: BackendApi,
        log_buffer: LogBuffer,
        *,
        database_kind: str = "",
        title_suffix: str = "",
        live_wall: LiveWall | None = None,
        playback: PlaybackArea | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.live_wall = live_wall
        self.playback = playback
        self._backend = backend
        self._unsubscribe: Unsubscribe | None = None
        self._quitting = False
        self._stopped_box: QMessageBox | None = None  # says the recorder stopped, until it is back
        self._selection = TreeSelection()
        self.roster = CameraRoster()
        self._tasks = TaskKeeper(self)
        self._tasks.backend_failed.connect(self._on_tasks_backend_failed)
        self._tasks.failed_unexpectedly.connect(self._on_tasks_failed_unexpectedly)
        self._relay = EventRelay(self)
        self._relay.event_received.connect(self._on_relay_event_received)
        self.setObjectName("mainWindow")
        self.setWindowTitle(f"{APP_NAME} — {title_suffix}" if title_suffix else APP_NAME)
        self.commands = CameraActions(backend, self.roster, self._tasks, self)
        self.commands.roster_changed.connect(self._on_actions_roster_changed)
        self.commands.reload_requested.connect(self._on_actions_reload_requested)
        self.commands.notice_posted.connect(self._on_actions_notice_posted)
        self._build_central()
        self._build_tree_dock()
        self.log_view = LogView(log_buffer, self)
        self.log_dock = self._dock(
            "Log", "logDock", self.log_view, Qt.DockWidgetArea.BottomDockWidgetArea
        )
        self.resizeDocks([self.log_dock], [LOG_DOCK_HEIGHT], Qt.Orientation.Vertical)
        self.log_dock.hide()
        self._build_storage_dock()
        self.evidence = EvidenceDesk(
            self,
            backend,
            self.roster,
            self.workspace,
            playback=self.playback,
            offline=self.offline,
            tasks=self._tasks,
            selected_cameras=self._selected_camera_ids,
            notice=self.show_notice,
        )
        self._countdown = QTimer(self)
        self._countdown.setObjectName("recordingCountdown")
        self._countdown.setInterval(COUNTDOWN_TICK_MS)
        self._countdown.timeout.connect(self._on_countdown_timeout)
        self._build_status_bar(database_kind)
        menus = build_menus(self)
        self.quit_action, self.log_action = menus.quit, menus.log
        self.storage_action, self.full_screen_action = menus.storage, menus.full_screen
        self.resize(1360, 860)

    @property
    def tasks(self) -> TaskKeeper:
        """The tasks this window started (menu actions, reloads)."""
        return self._tasks

    def _build_central(self) -> None:
        central = QWidget(self)
        layout = QVBoxLayout(central)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        self.notice_bar = NoticeBar(central)
        notice_row = QWidget(central)
        notice_layout = QVBoxLayout(notice_row)
        notice_layout.setContentsMargins(12, 8, 12, 0)
        notice_layout.addWidget(self.notice_bar)
        self.overview = CameraOverview(self.roster, central)
        self.overview.camera_clicked.connect(self._on_overview_camera_clicked)
        self.overview.camera_activated.connect(self.commands.edit)
        self.overview.context_menu_requested.connect(self._on_overview_context_menu_requested)
        self.workspace = Workspace(
            self.overview, live_wall=self.live_wall, playback=self.playback, parent=central
        )
        self.offline: OfflineReviewer | None = None
        if self.playback is not None:
            self.playback.failed.connect(self._on_playback_failed)
            self.playback.notice.connect(self.show_notice)
            self.commands.playback_requested.connect(self._on_commands_playback_requested)
            self.offline = OfflineReviewer(self._backend, self.playback, self._tasks, self)
            self.offline.opened.connect(self._on_offline_opened)
        else:
            self.commands.play_recordings.setVisible(False)
        layout.addWidget(notice_row)
        layout.addWidget(self.workspace, 1)
        self.setCentralWidget(central)
        self._wall_chrome = WallChrome(self, self.workspace, [notice_row])
        if self.live_wall is not None:
            self.live_wall.wall_mode_changed.connect(self._wall_chrome.set_wall_mode)
            self.live_wall.tasks.backend_failed.connect(self._on_tasks_backend_failed)
            self.live_wall.tasks.failed_unexpectedly.connect(self._on_tasks_failed_unexpectedly)
            self.live_wall.playback_failed.connect(self._on_playback_failed)
            self.live_wall.notice.connect(self.show_notice)

    def _build_tree_dock(self) -> None:
        self.tree = CameraTreePanel(self.roster, self)
        self.tree.selection_changed.connect(self._on_tree_selection_changed)
        self.tree.camera_activated.connect(self.commands.edit)
        self.tree.context_menu_requested.connect(self.commands.popup_menu)
        self.tree_dock = self._dock(
            "Cameras", "cameraDock", self.tree, Qt.DockWidgetArea.LeftDockWidgetArea
        )
        self.tree_dock.setMinimumWidth(300)
        self.resizeDocks([self.tree_dock], [TREE_DOCK_WIDTH], Qt.Orientation.Horizontal)

    def _build_storage_dock(self) -> None:
        self.storage_panel = StoragePanel(self._backend, self.roster, self)
        self.storage_panel.report_shown.connect(self._on_storage_panel_report_shown)
        self.storage_panel.tasks.backend_failed.connect(self._on_tasks_backend_failed)
        self.storage_panel.tasks.failed_unexpectedly.connect(self._on_tasks_failed_unexpectedly)
        self.storage_dock = self._dock(
            "Storage", "storageDock", self.storage_panel, Qt.DockWidgetArea.RightDockWidgetArea
        )
        self.resizeDocks([self.storage_dock], [STORAGE_DOCK_WIDTH], Qt.Orientation.Horizontal)
        self.storage_dock.hide()

    def _dock(self, title: str, name: str, widget: QWidget, area: Qt.DockWidgetArea) -> QDockWidget:
        dock = QDockWidget(title, self)
        dock.setObjectName(name)
        dock.setWidget(widget)
        dock.setFeatures(
            QDockWidget.DockWidgetFeature.DockWidgetClosable
            | QDockWidget.DockWidgetFeature.DockWidgetMovable
        )
        self.addDockWidget(area, dock)
        return dock

    def _build_status_bar(self, database_kind: str) -> None:
        self.status_strip = StatusStrip(self.statusBar(), self.roster, database_kind)
        self.status_strip.disk_clicked.connect(self._on_disk_button_clicked)
        self.counts_label = self.status_strip.counts_label
        self.database_label = self.status_strip.database_label
        self.recording_label = self.status_strip.recording_label
        self.disk_button = self.status_strip.disk_button

    async def load(self) -> None:
        """Subscribe to backend events, then fetch groups, cameras, statuses and recorder states and show
        them; then start fetching the storage report (for the status bar's disk figure).

        A `BackendError` is shown as a notice (View > Reload tries again); anything else propagates.
        """
        if self._unsubscribe is None:
            self._unsubscribe = self._backend.subscribe(self._relay.post)
        cameras = await self._fetch_roster()
        if cameras is None:
            return
        self.storage_panel.request_refresh()
        if self.live_wall is not None:
            await self.live_wall.restore()
        self._tasks.start(self.evidence.load(), name="load snapshots and bookmarks")
        logger.info("Showing %d cameras in %d groups", len(cameras), len(self.roster.groups()))
        self.statusBar().showMessage(f"Loaded {len(cameras)} cameras", STATUS_MESSAGE_MS)

    async def _fetch_roster(self) -> list[Camera] | None:
        """Fetch groups, cameras, statuses and recorder states and show them; None (and a notice) if the
        backend refused."""
        try:
            groups = await self._backend.list_groups()
            cameras = await self._backend.list_cameras()
            statuses = await self._backend.camera_statuses()
            recorders = await self._backend.recorder_statuses()
        except BackendError as exc:
            self._on_tasks_backend_failed(exc)
            return None
        self.roster.reset(groups, cameras, statuses, recorders)
        self._refresh()
        return cameras

    async def _reload_roster(self) -> None:
        await self._fetch_roster()

    def show_notice(self, text: str, level: NoticeLevel = NoticeLevel.INFO) -> None:
        """Tell the operator something: the status bar line and the notice bar above the overview."""
        self.statusBar().showMessage(text.splitlines()[0] if text else "", STATUS_MESSAGE_MS)
        self.notice_bar.show_notice(text, level)

    def show_fatal(self, message: str) -> None:
        """The backend could not start: say so, and disable everything that needs it."""
        self.commands.set_enabled(False)
        self.show_notice(f"The console could not start: {message}", NoticeLevel.ERROR)
        prompts.show_message(self, "VAS Console could not start", message, error=True)

    def show_backend_stopped(self, message: str) -> None:
        """The backend stopped on its own: nothing records now. Say so loudly; only quitting still works."""
        self.commands.set_enabled(False)
        self.show_notice(f"Recording has stopped: {message}", NoticeLevel.ERROR)
        self._close_stopped_box()
        self._stopped_box = prompts.show_message(
            self,
            "The recorder stopped",
            f"{message}\n\nNo camera is recording now. The details are in the log (View > Log).",
            error=True,
        )

    def show_backend_restarted(self, message: str) -> None:
        """The backend is back after it stopped on its own: its recorders start again; the commands work."""
        self.commands.set_enabled(True)
        self._close_stopped_box()  # what it says is no longer true; the notice says what happened
        self.show_notice(f"{message} Recording resumes.", NoticeLevel.INFO)

    def _close_stopped_box(self) -> None:
        box, self._stopped_box = self._stopped_box, None
        if box is not None and Shiboken.isValid(box):  # deleted once the operator closed it
            box.close()

    def close_for_quit(self) -> None:
        """Stop listening to the backend and the log, cancel running tasks and close the window."""
        self._quitting = True
        if self._unsubscribe is not None:
            self._unsubscribe()
            self._unsubscribe = None
        self._tasks.cancel_all()
        if self.live_wall is not None:
            self.live_wall.close_for_quit()
        if self.playback is not None:
            self.playback.close_playback()
        self._countdown.stop()
        self.storage_panel.stop()
        self.evidence.close()
        self.log_view.detach()
        self.close()

    def closeEvent(self, event: QCloseEvent) -> None:
        if self._quitting:
            event.accept()
            return
        event.ignore()
        self.quit_requested.emit()

    def _refresh(self) -> None:
        self.tree.refresh()
        self.overview.refresh()
        self.overview.set_selected(self.tree.selection().camera_id)
        self.commands.set_selection(self.tree.selection())
        self.status_strip.show_counts()
        if self.roster.counting_down() and not self._countdown.isActive():
            self._countdown.start()

    def _on_countdown_timeout(self) -> None:
        self.tree.refresh()
        self.overview.refresh_cards()
        self.status_strip.show_recording_counts()
        if not self.roster.counting_down():
            self._countdown.stop()

    @async_slot
    async def _reload_groups(self) -> None:
        self.roster.set_groups(await self._backend.list_groups())
        self._refresh()

    @async_slot
    async def reload_from_menu(self) -> None:
        await self.load()

    def _on_relay_event_received(self, event: BackendEvent) -> None:
        if isinstance(event, BackendStopped):
            self.roster.apply(event)  # no camera records, and none is known to be online, any more
            self._refresh()
            self.show_backend_stopped(event.user_message)
            return
        if isinstance(event, BackendRestarted):
            self.show_backend_restarted(event.user_message)
            self._tasks.start(self._reload_roster(), name="reload after the recorder restarted")
            self.storage_panel.request_refresh()
            if self.playback is not None and self.playback.drop_offline_review():
                self.show_notice(
                    f"{event.user_message} The offline review closed with it: open the folder again.",
                    NoticeLevel.ERROR,
                )
            return
        if isinstance(event, GroupsChanged):
            self._reload_groups()
            return
        if isinstance(event, StorageAlert):
            self.storage_panel.show_alert(event.message, event.report)
            self.show_notice(
                f"{event.message}\nThe storage panel (View > Storage) shows what uses the space.",
                NoticeLevel.ERROR,
            )
            return
        self.evidence.handle_event(event)
        self.roster.apply(event)
        self._refresh()

    def _on_actions_roster_changed(self) -> None:
        self._refresh()

    def _on_actions_reload_requested(self) -> None:
        self.reload_from_menu()

    def _on_actions_notice_posted(self, text: str) -> None:
        self.show_notice(text)

    def _on_tasks_backend_failed(self, error: BackendError) -> None:
        self.show_notice(error.user_message, NoticeLevel.ERROR)

    def _on_tasks_failed_unexpectedly(self, _error: BaseException) -> None:
        self.show_notice(
            "Something went wrong: the details are in the log (View > Log).", NoticeLevel.ERROR
        )

    def _on_storage_panel_report_shown(self, report: StorageReport) -> None:
        self.status_strip.show_storage(report)

    def _on_disk_button_clicked(self) -> None:
        self.storage_dock.show()
        self.storage_dock.raise_()

    def _selected_camera_ids(self) -> list[int]:
        camera_id = self._selection.camera_id
        return [camera_id] if camera_id is not None else []

    def _on_tree_selection_changed(self, selection: TreeSelection) -> None:
        self._selection = selection
        self.commands.set_selection(selection)
        self.overview.set_selected(selection.camera_id)

    def _on_overview_camera_clicked(self, camera_id: int) -> None:
        self.tree.select_camera(camera_id)

    def _on_overview_context_menu_requested(self, where: QPoint, camera_id: int) -> None:
        self.tree.select_camera(camera_id)
        self.commands.popup_menu(where, self.tree.selection())

    def quit_from_menu(self) -> None:
        self.quit_requested.emit()

    def set_full_screen(self, checked: bool) -> None:
        if checked:
            self.showFullScreen()
        else:
            self.showNormal()

    def _on_commands_playback_requested(self, cameras: list[tuple[int, str]]) -> None:
        if self.playback is not None:
            self.playback.open_cameras(cameras)
            self.workspace.show_playback()

    def _on_offline_opened(self, review: OfflineReview) -> None:
        self.workspace.show_playback()
        self.show_notice(f"Reviewing {review.folder} (read-only): {len(review.cameras)} cameras")

    def _on_playback_failed(self, message: str) -> None:
        self.show_notice(message, NoticeLevel.ERROR)

    def show_about(self) -> None:
        prompts.show_message(
            self,
            f"About {APP_NAME}",
            f"{APP_NAME} {__version__}\n\nOperator console for video surveillance.",
        )
