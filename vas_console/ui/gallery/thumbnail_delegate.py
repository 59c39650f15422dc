"""ThumbnailDelegate: paints one gallery cell (thumbnail, camera, time, LIVE/REC badge, protection lock)."""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QPointF, QRect, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QFont, QPainter, QPainterPath, QPen, QPixmap
from PySide6.QtWidgets import QStyle, QStyledItemDelegate, QStyleOptionViewItem, QWidget

from backend_embed.api import Snapshot, SnapshotSource
from vas_console.ui import theme
from vas_console.ui.figures import local_datetime
from vas_console.ui.gallery.snapshot_model import SNAPSHOT_ROLE
from vas_console.ui.gallery.thumbnail_cache import THUMB_BOX, ThumbnailCache

PAD = 6
CELL = QSize(THUMB_BOX.width() + 2 * PAD, THUMB_BOX.height() + 2 * PAD + 40)
SPACING = 8
GRID = QSize(CELL.width() + SPACING, CELL.height() + SPACING)
ITEM = QSize(CELL.width(), GRID.height())
"""An item: the card and half the spacing above and below it."""

LIVE_BADGE = "#1f6feb"
REC_BADGE = "#c93c37"
PLACEHOLDER = "#0b0e12"

_Index = QModelIndex | QPersistentModelIndex


class ThumbnailDelegate(QStyledItemDelegate):
    """Draws a snapshot as a card of fixed size `CELL`; thumbnails come from a `ThumbnailCache`.

    `painted_rows` collects every row painted since `reset_painted()`: the view paints only visible cells.
    """

    def __init__(self, cache: ThumbnailCache, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._cache = cache
        self.painted_rows: set[int] = set()
        self._name_font = QFont()
        self._name_font.setBold(True)
        self._badge_font = QFont()
        self._badge_font.setBold(True)
        self._badge_font.setPixelSize(10)

    def reset_painted(self) -> None:
        self.painted_rows.clear()

    def sizeHint(self, option: QStyleOptionViewItem, index: _Index) -> QSize:
        return QSize(ITEM)

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: _Index) -> None:
        snapshot = index.data(SNAPSHOT_ROLE)
        if not isinstance(snapshot, Snapshot):
            return
        self.painted_rows.add(index.row())
        rect: QRect = option.rect
        state: QStyle.StateFlag = option.state
        cell = QRect(
            rect.left() + max(0, rect.width() - CELL.width()) // 2,
            rect.top() + SPACING // 2,
            *CELL.toTuple(),
        )
        selected = bool(state & QStyle.StateFlag.State_Selected)
        hovered = bool(state & QStyle.StateFlag.State_MouseOver)
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        self._paint_card(painter, cell, selected=selected, hovered=hovered)
        thumb = QRect(cell.left() + PAD, cell.top() + PAD, THUMB_BOX.width(), THUMB_BOX.height())
        self._paint_thumbnail(painter, thumb, self._cache.pixmap(snapshot))
        self._paint_badge(painter, thumb, snapshot.source)
        if snapshot.protected:
            self._paint_lock(painter, thumb)
        self._paint_text(painter, cell, thumb, snapshot, selected=selected)
        if bool(state & QStyle.StateFlag.State_HasFocus):
            painter.setPen(QPen(QColor(theme.TEXT), 1, Qt.PenStyle.DotLine))
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.drawRoundedRect(QRectF(cell).adjusted(3.5, 3.5, -3.5, -3.5), 4, 4)
        painter.restore()

    def _paint_card(self, painter: QPainter, cell: QRect, *, selected: bool, hovered: bool) -> None:
        background = QColor(theme.PANEL_HOVER if hovered else theme.PANEL)
        if selected:
            background = QColor("#17304f")
        border = QPen(QColor(theme.ACCENT if selected else theme.BORDER), 2 if selected else 1)
        painter.setPen(border)
        painter.setBrush(background)
        painter.drawRoundedRect(QRectF(cell).adjusted(1, 1, -1, -1), 5, 5)

    def _paint_thumbnail(self, painter: QPainter, box: QRect, pixmap: QPixmap | None) -> None:
        painter.fillRect(box, QColor(PLACEHOLDER))
        if pixmap is None or pixmap.isNull():
            return
        scaled = pixmap.size().scaled(box.size(), Qt.AspectRatioMode.KeepAspectRatio)
        target = QRect(0, 0, scaled.width(), scaled.height())
        target.moveCenter(box.center())
        painter.drawPixmap(target, pixmap)

    def _paint_badge(self, painter: QPainter, thumb: QRect, source: SnapshotSource) -> None:
        text, colour = ("LIVE", LIVE_BADGE) if source is SnapshotSource.LIVE else ("REC", REC_BADGE)
        painter.setFont(self._badge_font)
        width = painter.fontMetrics().horizontalAdvance(text) + 10
        badge = QRect(thumb.left() + 5, thumb.top() + 5, width, 16)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(QColor(colour))
        painter.drawRoundedRect(QRectF(badge), 3, 3)
        painter.setPen(QColor("#ffffff"))
        painter.drawText(badge, Qt.AlignmentFlag.AlignCenter, text)

    def _paint_lock(self, painter: QPainter, thumb: QRect) -> None:
        """A padlock in a dark disc at the top right: protected from retention and deletion."""
        centre = QPointF(thumb.right() - 14, thumb.top() + 14)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(QColor(0, 0, 0, 170))
        painter.drawEllipse(centre, 11, 11)
        amber = QColor(theme.AMBER)
        painter.setBrush(amber)
        body = QRectF(centre.x() - 5, centre.y() - 1, 10, 7)
        painter.drawRoundedRect(body, 1.5, 1.5)
        shackle = QPainterPath()
        shackle.moveTo(centre.x() - 3.2, centre.y() - 1)
        shackle.lineTo(centre.x() - 3.2, centre.y() - 3.5)
        shackle.arcTo(QRectF(centre.x() - 3.2, centre.y() - 7, 6.4, 6.4), 180, -180)
        shackle.lineTo(centre.x() + 3.2, centre.y() - 1)
        painter.setPen(QPen(amber, 1.6))
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.drawPath(shackle)

    def _paint_text(
        self, painter: QPainter, cell: QRect, thumb: QRect, snapshot: Snapshot, *, selected: bool
    ) -> None:
        width = cell.width() - 2 * PAD
        name_rect = QRect(cell.left() + PAD, thumb.bottom() + 5, width, 18)
        time_rect = QRect(cell.left() + PAD, name_rect.bottom() + 1, width, 16)
        name = snapshot.camera_name or "Unknown camera"
        if snapshot.camera_id is None:
            name += " (removed)"
        painter.setFont(self._name_font)
        painter.setPen(QColor(theme.TEXT))
        elided = painter.fontMetrics().elidedText(name, Qt.TextElideMode.ElideRight, width)
        painter.drawText(
            name_rect, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, elided
        )
        painter.setFont(QFont())
        painter.setPen(QColor(theme.TEXT if selected else theme.TEXT_DIM))
        when = local_datetime(snapshot.time_ms, seconds=True)
        painter.drawText(
            time_rect, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, when
        )
