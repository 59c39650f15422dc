"""HoverPopup: the small window above the timeline with the time under the pointer and its thumbnail."""

from __future__ import annotations

from PySide6.QtCore import QPoint, QRect, QSize, Qt
from PySide6.QtGui import QColor, QImage, QPainter, QPaintEvent, QPen
from PySide6.QtWidgets import QWidget

from vas_console.ui import theme

MARGIN = 6
PLACEHOLDER = QSize(192, 28)


class HoverPopup(QWidget):
    """A tooltip-like window: never takes focus or the mouse; the timeline moves and fills it."""

    def __init__(self, parent: QWidget) -> None:
        super().__init__(parent, Qt.WindowType.ToolTip | Qt.WindowType.FramelessWindowHint)
        self.setAttribute(Qt.WidgetAttribute.WA_ShowWithoutActivating)
        self.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
        self._text = ""
        self._image: QImage | None = None
        self._note = ""

    @property
    def text(self) -> str:
        return self._text

    @property
    def image(self) -> QImage | None:
        return self._image

    @property
    def note(self) -> str:
        """ "Loading preview…", "No preview" or "" when a thumbnail shows."""
        return self._note

    def show_at(self, anchor: QPoint, text: str, image: QImage | None, note: str) -> None:
        """Show above the global point `anchor` (its bottom centre), clamped to the screen."""
        self._text, self._image, self._note = text, image, note
        metrics = self.fontMetrics()
        body = image.size() if image is not None else (PLACEHOLDER if note else QSize(0, 0))
        width = max(metrics.horizontalAdvance(text), body.width()) + 2 * MARGIN
        height = metrics.height() + 2 * MARGIN + (body.height() + MARGIN if body.height() else 0)
        pos = QPoint(anchor.x() - width // 2, anchor.y() - height - 4)
        screen = self.screen().availableGeometry() if self.screen() is not None else None
        if screen is not None:
            pos.setX(min(max(screen.left(), pos.x()), screen.right() - width))
            pos.setY(max(screen.top(), pos.y()))
        self.setGeometry(QRect(pos, QSize(width, height)))
        self.update()
        self.show()

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.fillRect(self.rect(), QColor(theme.WINDOW))
        painter.setPen(QPen(QColor(theme.BORDER_STRONG), 1))
        painter.drawRect(self.rect().adjusted(0, 0, -1, -1))
        metrics = self.fontMetrics()
        painter.setPen(QColor(theme.TEXT))
        text_rect = QRect(0, MARGIN, self.width(), metrics.height())
        painter.drawText(text_rect, Qt.AlignmentFlag.AlignHCenter, self._text)
        body = QRect(MARGIN, text_rect.bottom() + MARGIN, self.width() - 2 * MARGIN, 0)
        if self._image is not None:
            body.setHeight(self._image.height())
            left = (self.width() - self._image.width()) // 2
            painter.drawImage(QPoint(left, body.top()), self._image)
        elif self._note:
            body.setHeight(PLACEHOLDER.height())
            painter.setPen(QColor(theme.TEXT_DIM))
            painter.drawText(body, Qt.AlignmentFlag.AlignCenter, self._note)
        painter.end()
