"""GalleryActions: the gallery's commands as QActions (toolbar, context menu, keys), enabled by selection."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

from PySide6.QtCore import QObject, Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QFileDialog, QMenu, QToolBar, QWidget

from backend_embed.api import Snapshot

FolderChooser = Callable[[QWidget, Callable[[Path], None]], None]
"""Asks for a folder without blocking and calls back with it (not at all when cancelled)."""


def choose_folder_dialog(parent: QWidget, on_chosen: Callable[[Path], None]) -> None:
    """The default FolderChooser: a window-modal directory dialog opened with `open()`."""
    dialog = QFileDialog(parent, "Export snapshots to folder")
    dialog.setFileMode(QFileDialog.FileMode.Directory)
    dialog.setOption(QFileDialog.Option.ShowDirsOnly)
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    dialog.fileSelected.connect(lambda folder: on_chosen(Path(folder)))
    dialog.open()


def count_text(count: int) -> str:
    """`1 snapshot`, `1,234 snapshots`."""
    return f"{count:,} snapshot" + ("" if count == 1 else "s")


class GalleryActions(QObject):
    """View, Copy, Export selected…, Protect/Unprotect, Delete…, Open in playback, Reload.

    `attach_keys(view)` gives the view the keyboard shortcuts (Enter views, Ctrl+C copies, Delete deletes),
    only while the grid has focus, so Ctrl+C in a date field still copies text.
    """

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.view = self._action("View", "Open the snapshot at full size (Enter, double-click)")
        self.view.setShortcuts([QKeySequence(Qt.Key.Key_Return), QKeySequence(Qt.Key.Key_Enter)])
        self.copy = self._action("Copy", "Copy the image to the clipboard (Ctrl+C)")
        self.copy.setShortcut(QKeySequence.StandardKey.Copy)
        self.export = self._action("Export selected…", "Copy the selected JPEGs into a folder")
        self.protect = self._action("Protect", "Keep from retention and deletion")
        self.delete = self._action("Delete…", "Delete the selected snapshots (Delete)")
        self.delete.setShortcut(QKeySequence.StandardKey.Delete)
        self.playback = self._action(
            "Open in playback", "Play the camera's recording at the snapshot's time"
        )
        self.reload = self._action("Reload", "Load the snapshots again (F5)")
        self.reload.setShortcut(QKeySequence(Qt.Key.Key_F5))
        self.update_for([])

    def _action(self, text: str, tip: str) -> QAction:
        action = QAction(text, self)
        action.setToolTip(tip)
        action.setStatusTip(tip)
        return action

    def toolbar_actions(self) -> list[QAction | None]:
        """In toolbar order; None is a separator."""
        return [
            self.view,
            self.playback,
            None,
            self.copy,
            self.export,
            None,
            self.protect,
            self.delete,
        ]

    def attach_keys(self, widget: QWidget) -> None:
        for action in (self.view, self.copy, self.delete, self.reload):
            action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            widget.addAction(action)

    def fill(self, menu: QMenu | QToolBar) -> None:
        for action in self.toolbar_actions():
            if action is None:
                menu.addSeparator()
            else:
                menu.addAction(action)

    def update_for(self, selected: Sequence[Snapshot], current: Snapshot | None = None) -> None:
        """Enable what makes sense for this selection; Protect reads Unprotect when all are protected."""
        some = bool(selected)
        one = current if current is not None else (selected[0] if selected else None)
        self.view.setEnabled(some)
        self.copy.setEnabled(some)
        self.export.setEnabled(some)
        self.protect.setEnabled(some)
        self.delete.setEnabled(some)
        self.playback.setEnabled(one is not None and one.camera_id is not None)
        all_protected = some and all(s.protected for s in selected)
        self.protect.setText("Unprotect" if all_protected else "Protect")
        self.protect.setToolTip(
            "Let retention and deletion remove the selected snapshots again"
            if all_protected
            else "Keep the selected snapshots from retention and deletion"
        )
        count = len(selected)
        self.export.setText(f"Export {count:,} selected…" if count > 1 else "Export selected…")
        self.delete.setText(f"Delete {count:,}…" if count > 1 else "Delete…")
