"""Painting helpers of a video tile: the box that says why a tile is not live."""

from __future__ import annotations

from PySide6.QtCore import QRect, Qt
from PySide6.QtGui import QColor, QFont, QPainter

from vas_console.media.live import LiveStatus
from vas_console.ui import theme
from vas_console.ui.live.tile_text import state_lines

_LABEL_BACKGROUND = QColor(0, 0, 0, 170)
_MARGIN = 6


def paint_state_box(painter: QPainter, area: QRect, status: LiveStatus, colour: str) -> None:
    """Centred in `area`: the state's headline (bold, in `colour`) and its reason, wrapped, on a dark box."""
    headline, reason = state_lines(status)
    metrics = painter.fontMetrics()
    width = max(40, min(area.width() - 4 * _MARGIN, 420))
    wrap = Qt.AlignmentFlag.AlignHCenter | Qt.TextFlag.TextWordWrap
    detail = metrics.boundingRect(QRect(0, 0, width, area.height()), wrap, reason)
    used = max(metrics.horizontalAdvance(headline), detail.width() if reason else 0)
    height = metrics.height() + (detail.height() + _MARGIN // 2 if reason else 0)
    box = QRect(0, 0, min(width, used) + 4 * _MARGIN, min(area.height(), height + 2 * _MARGIN))
    box.moveCenter(area.center())
    painter.fillRect(box, _LABEL_BACKGROUND)
    inner = box.adjusted(2 * _MARGIN, _MARGIN, -2 * _MARGIN, -_MARGIN)
    base_font = QFont(painter.font())
    font = QFont(base_font)
    font.setBold(True)
    painter.setFont(font)
    painter.setPen(QColor(colour))
    painter.drawText(inner, Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop, headline)
    painter.setFont(base_font)
    painter.setPen(QColor(theme.TEXT))
    painter.drawText(inner.adjusted(0, metrics.height() + _MARGIN // 2, 0, 0), wrap, reason)
