"""Non-blocking questions to the operator: confirmations, a line of text, a list of import errors.

Every dialog here is opened with `open()` (window-modal, returns at once) and deletes itself when closed;
the answer arrives through a callback. Nothing here calls `exec()`, so all of it is safe from coroutines.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QInputDialog,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)

from backend_embed.api import LineError

MAX_LISTED_ERRORS = 50


def confirm(
    parent: QWidget,
    title: str,
    text: str,
    on_confirmed: Callable[[], None],
    *,
    action: str = "Delete",
) -> QMessageBox:
    """Ask a yes/no question; call `on_confirmed` only if the operator presses `action`.

    "Cancel" is the default button, so Enter does not delete anything by accident.
    """
    box = QMessageBox(
        QMessageBox.Icon.Warning, title, text, QMessageBox.StandardButton.NoButton, parent
    )
    box.setObjectName("confirmBox")
    box.setTextFormat(Qt.TextFormat.PlainText)
    yes = box.addButton(action, QMessageBox.ButtonRole.DestructiveRole)
    cancel = box.addButton(QMessageBox.StandardButton.Cancel)
    box.setDefaultButton(cancel)
    box.setEscapeButton(cancel)
    box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)

    def on_finished(_result: int) -> None:
        if box.clickedButton() is yes:
            on_confirmed()

    box.finished.connect(on_finished)
    box.open()
    return box


def ask_text(
    parent: QWidget,
    title: str,
    label: str,
    on_accepted: Callable[[str], None],
    *,
    text: str = "",
) -> QInputDialog:
    """Ask for one line of text; call `on_accepted` with it (stripped) unless cancelled or empty."""
    dialog = QInputDialog(parent)
    dialog.setObjectName("textPrompt")
    dialog.setWindowTitle(title)
    dialog.setLabelText(label)
    dialog.setTextValue(text)
    dialog.setTextEchoMode(QLineEdit.EchoMode.Normal)
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)

    def on_selected(value: str) -> None:
        if value.strip():
            on_accepted(value.strip())

    dialog.textValueSelected.connect(on_selected)
    dialog.open()
    return dialog


def show_message(parent: QWidget, title: str, text: str, *, error: bool = False) -> QMessageBox:
    """Show an information (or error) message without blocking."""
    icon = QMessageBox.Icon.Critical if error else QMessageBox.Icon.Information
    box = QMessageBox(icon, title, text, QMessageBox.StandardButton.Ok, parent)
    box.setTextFormat(Qt.TextFormat.PlainText)
    box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    box.open()
    return box


class ImportErrorsDialog(QDialog):
    """Lists the problems of a rejected import file (the first MAX_LISTED_ERRORS), and says nothing changed."""

    def __init__(
        self, message: str, errors: Sequence[LineError], parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setObjectName("importErrorsDialog")
        self.setWindowTitle("Import failed")
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.resize(640, 420)
        self.heading = QLabel(
            f"{message}\nNothing was imported: fix the file and import it again.", self
        )
        self.heading.setTextFormat(Qt.TextFormat.PlainText)
        self.heading.setWordWrap(True)
        self.error_list = QPlainTextEdit(self)
        self.error_list.setReadOnly(True)
        self.error_list.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
        lines = [str(e) for e in errors[:MAX_LISTED_ERRORS]]
        if len(errors) > MAX_LISTED_ERRORS:
            lines.append(f"… and {len(errors) - MAX_LISTED_ERRORS} more problems")
        self.error_list.setPlainText("\n".join(lines))
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.heading)
        layout.addWidget(self.error_list, 1)
        layout.addWidget(buttons)
