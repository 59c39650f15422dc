"""The "Verify export" dialog: checks an export folder's signature and files and shows what differs."""

from __future__ import annotations

import logging
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QBrush, QColor, QGuiApplication
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from backend_embed.api import (
    BackendApi,
    BackendError,
    ExportFileState,
    ExportVerification,
)
from vas_console.ui import theme
from vas_console.ui.aio import TaskKeeper
from vas_console.ui.evidence.common import ChooseFolder, choose_folder

logger = logging.getLogger(__name__)

#: per file state: the mark and words shown, and their colour
STATE_LOOK: dict[ExportFileState, tuple[str, str]] = {
    ExportFileState.OK: ("✓ Unchanged", theme.SUCCESS),
    ExportFileState.ALTERED: ("✗ Altered", theme.ERROR),
    ExportFileState.MISSING: ("✗ Missing", theme.ERROR),
    ExportFileState.EXTRA: ("+ Not in the manifest", theme.AMBER),
}
_VERDICT_STYLE = (
    "font-size: 26px; font-weight: 700; padding: 6px 12px; border-radius: 5px; color: {};"
)
VALID_TEXT = "VALID"
NOT_VALID_TEXT = "NOT VALID"


def signer_text(verification: ExportVerification) -> str:
    """Who signed the export, in words."""
    key = verification.key_fingerprint or "unknown"
    if not verification.signature_ok:
        return f"The signature does not match the manifest (key {key})."
    if verification.signed_here is True:
        return f"Signed by this installation's key (fingerprint {key})."
    if verification.signed_here is False:
        return f"Signed by another key, not this installation's (fingerprint {key})."
    return f"Signed by the key with fingerprint {key}."


def files_text(verification: ExportVerification) -> str:
    """`All 3 files are as signed.` or `1 altered, 1 missing, 1 unchanged.`"""
    files = verification.files
    if files and all(f.state is ExportFileState.OK for f in files):
        return f"All {len(files)} file{'s are' if len(files) != 1 else ' is'} as signed."
    words = {
        ExportFileState.ALTERED: "altered",
        ExportFileState.MISSING: "missing",
        ExportFileState.EXTRA: "not in the manifest",
        ExportFileState.OK: "unchanged",
    }
    counts = [(sum(f.state is s for f in files), w) for s, w in words.items()]
    return ", ".join(f"{n} {w}" for n, w in counts if n).capitalize() + "." if files else ""


