"""Help > Evidence signing key: the installation's public key, to hand to whoever verifies its exports."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QFont, QGuiApplication
from PySide6.QtWidgets import (
    QDialog,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from backend_embed.api import BackendApi, BackendError, EvidenceKey
from vas_console.ui.aio import TaskKeeper

EXPLANATION = (
    "Exports are signed with this installation's Ed25519 key (made on first use). Give this public key "
    'to whoever checks an export; they run:  vas-verify-export FOLDER --key "<the key text>"'
)


class KeyDialog(QDialog):
    """Shows the installation's public signing key and fingerprint (loaded when opened) with a Copy button."""

    def __init__(self, backend: BackendApi, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._backend = backend
        self.tasks = TaskKeeper(self)
        self.key: EvidenceKey | None = None
        self.setObjectName("keyDialog")
        self.setWindowTitle("Evidence signing key")
        explanation = QLabel(EXPLANATION, self)
        explanation.setWordWrap(True)
        explanation.setProperty("role", "hint")
        self.fingerprint_label = QLabel("Loading the key…", self)
        self.fingerprint_label.setObjectName("keyFingerprint")
        self.fingerprint_label.setStyleSheet("font-size: 16px; font-weight: 600;")
        self.fingerprint_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.key_text = QPlainTextEdit(self)
        self.key_text.setObjectName("keyText")
        self.key_text.setReadOnly(True)
        self.key_text.setFont(QFont("monospace"))
        self.key_text.setMaximumHeight(70)
        self.copy_button = QPushButton("Copy", self)
        self.copy_button.setEnabled(False)
        self.copy_button.clicked.connect(self._on_copy_clicked)
        close = QPushButton("Close", self)
        close.clicked.connect(self.reject)
        buttons = QHBoxLayout()
        buttons.addWidget(self.copy_button)
        buttons.addStretch(1)
        buttons.addWidget(close)
        layout = QVBoxLayout(self)
        layout.addWidget(explanation)
        layout.addWidget(self.fingerprint_label)
        layout.addWidget(self.key_text)
        layout.addLayout(buttons)
        self.resize(560, 240)
        self.tasks.start(self._load(), name="load evidence key")

    async def _load(self) -> None:
        try:
            key = await self._backend.evidence_key()
        except BackendError as exc:
            self.fingerprint_label.setText(exc.user_message)
            return
        self.key = key
        self.fingerprint_label.setText(f"Fingerprint {key.fingerprint}")
        self.key_text.setPlainText(key.text)
        self.copy_button.setEnabled(True)

    def _on_copy_clicked(self) -> None:
        if self.key is not None:
            QGuiApplication.clipboard().setText(self.key.text)

    def done(self, result: int) -> None:
        self.tasks.cancel_all()
        super().done(result)
