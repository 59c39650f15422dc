"""The main window's central area: the live wall, recorded-video playback and the camera overview, as tabs."""

from __future__ import annotations

from PySide6.QtWidgets import QMainWindow, QTabWidget, QWidget

from vas_console.ui.camera_overview import CameraOverview
from vas_console.ui.live.live_wall import LiveWall


class Workspace(QTabWidget):
    """Tabs in the order an operator uses them: Live first (when the console shows live video), then Playback,
    then the Overview of every camera's state."""

    def __init__(
        self,
        overview: CameraOverview,
        *,
        live_wall: LiveWall | None = None,
        playback: QWidget | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("workspace")
        self.setDocumentMode(True)
        self.live_wall = live_wall
        self.playback = playback
        self.overview = overview
        if live_wall is not None:
            self.addTab(live_wall, "Live")
        if playback is not None:
            self.addTab(playback, "Playback")
        self.addTab(overview, "Overview")

    def show_live(self) -> None:
        if self.live_wall is not None:
            self.setCurrentWidget(self.live_wall)

    def show_playback(self) -> None:
        if self.playback is not None:
            self.setCurrentWidget(self.playback)


class WallChrome:
    """Hides the window's chrome while the live wall is in wall mode and brings back what was shown."""

    def __init__(self, window: QMainWindow, workspace: Workspace, extra: list[QWidget]) -> None:
        self._window = window
        self._workspace = workspace
        self._extra = extra
        self._hidden: list[QWidget] = []

    def set_wall_mode(self, on: bool) -> None:
        if on:
            self._workspace.show_live()
            self._workspace.tabBar().hide()
            chrome: list[QWidget] = [self._window.menuBar(), self._window.statusBar(), *self._extra]
            chrome += [
                d for d in self._window.findChildren(QWidget) if d.objectName().endswith("Dock")
            ]
            self._hidden = [w for w in chrome if w.isVisible()]
            for widget in self._hidden:
                widget.hide()
            return
        self._workspace.tabBar().show()
        for widget in self._hidden:
            widget.show()
        self._hidden = []
