"""Drawing the timeline: axis, lanes (recorded, gaps, not loaded yet), playhead and the hover bubble."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from PySide6.QtCore import QPointF, QRect, QRectF, Qt
from PySide6.QtGui import QBrush, QColor, QFont, QPainter, QPen

from backend_embed.api import Span
from vas_console.core.timeline_model import Tick, TimelineModel
from vas_console.ui import theme

GUTTER = 104
AXIS_H = 30
LANE_H = 20
LANE_GAP = 4
EXTRA_LANE_H = 14
BOOKMARK_LANE_H = 18

RECORDED = QColor("#2ea043")
RECORDED_SELECTED = QColor("#3fb950")
GAP = QColor("#3a1d22")
UNLOADED = QColor(theme.PANEL)
PLAYHEAD = QColor("#ffd33d")
TICK = QColor(theme.BORDER_STRONG)
MAJOR_TICK = QColor(theme.TEXT_DIM)


@dataclass(frozen=True, slots=True)
class LaneRow:
    """One painted row: a camera's recordings (camera_id set) or an empty events/bookmarks lane."""

    title: str
    top: int
    height: int
    camera_id: int | None = None
    selected: bool = False


def format_time(ms: int, span_ms: float) -> str:
    """Local time for the playhead and hover labels, with milliseconds when zoomed in close."""
    local = datetime.fromtimestamp(ms / 1000)  # naive local time: what the operator reads
    if span_ms <= 5 * 60_000:
        return local.strftime("%a %d %b %H:%M:%S.") + f"{ms % 1000:03d}"
    return local.strftime("%a %d %b %H:%M:%S")


def paint_axis(painter: QPainter, model: TimelineModel, ticks: list[Tick], width: int) -> None:
    painter.fillRect(QRect(0, 0, width, AXIS_H), QColor(theme.PANEL))
    small = QFont(painter.font())
    small.setPointSizeF(max(7.0, small.pointSizeF() - 1))
    painter.setFont(small)
    for tick in ticks:
        x = GUTTER + model.x_at(tick.time_ms)
        painter.setPen(QPen(MAJOR_TICK if tick.major else TICK, 1))
        painter.drawLine(QPointF(x, AXIS_H - (12 if tick.major else 6)), QPointF(x, AXIS_H))
        painter.setPen(QColor(theme.TEXT if tick.major else theme.TEXT_DIM))
        painter.drawText(QRectF(x + 3, 2, 120, AXIS_H - 8), Qt.AlignmentFlag.AlignLeft, tick.label)


def paint_grid(
    painter: QPainter, model: TimelineModel, ticks: list[Tick], top: int, bottom: int
) -> None:
    """Faint vertical lines under the lanes at the labelled ticks."""
    for tick in ticks:
        x = GUTTER + model.x_at(tick.time_ms)
        painter.setPen(QPen(QColor(theme.BORDER) if not tick.major else TICK, 1))
        painter.drawLine(QPointF(x, top), QPointF(x, bottom))


def paint_lane(
    painter: QPainter,
    model: TimelineModel,
    row: LaneRow,
    spans: list[Span] | None,
    now_ms: int | None = None,
) -> None:
    """A camera lane: gaps dark red, recorded green, hatched where coverage is not loaded yet.

    After `now_ms` nothing can have been recorded: that part is left plain, not drawn as a gap.
    """
    rect = QRect(GUTTER, row.top, model.width_px, row.height)
    painter.setPen(QColor(theme.TEXT if row.selected else theme.TEXT_DIM))
    title = QRect(6, row.top, GUTTER - 10, row.height)
    painter.drawText(title, Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft, row.title)
    if row.camera_id is None:
        painter.fillRect(rect, QColor(theme.BASE))
        painter.setPen(QPen(QColor(theme.BORDER), 1, Qt.PenStyle.DashLine))
        painter.drawRect(rect.adjusted(0, 0, -1, -1))
        return
    if spans is None:
        painter.fillRect(rect, QBrush(UNLOADED, Qt.BrushStyle.BDiagPattern))
        return
    painter.fillRect(rect, GAP)
    if now_ms is not None:
        future_x = max(0, min(model.width_px, round(model.x_at(now_ms))))
        if future_x < model.width_px:
            painter.fillRect(rect.adjusted(future_x, 0, 0, 0), QColor(theme.BASE))
    top, height = row.top, row.height
    rects = [QRect(GUTTER + x0, top, x1 - x0, height) for x0, x1 in model.span_pixels(spans)]
    if rects:
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(RECORDED_SELECTED if row.selected else RECORDED)
        painter.drawRects(rects)  # one call per lane: thousands of fillRect calls cost ~30 ms
        painter.setBrush(Qt.BrushStyle.NoBrush)
    if row.selected:
        painter.setPen(QPen(QColor(theme.ACCENT), 1))
        painter.drawRect(rect.adjusted(0, 0, -1, -1))


def paint_playhead(painter: QPainter, model: TimelineModel, playhead_ms: int, height: int) -> None:
    x = GUTTER + model.x_at(playhead_ms)
    if not GUTTER <= x <= GUTTER + model.width_px:
        return
    painter.setPen(QPen(PLAYHEAD, 2))
    painter.drawLine(QPointF(x, 4), QPointF(x, height))
    painter.setBrush(PLAYHEAD)
    painter.setPen(Qt.PenStyle.NoPen)
    painter.drawPolygon([QPointF(x - 6, 0), QPointF(x + 6, 0), QPointF(x, 8)])


def paint_hover_line(painter: QPainter, hover_x: float, height: int) -> None:
    """A dotted hairline under the pointer (the time and thumbnail show in the hover popup)."""
    x = GUTTER + hover_x
    painter.setPen(QPen(QColor(theme.TEXT_DIM), 1, Qt.PenStyle.DotLine))
    painter.drawLine(QPointF(x, AXIS_H), QPointF(x, height))
