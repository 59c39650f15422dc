"""The result panel of the export dialog: the files written, their sizes and the signing key."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFrame,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from backend_embed.api import ClipExportResult
from vas_console.ui.evidence.common import local_time
from vas_console.ui.figures import format_bytes


class ExportResultPanel(QFrame):
    """What a finished export wrote, and buttons to verify it, review it or show it in the file manager."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("exportResult")
        self.result: ClipExportResult | None = None
        self.folder_label = QLabel(self)
        self.folder_label.setObjectName("exportFolder")
        self.folder_label.setWordWrap(True)
        self.folder_label.setTextFormat(Qt.TextFormat.PlainText)
        self.files = QTableWidget(0, 4, self)
        self.files.setObjectName("exportFiles")
        self.files.setHorizontalHeaderLabels(["File", "Camera", "Covers", "Size"])
        self.files.verticalHeader().hide()
        self.files.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.files.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        header = self.files.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        for column in (1, 2, 3):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
        self.files.setMaximumHeight(150)
        self.key_label = QLabel(self)
        self.key_label.setObjectName("exportKey")
        self.key_label.setProperty("role", "hint")
        self.key_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.verify_button = QPushButton("Verify now", self)
        self.review_button = QPushButton("Open in review", self)
        self.show_button = QPushButton("Show folder", self)
        for button in (self.verify_button, self.review_button, self.show_button):
            button.setAutoDefault(False)
        buttons = QHBoxLayout()
        buttons.addWidget(self.verify_button)
        buttons.addWidget(self.review_button)
        buttons.addWidget(self.show_button)
        buttons.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 4, 0, 0)
        layout.addWidget(self.folder_label)
        layout.addWidget(self.files)
        layout.addWidget(self.key_label)
        layout.addLayout(buttons)

    @property
    def folder(self) -> str:
        """The export folder shown, "" before an export finished."""
        return self.result.folder if self.result is not None else ""

    def show_result(self, result: ClipExportResult) -> None:
        self.result = result
        total = sum(c.size_bytes for c in result.clips)
        self.folder_label.setText(
            f"{len(result.clips)} clip{'s' if len(result.clips) != 1 else ''} "
            f"({format_bytes(total)}) and a signed manifest in {result.folder}"
        )
        self.files.setRowCount(len(result.clips))
        for row, clip in enumerate(result.clips):
            gaps = f", {clip.gaps} gap{'s' if clip.gaps != 1 else ''}" if clip.gaps else ""
            cells = (
                Path(clip.file).name,
                clip.camera_name,
                f"{local_time(clip.start_ms)} to {local_time(clip.end_ms)[11:]}{gaps}",
                format_bytes(clip.size_bytes),
            )
            for column, text in enumerate(cells):
                item = QTableWidgetItem(text)
                if column == 3:
                    item.setTextAlignment(
                        Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
                    )
                self.files.setItem(row, column, item)
        self.key_label.setText(
            f"Signed with this installation's key, fingerprint {result.key_fingerprint}"
        )
        self.show()
