"""The clip export dialog: cameras and range, destination, progress with cancel, and the signed result."""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Collection, Sequence
from datetime import datetime
from pathlib import Path

from PySide6.QtCore import QDateTime, Qt, Signal
from PySide6.QtWidgets import (
    QDateTimeEdit,
    QDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from backend_embed.api import (
    BackendApi,
    BackendError,
    BackendEvent,
    ClipExportRequest,
    ExportProgress,
)
from vas_console.ui.aio import TaskKeeper
from vas_console.ui.evidence.common import (
    ChooseFolder,
    EventSubscription,
    ShowFolder,
    choose_folder,
    duration_text,
    show_folder,
)
from vas_console.ui.evidence.export_result import ExportResultPanel
from vas_console.ui.evidence.verify_dialog import VerifyDialog

logger = logging.getLogger(__name__)

_STEPS = 1000  # progress bar resolution
_TIME_FORMAT = "yyyy-MM-dd HH:mm:ss"


def default_folder_name(start_ms: int) -> str:
    """`Export 2026-11-21 10-00-00` (local time; no colons, which some file systems refuse)."""
    return f"Export {datetime.fromtimestamp(start_ms / 1000):%Y-%m-%d %H-%M-%S}"


class ExportDialog(QDialog):
    """Exports a range of some cameras into a new signed folder, showing progress; cancel removes it all.

    Args:
        cameras: every camera that can be exported, as `(id, name)`; `selected` are checked at first.
        start_ms, end_ms: the range the editors start with (e.g. the timeline's marked range).
        destination: the folder the export folder is made in (the home folder if "").
        choose: asks for the destination folder (injectable for tests).
        reveal: shows the finished folder in the file manager (injectable for tests).

    Signals:
        open_review(str): "Open in review" was clicked; the export folder's path.
        exported(ClipExportResult): an export finished.
    """

    open_review = Signal(str)
    exported = Signal(object)

    def __init__(
        self,
        backend: BackendApi,
        cameras: Sequence[tuple[int, str]],
        *,
        selected: Collection[int] = (),
        start_ms: int,
        end_ms: int,
        destination: str = "",
        choose: ChooseFolder = choose_folder,
        reveal: ShowFolder = show_folder,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._backend = backend
        self._choose = choose
        self._reveal = reveal
        self.tasks = TaskKeeper(self)
        self.verify_dialog: VerifyDialog | None = None
        self._task: asyncio.Task[None] | None = None
        self._job_id = ""
        self._closing = False
        self.setObjectName("exportDialog")
        self.setWindowTitle("Export video")
        self._events = EventSubscription(backend, self._on_event, self)
        self._build_form(cameras, set(selected), start_ms, end_ms, destination or str(Path.home()))
        self._build_progress()
        self.result_panel = ExportResultPanel(self)
        self.result_panel.hide()
        self.result_panel.verify_button.clicked.connect(self._on_verify_clicked)
        self.result_panel.review_button.clicked.connect(self._on_review_clicked)
        self.result_panel.show_button.clicked.connect(self._on_show_clicked)
        self.error_label = QLabel(self)
        self.error_label.setObjectName("exportError")
        self.error_label.setProperty("role", "fieldError")
        self.error_label.setWordWrap(True)
        self.error_label.setTextFormat(Qt.TextFormat.PlainText)
        self.error_label.hide()
        self.export_button = QPushButton("Export", self)
        self.export_button.setDefault(True)
        self.export_button.clicked.connect(self.start_export)
        self.cancel_button = QPushButton("Close", self)
        self.cancel_button.setAutoDefault(False)
        self.cancel_button.clicked.connect(self._on_cancel_clicked)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.export_button)
        buttons.addWidget(self.cancel_button)
        layout = QVBoxLayout(self)
        layout.addWidget(self.form_widget)
        layout.addWidget(self.progress_widget)
        layout.addWidget(self.result_panel)
        layout.addWidget(self.error_label)
        layout.addStretch(1)
        layout.addLayout(buttons)
        self.resize(560, 520)
        self._update_summary()

    # -- building ----------------------------------------------------------------------------------

    def _build_form(
        self,
        cameras: Sequence[tuple[int, str]],
        selected: set[int],
        start_ms: int,
        end_ms: int,
        destination: str,
    ) -> None:
        self.form_widget = QWidget(self)
        form = QFormLayout(self.form_widget)
        form.setContentsMargins(0, 0, 0, 0)
        self.camera_list = QListWidget(self.form_widget)
        self.camera_list.setObjectName("exportCameras")
        for camera_id, name in cameras:
            item = QListWidgetItem(name, self.camera_list)
            item.setData(Qt.ItemDataRole.UserRole, camera_id)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            checked = camera_id in selected
            item.setCheckState(Qt.CheckState.Checked if checked else Qt.CheckState.Unchecked)
        self.camera_list.setMaximumHeight(110)
        self.camera_list.itemChanged.connect(self._update_summary)
        form.addRow("Cameras", self.camera_list)
        self.start_edit = self._time_edit(start_ms)
        self.end_edit = self._time_edit(end_ms)
        form.addRow("From", self.start_edit)
        form.addRow("To", self.end_edit)
        self.summary_label = QLabel(self.form_widget)
        self.summary_label.setObjectName("exportSummary")
        self.summary_label.setProperty("role", "hint")
        form.addRow("", self.summary_label)
        self.parent_edit = QLineEdit(destination, self.form_widget)
        self.parent_edit.setObjectName("exportParent")
        browse = QPushButton("Choose…", self.form_widget)
        browse.setObjectName("exportChoose")
        browse.setAutoDefault(False)
        browse.clicked.connect(self._on_choose_clicked)
        row = QHBoxLayout()
        row.addWidget(self.parent_edit, 1)
        row.addWidget(browse)
        form.addRow("Save in", row)
        self.name_edit = QLineEdit(default_folder_name(start_ms), self.form_widget)
        self.name_edit.setObjectName("exportName")
        form.addRow("Folder name", self.name_edit)
        self.parent_edit.textChanged.connect(self._update_summary)
        self.name_edit.textChanged.connect(self._update_summary)

    def _time_edit(self, ms: int) -> QDateTimeEdit:
        edit = QDateTimeEdit(QDateTime.fromMSecsSinceEpoch(ms), self.form_widget)
        edit.setDisplayFormat(_TIME_FORMAT)
        edit.setCalendarPopup(True)
        edit.dateTimeChanged.connect(self._update_summary)
        return edit

    def _build_progress(self) -> None:
        self.progress_widget = QWidget(self)
        box = QVBoxLayout(self.progress_widget)
        box.setContentsMargins(0, 8, 0, 0)
        self.progress_bar = QProgressBar(self.progress_widget)
        self.progress_bar.setObjectName("exportProgress")
        self.progress_bar.setRange(0, _STEPS)
        self.progress_bar.setFormat("%p %")
        self.detail_label = QLabel(self.progress_widget)
        self.detail_label.setObjectName("exportDetail")
        self.detail_label.setTextFormat(Qt.TextFormat.PlainText)
        self.status_label = QLabel(self.progress_widget)
        self.status_label.setObjectName("exportStatus")
        self.status_label.setWordWrap(True)
        self.status_label.setTextFormat(Qt.TextFormat.PlainText)
        box.addWidget(self.progress_bar)
        box.addWidget(self.detail_label)
        box.addWidget(self.status_label)
        self.progress_bar.hide()
        self.detail_label.hide()

    # -- state -------------------------------------------------------------------------------------

    @property
    def running(self) -> bool:
        """True while an export runs."""
        return self._task is not None and not self._task.done()

    def selected_cameras(self) -> tuple[int, ...]:
        items = (self.camera_list.item(i) for i in range(self.camera_list.count()))
        return tuple(
            int(item.data(Qt.ItemDataRole.UserRole))
            for item in items
            if item.checkState() == Qt.CheckState.Checked
        )

    def range_ms(self) -> tuple[int, int]:
        return (
            self.start_edit.dateTime().toMSecsSinceEpoch(),
            self.end_edit.dateTime().toMSecsSinceEpoch(),
        )

    def destination(self) -> Path:
        return Path(self.parent_edit.text().strip()) / self.name_edit.text().strip()

    def _update_summary(self) -> None:
        start, end = self.range_ms()
        count = len(self.selected_cameras())
        cameras = f"{count} camera{'s' if count != 1 else ''}"
        length = duration_text(end - start) if end > start else "an empty range"
        self.summary_label.setText(f"{length} of {cameras} → {self.destination()}")

    def _problem(self) -> str:
        """What keeps the form from being exported, in words; "" when it can be."""
        start, end = self.range_ms()
        if not self.selected_cameras():
            return "Choose at least one camera."
        if end <= start:
            return "The end of the range must be after its start."
        if not self.parent_edit.text().strip() or not self.name_edit.text().strip():
            return "Choose where to save the export and give its folder a name."
        if self.destination().exists():
            return f"{self.destination()} already exists. Choose a new folder name."
        return ""

    def _show_error(self, text: str) -> None:
        self.error_label.setText(text)
        self.error_label.setVisible(bool(text))

    def _set_running(self, running: bool) -> None:
        self.form_widget.setEnabled(not running)
        self.export_button.setEnabled(not running)
        self.cancel_button.setText("Cancel export" if running else "Close")
        self.progress_bar.setVisible(running)
        self.detail_label.setVisible(running)

    # -- export ------------------------------------------------------------------------------------

    def start_export(self) -> None:
        """Check the form and start the export (the Export button)."""
        if self.running:
            return
        problem = self._problem()
        self._show_error(problem)
        if problem:
            return
        start, end = self.range_ms()
        self._job_id = uuid.uuid4().hex
        request = ClipExportRequest(
            self._job_id, self.selected_cameras(), start, end, str(self.destination())
        )
        self.result_panel.hide()
        self.status_label.clear()
        self.progress_bar.setValue(0)
        self.detail_label.setText("Starting…")
        self._set_running(True)
        self._task = self.tasks.start(self._export(request), name="export clips")

    async def _export(self, request: ClipExportRequest) -> None:
        logger.info("Exporting cameras %s to %s", request.camera_ids, request.destination)
        try:
            result = await self._backend.export_clips(request)
        except asyncio.CancelledError:
            if not self._closing:
                self._set_running(False)
                where = Path(request.destination).parent
                self.status_label.setText(f"Export cancelled; nothing was left in {where}.")
            raise
        except BackendError as exc:
            self._set_running(False)
            self._show_error(exc.user_message)
            return
        self._set_running(False)
        self.export_button.setText("Export again")
        self.status_label.setText("Export complete and signed.")
        self.result_panel.show_result(result)
        self.exported.emit(result)

    def _on_event(self, event: BackendEvent) -> None:
        if (
            not isinstance(event, ExportProgress)
            or event.job_id != self._job_id
            or not self.running
        ):
            return
        self.progress_bar.setValue(round(max(0.0, min(1.0, event.fraction)) * _STEPS))
        self.detail_label.setText(event.detail)

    def _on_cancel_clicked(self) -> None:
        if self.running and self._task is not None:
            self.detail_label.setText("Cancelling…")
            self._task.cancel()
        else:
            self.reject()

    def _on_choose_clicked(self) -> None:
        folder = self._choose(self, "Save the export in", self.parent_edit.text())
        if folder:
            self.parent_edit.setText(folder)

    def _on_verify_clicked(self) -> None:
        if self.result_panel.folder:
            self.verify_dialog = VerifyDialog(self._backend, parent=self)
            self.verify_dialog.open()
            self.verify_dialog.verify(self.result_panel.folder)

    def _on_review_clicked(self) -> None:
        if self.result_panel.folder:
            self.open_review.emit(self.result_panel.folder)

    def _on_show_clicked(self) -> None:
        if self.result_panel.folder:
            self._reveal(self.result_panel.folder)

    def done(self, result: int) -> None:
        # closing cancels a running export: the backend removes what it had written
        self._closing = True
        self.tasks.cancel_all()
        self._events.close()
        super().done(result)
