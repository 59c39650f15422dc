"""The live wall's toolbar: layout switcher, named layouts menu and the wall-mode (F11) toggle."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QAction, QActionGroup, QKeySequence
from PySide6.QtWidgets import QMenu, QToolBar, QToolButton, QWidget

from vas_console.core.layouts import LAYOUTS, LayoutKind


class WallToolbar(QToolBar):
    """Buttons for the wall; it decides nothing, it reports what the operator asked for.

    Signals:
        layout_chosen(LayoutKind): a layout button was clicked.
        save_requested(): "Save layout as…".
        load_requested(str): a saved layout (its name) was chosen.
        delete_requested(str): "Delete" of a saved layout.
        wall_mode_toggled(bool): the wall-mode action (F11) was toggled.
    """

    layout_chosen = Signal(object)
    save_requested = Signal()
    load_requested = Signal(str)
    delete_requested = Signal(str)
    wall_mode_toggled = Signal(bool)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("Live wall", parent)
        self.setObjectName("liveWallToolbar")
        self.setMovable(False)
        self.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        self._group = QActionGroup(self)
        self._group.setExclusive(True)
        self.layout_actions: dict[LayoutKind, QAction] = {}
        for kind in LAYOUTS:
            action = QAction(kind.value, self)
            action.setObjectName(f"layout_{kind.value}")
            action.setCheckable(True)
            action.setToolTip(f"Show the wall as {kind.value}")
            action.setData(kind)
            action.triggered.connect(self._on_layout_action_triggered)
            self._group.addAction(action)
            self.addAction(action)
            self.layout_actions[kind] = action
        self.addSeparator()
        self._names: list[str] = []
        self.layouts_menu = QMenu("Layouts", self)
        self.layouts_menu.setObjectName("savedLayoutsMenu")
        self.layouts_menu.aboutToShow.connect(self._on_layouts_menu_about_to_show)
        button = QToolButton(self)
        button.setText("Layouts")
        button.setMenu(self.layouts_menu)
        button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.addWidget(button)
        self.wall_mode_action = QAction("Wall mode", self)
        self.wall_mode_action.setObjectName("wallModeAction")
        self.wall_mode_action.setCheckable(True)
        self.wall_mode_action.setShortcut(QKeySequence(Qt.Key.Key_F11))
        self.wall_mode_action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        self.wall_mode_action.setToolTip("Full-screen wall (F11; Esc leaves it)")
        self.wall_mode_action.toggled.connect(self.wall_mode_toggled)
        self.addAction(self.wall_mode_action)

    def show_layout(self, kind: LayoutKind) -> None:
        """Check the button of `kind` without reporting it."""
        self.layout_actions[kind].setChecked(True)

    def set_saved_names(self, names: list[str]) -> None:
        self._names = list(names)

    def _on_layout_action_triggered(self) -> None:
        action = self._group.checkedAction()
        if action is not None:
            self.layout_chosen.emit(LayoutKind(action.data()))

    def _on_layouts_menu_about_to_show(self) -> None:
        menu = self.layouts_menu
        menu.clear()
        save = menu.addAction("Save layout as…")
        save.triggered.connect(self.save_requested)
        if not self._names:
            return
        menu.addSeparator()
        for name in self._names:
            load = menu.addAction(name)
            load.triggered.connect(lambda _checked=False, n=name: self.load_requested.emit(n))
        remove = menu.addMenu("Delete")
        for name in self._names:
            action = remove.addAction(name)
            action.triggered.connect(lambda _checked=False, n=name: self.delete_requested.emit(n))
