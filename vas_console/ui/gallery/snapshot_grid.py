"""SnapshotGrid: the gallery's virtualised QListView (icon mode, uniform cells spread over the width)."""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QResizeEvent
from PySide6.QtWidgets import QAbstractItemView, QListView, QWidget

from vas_console.ui.gallery.thumbnail_delegate import CELL, GRID


class SnapshotGrid(QListView):
    """Fixed-size cells in rows; only the visible ones are painted (the delegate draws each cell).

    Leftover width is shared between the columns, so the grid fills the view instead of leaving a gap.
    """

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("snapshotGrid")
        self.setViewMode(QListView.ViewMode.IconMode)
        self.setMovement(QListView.Movement.Static)
        self.setResizeMode(QListView.ResizeMode.Adjust)
        self.setUniformItemSizes(True)
        self.setGridSize(GRID)
        self.setSpacing(0)
        self.setWrapping(True)
        self.setLayoutMode(QListView.LayoutMode.Batched)
        self.setBatchSize(400)
        self.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        # Always on: the width the columns share does not change when the list grows past one screen.
        self.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOn)
        self.verticalScrollBar().setSingleStep(GRID.height() // 4)
        self.setMouseTracking(True)
        self.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)

    def columns(self) -> int:
        return max(1, (self.viewport().width() - 4) // GRID.width())

    def resizeEvent(self, event: QResizeEvent) -> None:
        # A few pixels spare: a row holds only the cells that end strictly inside the viewport.
        width = max(GRID.width(), (self.viewport().width() - 4) // self.columns())
        wanted = QSize(min(width, CELL.width() * 2), GRID.height())
        if wanted != self.gridSize():
            self.setGridSize(wanted)
        super().resizeEvent(event)
