"""Small glyphs drawn with QPainter (the theme is dark; emoji fonts are not everywhere): lock, camera."""

from __future__ import annotations

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QIcon, QPainter, QPainterPath, QPen, QPixmap

from vas_console.ui import theme


def paint_lock(painter: QPainter, rect: QRectF, colour: QColor) -> None:
    """A padlock filling `rect` (a body and a shackle)."""
    painter.save()
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    w, h = rect.width(), rect.height()
    body = QRectF(rect.left() + w * 0.15, rect.top() + h * 0.45, w * 0.7, h * 0.55)
    shackle = QRectF(rect.left() + w * 0.3, rect.top(), w * 0.4, h * 0.7)
    painter.setPen(QPen(colour, max(1.0, w * 0.12)))
    painter.setBrush(Qt.BrushStyle.NoBrush)
    path = QPainterPath()
    path.moveTo(shackle.left(), body.top())
    path.lineTo(shackle.left(), shackle.top() + shackle.width() / 2)
    path.arcTo(QRectF(shackle.left(), shackle.top(), shackle.width(), shackle.width()), 180, -180)
    path.lineTo(shackle.right(), body.top())
    painter.drawPath(path)
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(colour)
    painter.drawRoundedRect(body, w * 0.1, w * 0.1)
    painter.restore()


def paint_camera(painter: QPainter, rect: QRectF, colour: QColor) -> None:
    """A photo camera: a body with a lens and a bump on top."""
    painter.save()
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    w, h = rect.width(), rect.height()
    body = QRectF(rect.left(), rect.top() + h * 0.25, w, h * 0.65)
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(colour)
    painter.drawRoundedRect(body, w * 0.12, w * 0.12)
    painter.drawRect(QRectF(rect.left() + w * 0.3, rect.top() + h * 0.12, w * 0.35, h * 0.2))
    painter.setBrush(QColor(theme.PANEL))
    centre = QPointF(body.center().x(), body.center().y())
    painter.drawEllipse(centre, w * 0.22, w * 0.22)
    painter.setBrush(colour)
    painter.drawEllipse(centre, w * 0.11, w * 0.11)
    painter.restore()


def paint_bookmark(painter: QPainter, rect: QRectF, colour: QColor) -> None:
    """A bookmark ribbon: a rectangle with a notch at the bottom."""
    painter.save()
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    w, h = rect.width(), rect.height()
    left, right = rect.left() + w * 0.22, rect.right() - w * 0.22
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(colour)
    painter.drawPolygon(
        [
            QPointF(left, rect.top()),
            QPointF(right, rect.top()),
            QPointF(right, rect.bottom()),
            QPointF((left + right) / 2, rect.bottom() - h * 0.28),
            QPointF(left, rect.bottom()),
        ]
    )
    painter.restore()


def icon(kind: str, size: int = 16, colour: str = theme.TEXT) -> QIcon:
    """`kind` is "lock", "camera" or "bookmark"."""
    pixmap = QPixmap(size, size)
    pixmap.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pixmap)
    rect = QRectF(1, 1, size - 2, size - 2)
    draw = {"lock": paint_lock, "camera": paint_camera, "bookmark": paint_bookmark}[kind]
    draw(painter, rect, QColor(colour))
    painter.end()
    return QIcon(pixmap)
