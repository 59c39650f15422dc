"""The main window's menu bar: File, Cameras, View and Help, with the evidence and offline review entries."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QMenu

from vas_console.ui.theme import APP_NAME

if TYPE_CHECKING:
    from vas_console.ui.main_window import MainWindow


def _add(
    window: MainWindow, menu: QMenu, text: str, slot: Callable[..., object], shortcut: str = ""
) -> QAction:
    action = QAction(text, window)
    if shortcut:
        action.setShortcut(QKeySequence(shortcut))
    action.triggered.connect(slot)
    menu.addAction(action)
    return action


@dataclass(frozen=True, slots=True)
class WindowMenus:
    """The actions the window and its tests reach directly."""

    quit: QAction
    log: QAction
    storage: QAction
    full_screen: QAction


def build_menus(window: MainWindow) -> WindowMenus:
    """Fill the window's menu bar."""
    bar = window.menuBar()
    file_menu = bar.addMenu("&File")
    if window.offline is not None:
        file_menu.addAction(window.offline.action)
        file_menu.addSeparator()
    file_menu.addActions([window.commands.import_cameras, window.commands.export_cameras])
    file_menu.addSeparator()
    evidence_at = file_menu.addSeparator()
    quit_action = _add(window, file_menu, "&Quit", window.quit_from_menu, "Ctrl+Q")
    cameras = bar.addMenu("&Cameras")
    cameras.addActions(window.commands.camera_actions())
    cameras.addSeparator()
    cameras.addActions(window.commands.group_actions())
    view = bar.addMenu("&View")
    _add(window, view, "&Reload", window.reload_from_menu, "F5")
    view.addSeparator()
    tree_toggle = window.tree_dock.toggleViewAction()
    tree_toggle.setText("&Camera list")
    log_toggle = window.log_dock.toggleViewAction()
    log_toggle.setText("&Log")
    log_toggle.setShortcut(QKeySequence("Ctrl+L"))
    storage_action = window.storage_dock.toggleViewAction()
    storage_action.setText("&Storage")
    view.addActions([tree_toggle, log_toggle, storage_action])
    view.addSeparator()
    full_screen_action = _add(window, view, "&Full screen", window.set_full_screen, "F11")
    full_screen_action.setCheckable(True)
    if window.live_wall is not None:
        # F11 is the live wall's full-screen wall mode; two actions on one key would both be dead
        full_screen_action.setShortcut(QKeySequence())
    help_menu = bar.addMenu("&Help")
    evidence_menu = QMenu(window)
    window.evidence.add_actions(evidence_menu, view, help_menu)
    file_menu.insertActions(evidence_at, evidence_menu.actions())
    help_menu.addSeparator()
    _add(window, help_menu, f"&About {APP_NAME}", window.show_about)
    return WindowMenus(quit_action, log_toggle, storage_action, full_screen_action)
