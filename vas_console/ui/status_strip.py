"""The main window's status bar: camera and recording counts, free disk space and the database kind."""

from __future__ import annotations

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtWidgets import QLabel, QStatusBar, QToolButton

from backend_embed.api import StorageReport
from vas_console.ui import theme
from vas_console.ui.figures import format_bytes
from vas_console.ui.roster import CameraRoster
from vas_console.ui.storage_panel import free_fraction, is_critical


class StatusStrip(QObject):
    """The permanent widgets of `bar`. `show_counts()` after the roster changed; `show_storage(report)`.

    Signals:
        disk_clicked(): the operator clicked the disk figure (show the storage panel).
    """

    disk_clicked = Signal()

    def __init__(self, bar: QStatusBar, roster: CameraRoster, database_kind: str) -> None:
        super().__init__(bar)
        self._roster = roster
        bar.setSizeGripEnabled(False)
        self.counts_label = QLabel("No cameras", bar)
        self.counts_label.setObjectName("cameraCounts")
        self.database_label = QLabel(f"Database: {database_kind}" if database_kind else "", bar)
        self.database_label.setObjectName("databaseKind")
        self.database_label.setVisible(bool(database_kind))
        self.recording_label = QLabel("", bar)
        self.recording_label.setObjectName("recordingCounts")
        self.disk_button = QToolButton(bar)
        self.disk_button.setObjectName("diskButton")
        self.disk_button.setText("Disk: …")
        self.disk_button.setToolTip("Show the storage panel")
        self.disk_button.setCursor(Qt.CursorShape.PointingHandCursor)
        self.disk_button.clicked.connect(self.disk_clicked)
        for widget in (self.counts_label, self.recording_label, self.disk_button):
            bar.addPermanentWidget(widget)
        bar.addPermanentWidget(self.database_label)

    def show_counts(self) -> None:
        counts = self._roster.counts()
        self.counts_label.setText(counts.summary() if counts.total else "No cameras")
        self.show_recording_counts()

    def show_recording_counts(self) -> None:
        counts = self._roster.recording_counts()
        self.recording_label.setText(counts.summary() if self._roster.cameras() else "")
        self.recording_label.setVisible(bool(self._roster.cameras()))

    def show_storage(self, report: StorageReport) -> None:
        self.disk_button.setText(f"Disk: {100 * free_fraction(report):.0f} % free")
        self.disk_button.setToolTip(
            f"{format_bytes(report.free_bytes)} free of {format_bytes(report.total_bytes)}"
            f" on {report.root}\nClick for the storage panel"
        )
        level = "critical" if is_critical(report) else ""
        if self.disk_button.property("level") != level:
            self.disk_button.setProperty("level", level)
            theme.repolish(self.disk_button)