class VerifyDialog(QDialog):
    """Chooses an export folder, verifies it through the backend and shows the verdict per file.

    `verify(folder)` starts a check directly (as the export dialog's "Verify now" does). Closing the dialog
    cancels a check still running.
    """

    def __init__(
        self,
        backend: BackendApi,
        *,
        choose: ChooseFolder = choose_folder,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._backend = backend
        self._choose = choose
        self.tasks = TaskKeeper(self)
        self._closing = False
        self.verification: ExportVerification | None = None
        self.setObjectName("verifyDialog")
        self.setWindowTitle("Verify export")
        self.folder_edit = QLineEdit(self)
        self.folder_edit.setObjectName("verifyFolder")
        self.folder_edit.setPlaceholderText(
            "An export folder (with manifest.json and manifest.sig)"
        )
        browse = QPushButton("Choose…", self)
        browse.setAutoDefault(False)
        browse.clicked.connect(self._on_choose_clicked)
        self.verify_button = QPushButton("Verify", self)
        self.verify_button.setDefault(True)
        self.verify_button.clicked.connect(self._on_verify_clicked)
        row = QHBoxLayout()
        row.addWidget(self.folder_edit, 1)
        row.addWidget(browse)
        row.addWidget(self.verify_button)
        self.verdict_label = QLabel(self)
        self.verdict_label.setObjectName("verifyVerdict")
        self.verdict_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.signer_label = QLabel(self)
        self.signer_label.setObjectName("verifySigner")
        self.signer_label.setWordWrap(True)
        self.signer_label.setTextFormat(Qt.TextFormat.PlainText)
        self.files = QTableWidget(0, 2, self)
        self.files.setObjectName("verifyFiles")
        self.files.setHorizontalHeaderLabels(["State", "File"])
        self.files.verticalHeader().hide()
        self.files.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        header = self.files.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        self.problems_label = QLabel(self)
        self.problems_label.setObjectName("verifyProblems")
        self.problems_label.setProperty("role", "fieldError")
        self.problems_label.setWordWrap(True)
        self.problems_label.setTextFormat(Qt.TextFormat.PlainText)
        self.copy_button = QPushButton("Copy report", self)
        self.copy_button.setAutoDefault(False)
        self.copy_button.setEnabled(False)
        self.copy_button.clicked.connect(self._on_copy_clicked)
        close = QPushButton("Close", self)
        close.setAutoDefault(False)
        close.clicked.connect(self.reject)
        buttons = QHBoxLayout()
        buttons.addWidget(self.copy_button)
        buttons.addStretch(1)
        buttons.addWidget(close)
        layout = QVBoxLayout(self)
        layout.addLayout(row)
        layout.addWidget(self.verdict_label)
        layout.addWidget(self.signer_label)
        layout.addWidget(self.files, 1)
        layout.addWidget(self.problems_label)
        layout.addLayout(buttons)
        self._clear()
        self.resize(620, 440)

    def verify(self, folder: str) -> None:
        """Show `folder` and check it."""
        self.folder_edit.setText(folder)
        self._on_verify_clicked()

    def _clear(self, verdict: str = "") -> None:
        self.verification = None
        self.verdict_label.setText(verdict)
        self.verdict_label.setStyleSheet(_VERDICT_STYLE.format(theme.TEXT_DIM))
        self.verdict_label.setVisible(bool(verdict))
        self.signer_label.clear()
        self.files.setRowCount(0)
        self.problems_label.clear()
        self.problems_label.hide()
        self.copy_button.setEnabled(False)

    def _on_choose_clicked(self) -> None:
        folder = self._choose(self, "Choose an export folder", self.folder_edit.text())
        if folder:
            self.verify(folder)

    def _on_verify_clicked(self) -> None:
        folder = self.folder_edit.text().strip()
        if not folder:
            self._clear()
            self._show_problems(["Choose an export folder first."])
            return
        self._clear("Checking…")
        self.verify_button.setEnabled(False)
        self.tasks.start(self._verify(Path(folder)), name="verify export")

    async def _verify(self, folder: Path) -> None:
        try:
            verification = await self._backend.verify_export(folder)
        except BackendError as exc:
            if not self._closing:
                self._clear()
                self._show_problems([exc.user_message])
            return
        finally:
            if not self._closing:
                self.verify_button.setEnabled(True)
        logger.info("Verified %s: %s", folder, "valid" if verification.valid else "NOT valid")
        self.show_verification(verification)

    def show_verification(self, verification: ExportVerification) -> None:
        """Show a verification result (the verdict, the signer, every file, the problems)."""
        self.verification = verification
        valid = verification.valid
        self.verdict_label.setText(VALID_TEXT if valid else NOT_VALID_TEXT)
        background = "#12361f" if valid else "#3d1d1f"
        colour = theme.SUCCESS if valid else theme.ERROR
        self.verdict_label.setStyleSheet(
            _VERDICT_STYLE.format(colour)
            + f" background: {background}; border: 1px solid {colour};"
        )
        self.verdict_label.show()
        self.signer_label.setText(
            f"{signer_text(verification)}\n{files_text(verification)}".strip()
        )
        self.files.setRowCount(len(verification.files))
        for row, verdict in enumerate(verification.files):
            text, tint = STATE_LOOK[verdict.state]
            state = QTableWidgetItem(text)
            state.setForeground(QBrush(QColor(tint)))
            state.setData(Qt.ItemDataRole.UserRole, verdict.state)
            name = QTableWidgetItem(verdict.name)
            if verdict.state is not ExportFileState.OK:
                name.setForeground(QBrush(QColor(tint)))
            self.files.setItem(row, 0, state)
            self.files.setItem(row, 1, name)
        self._show_problems(list(verification.problems))
        self.copy_button.setEnabled(True)

    def _show_problems(self, problems: list[str]) -> None:
        self.problems_label.setText("\n".join(f"• {p}" for p in problems))
        self.problems_label.setVisible(bool(problems))

    def states(self) -> dict[str, ExportFileState]:
        """The state shown for each file (for callers and tests)."""
        found: dict[str, ExportFileState] = {}
        for row in range(self.files.rowCount()):
            state, name = self.files.item(row, 0), self.files.item(row, 1)
            if state is None or name is None:  # show_verification fills every cell
                continue
            found[name.text()] = ExportFileState(state.data(Qt.ItemDataRole.UserRole))
        return found

    def _on_copy_clicked(self) -> None:
        if self.verification is not None:
            QGuiApplication.clipboard().setText(self.verification.report)

    def done(self, result: int) -> None:
        self._closing = True
        self.tasks.cancel_all()
        super().done(result)
