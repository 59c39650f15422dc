"""The evidence menu entries: Export video… (Ctrl+E), Verify export…, Evidence signing key…."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QMenu, QWidget

from backend_embed.api import BackendApi
from vas_console.ui.evidence.key_dialog import KeyDialog
from vas_console.ui.evidence.verify_dialog import VerifyDialog


@dataclass(frozen=True, slots=True)
class EvidenceActions:
    export: QAction
    verify: QAction
    key: QAction


def add_evidence_actions(
    menu: QMenu,
    *,
    on_export: Callable[[], None],
    on_verify: Callable[[], None],
    on_key: Callable[[], None],
    key_menu: QMenu | None = None,
) -> EvidenceActions:
    """Add "Export video…" (Ctrl+E) and "Verify export…" to `menu`, "Evidence signing key…" to `key_menu`.

    `key_menu` is meant to be Help; without it all three go into `menu`. The callbacks run when triggered
    (the caller knows which cameras and range an export should start with).
    """
    export = QAction("&Export video…", menu)
    export.setObjectName("exportVideoAction")
    export.setShortcut(QKeySequence("Ctrl+E"))
    export.triggered.connect(lambda _checked=False: on_export())
    verify = QAction("&Verify export…", menu)
    verify.setObjectName("verifyExportAction")
    verify.triggered.connect(lambda _checked=False: on_verify())
    key = QAction("Evidence signing &key…", key_menu or menu)
    key.setObjectName("evidenceKeyAction")
    key.triggered.connect(lambda _checked=False: on_key())
    menu.addAction(export)
    menu.addAction(verify)
    (key_menu or menu).addAction(key)
    return EvidenceActions(export, verify, key)


def open_verify_dialog(backend: BackendApi, parent: QWidget, folder: str = "") -> VerifyDialog:
    """Open a non-modal VerifyDialog (deleted when closed); checks `folder` at once if given."""
    dialog = VerifyDialog(backend, parent=parent)
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    dialog.open()
    if folder:
        dialog.verify(folder)
    return dialog


def open_key_dialog(backend: BackendApi, parent: QWidget) -> KeyDialog:
    """Open the signing key dialog (deleted when closed)."""
    dialog = KeyDialog(backend, parent)
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    dialog.open()
    return dialog
