"""The timeline's bookmark lane and marked range: geometry (from the model), painting and tooltips."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QFont, QPainter, QPen

from backend_embed.api import Bookmark
from vas_console.core.timeline_model import TimelineModel
from vas_console.ui import theme
from vas_console.ui.bookmarks.bookmark_actions import format_wall
from vas_console.ui.bookmarks.bookmark_list import format_duration
from vas_console.ui.bookmarks.glyphs import paint_lock
from vas_console.ui.playback.timeline_paint import GUTTER, LaneRow

BOOKMARK = QColor("#8957e5")
BOOKMARK_LOCKED = QColor("#6e40c9")
BOOKMARK_TEXT = QColor("#ffffff")
MARK = QColor("#58a6ff")
MARK_FILL = QColor(88, 166, 255, 48)
MIN_BOOKMARK_PX = 4.0
LOCK_PX = 10.0


def bookmark_rects(
    model: TimelineModel, row: LaneRow, bookmarks: Iterable[Bookmark]
) -> list[tuple[Bookmark, QRectF]]:
    """Each visible bookmark's bar in widget coordinates: [x_at(start), x_at(end)] clipped to the lane
    area, at least `MIN_BOOKMARK_PX` wide so a short one stays clickable."""
    left, right = float(GUTTER), float(GUTTER + model.width_px)
    found = []
    for bookmark in bookmarks:
        x0 = GUTTER + model.x_at(bookmark.start_ms)
        x1 = GUTTER + model.x_at(bookmark.end_ms)
        if x1 < left or x0 > right:
            continue
        x0, x1 = max(left, x0), min(right, x1)
        if x1 - x0 < MIN_BOOKMARK_PX:
            x1 = x0 + MIN_BOOKMARK_PX
        found.append((bookmark, QRectF(x0, row.top + 1, x1 - x0, row.height - 2)))
    return found


def paint_bookmarks(
    painter: QPainter, rects: list[tuple[Bookmark, QRectF]], selected_id: int | None
) -> None:
    """A bar per bookmark with its name where it fits; locked ones darker with a lock glyph."""
    painter.save()
    small = QFont(painter.font())
    small.setPointSizeF(max(7.0, small.pointSizeF() - 1))
    painter.setFont(small)
    metrics = painter.fontMetrics()
    for bookmark, rect in rects:
        selected = bookmark.id == selected_id
        painter.setPen(QPen(QColor(theme.ACCENT), 2) if selected else Qt.PenStyle.NoPen)
        painter.setBrush(BOOKMARK_LOCKED if bookmark.locked else BOOKMARK)
        painter.drawRoundedRect(rect, 2, 2)
        text_rect = rect.adjusted(3, 0, -3, 0)
        if bookmark.locked and rect.width() >= LOCK_PX + 4:
            glyph = QRectF(rect.left() + 3, rect.center().y() - LOCK_PX / 2, LOCK_PX, LOCK_PX)
            paint_lock(painter, glyph, BOOKMARK_TEXT)
            text_rect.setLeft(glyph.right() + 3)
        if text_rect.width() > metrics.horizontalAdvance("Wi…"):
            name = metrics.elidedText(
                bookmark.name, Qt.TextElideMode.ElideRight, int(text_rect.width())
            )
            painter.setPen(BOOKMARK_TEXT)
            painter.drawText(
                text_rect, Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft, name
            )
    painter.restore()


def mark_rect(
    model: TimelineModel, mark_in: int | None, mark_out: int | None, top: float, bottom: float
) -> QRectF | None:
    """The marked range's band in widget coordinates (a 2 px line while only one end is marked)."""
    if mark_in is None and mark_out is None:
        return None
    ends = [m for m in (mark_in, mark_out) if m is not None]
    start, end = ends[0], ends[-1]
    x0, x1 = GUTTER + model.x_at(start), GUTTER + model.x_at(end)
    return QRectF(x0, top, max(2.0, x1 - x0), bottom - top)


def paint_marks(
    painter: QPainter,
    model: TimelineModel,
    mark_in: int | None,
    mark_out: int | None,
    top: float,
    bottom: float,
) -> None:
    """A translucent band over every lane between the in and out marks, with IN and OUT flags."""
    band = mark_rect(model, mark_in, mark_out, top, bottom)
    if band is None:
        return
    painter.save()
    painter.setClipRect(QRectF(GUTTER, 0, model.width_px, bottom))
    if mark_in is not None and mark_out is not None:
        painter.fillRect(band, MARK_FILL)
    small = QFont(painter.font())
    small.setPointSizeF(max(7.0, small.pointSizeF() - 2))
    small.setBold(True)
    painter.setFont(small)
    for when, label in ((mark_in, "IN"), (mark_out, "OUT")):
        if when is None:
            continue
        x = GUTTER + model.x_at(when)
        painter.setPen(QPen(MARK, 2))
        painter.drawLine(QPointF(x, top), QPointF(x, bottom))
        width = painter.fontMetrics().horizontalAdvance(label) + 6
        flag = QRectF(x if label == "IN" else x - width, top, width, 12)
        painter.fillRect(flag, MARK)
        painter.setPen(QColor(theme.BASE))
        painter.drawText(flag, Qt.AlignmentFlag.AlignCenter, label)
    painter.restore()


def bookmark_tooltip(bookmark: Bookmark, titles: Mapping[int, str]) -> str:
    """Name, camera (title by camera id), time range and duration, tags, note, lock (plain text)."""
    camera = titles.get(bookmark.camera_id, f"Camera {bookmark.camera_id}")
    lines = [
        bookmark.name,
        f"{camera} · {format_wall(bookmark.start_ms)} to {format_wall(bookmark.end_ms)}",
    ]
    lines[-1] += f" ({format_duration(bookmark.end_ms - bookmark.start_ms)})"
    if bookmark.tags:
        lines.append("Tags: " + ", ".join(bookmark.tags))
    if bookmark.note:
        lines.append(bookmark.note)
    lines.append("Locked against deletion and retention" if bookmark.locked else "Not locked")
    return "\n".join(lines)
