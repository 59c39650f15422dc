"""The dark control-room theme: palette, style sheet, status and recording colours and their icons.

Text keeps a contrast of at least 7:1 on its background (secondary text at least 4.5:1), and every status
has a shape as well as a colour, for operators who cannot tell red from green.
"""

from __future__ import annotations

import functools

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QIcon, QPainter, QPalette, QPen, QPixmap
from PySide6.QtWidgets import QApplication, QWidget

from backend_embed.api import CameraStatus
from vas_console.ui.recording_state import PROBLEMS, RecordingIndicator
from vas_console.ui.resources import ui_icon_path

APP_NAME = "VAS Console"

WINDOW = "#161a20"
BASE = "#0f1216"
ALTERNATE = "#181d24"
PANEL = "#1e242c"
PANEL_HOVER = "#252c36"
BORDER = "#2d3540"
BORDER_STRONG = "#45505e"
TEXT = "#e6edf3"
TEXT_DIM = "#9aa7b4"
ACCENT = "#58a6ff"
HIGHLIGHT = "#1f6feb"
ERROR = "#ff7b72"
SUCCESS = "#56d364"

STATUS_COLOURS: dict[CameraStatus, str] = {
    CameraStatus.ONLINE: "#3fb950",
    CameraStatus.OFFLINE: "#f85149",
    CameraStatus.AUTH_FAILED: "#e3b341",
    CameraStatus.PROBING: "#58a6ff",
    CameraStatus.DISABLED: "#6e7681",
    CameraStatus.UNKNOWN: "#8b949e",
}

REC_RED = "#f85149"
AMBER = "#e3b341"
RECORDING_COLOURS: dict[RecordingIndicator, str] = {
    RecordingIndicator.RECORDING: REC_RED,
    RecordingIndicator.STARTING: ACCENT,
    RecordingIndicator.RECONNECTING: AMBER,
    RecordingIndicator.FAILED: REC_RED,
    RecordingIndicator.DISK_FULL: REC_RED,
    RecordingIndicator.STOPPED: "#8b949e",
    RecordingIndicator.OFF: "#6e7681",
    RecordingIndicator.UNKNOWN: "#6e7681",
}

_FILLED_RED = "color: #ffffff; background: #c93c37; border: 1px solid #c93c37;"
# The card's pill: outlined while all is well, filled when recording is being lost (the operator must act).
_PILL_STYLES: dict[RecordingIndicator, str] = {
    RecordingIndicator.RECORDING: "color: #ff7b72; border: 1px solid #a23b3b; background: #2a1618;",
    RecordingIndicator.STARTING: f"color: {ACCENT}; border: 1px solid #24538a;",
    RecordingIndicator.RECONNECTING: f"color: #1b1500; background: {AMBER}; border: 1px solid {AMBER};",
    RecordingIndicator.FAILED: _FILLED_RED,
    RecordingIndicator.DISK_FULL: _FILLED_RED,
    RecordingIndicator.STOPPED: f"color: {TEXT_DIM}; border: 1px solid {BORDER_STRONG};",
    RecordingIndicator.OFF: f"color: {TEXT_DIM}; border: 1px solid {BORDER};",
    RecordingIndicator.UNKNOWN: f"color: {TEXT_DIM}; border: 1px dashed {BORDER_STRONG};",
}

_STYLE_SHEET = f"""
QMainWindow::separator {{ background: {BORDER}; width: 2px; height: 2px; }}
QDockWidget {{ color: {TEXT}; font-weight: 600; }}
QDockWidget::title {{ background: {PANEL}; padding: 6px 8px; border-bottom: 1px solid {BORDER}; }}
QTreeView, QPlainTextEdit, QListView {{
    background: {BASE}; border: 1px solid {BORDER}; selection-background-color: {HIGHLIGHT};
}}
QTreeView::item {{ padding: 3px 2px; }}
QHeaderView::section {{
    background: {PANEL}; color: {TEXT_DIM}; border: none; border-bottom: 1px solid {BORDER};
    padding: 4px 6px;
}}
QStatusBar {{ background: {PANEL}; color: {TEXT}; border-top: 1px solid {BORDER}; }}
QStatusBar QLabel {{ color: {TEXT}; padding: 0 8px; }}
QMenuBar {{ background: {PANEL}; color: {TEXT}; }}
QMenuBar::item:selected, QMenu::item:selected {{ background: {HIGHLIGHT}; color: white; }}
QMenu {{ background: {PANEL}; color: {TEXT}; border: 1px solid {BORDER}; }}
QMenu::item:disabled {{ color: {TEXT_DIM}; }}
QToolTip {{ background: {PANEL}; color: {TEXT}; border: 1px solid {BORDER}; padding: 4px; }}
QLineEdit, QComboBox {{
    background: {BASE}; color: {TEXT}; border: 1px solid {BORDER_STRONG}; border-radius: 3px;
    padding: 3px 5px;
}}
QAbstractSpinBox {{
    background: {BASE}; color: {TEXT}; border: 1px solid {BORDER_STRONG}; border-radius: 3px;
    padding: 3px 5px;
}}
QAbstractSpinBox:focus {{ border-color: {ACCENT}; }}
QAbstractSpinBox QLineEdit {{ border: none; padding: 0; background: transparent; }}
QAbstractSpinBox::up-button, QAbstractSpinBox::down-button {{
    subcontrol-origin: border; width: 18px; background: {PANEL}; border-left: 1px solid {BORDER_STRONG};
}}
QAbstractSpinBox::up-button {{ subcontrol-position: top right; border-top-right-radius: 3px; }}
QAbstractSpinBox::down-button {{ subcontrol-position: bottom right; border-bottom-right-radius: 3px; }}
QAbstractSpinBox::up-button:hover, QAbstractSpinBox::down-button:hover {{ background: {PANEL_HOVER}; }}
QCheckBox {{ spacing: 8px; }}
QCheckBox::indicator {{
    width: 14px; height: 14px; border: 1px solid {BORDER_STRONG}; border-radius: 3px; background: {BASE};
}}
QCheckBox::indicator:checked {{ background: {HIGHLIGHT}; border-color: {ACCENT}; }}
QCheckBox::indicator:disabled {{ background: {PANEL}; border-color: {BORDER}; }}
QLineEdit:focus, QComboBox:focus {{ border-color: {ACCENT}; }}
QLineEdit[invalid="true"] {{ border-color: {ERROR}; }}
QLabel[role="fieldError"] {{ color: {ERROR}; }}
QLabel[role="hint"] {{ color: {TEXT_DIM}; }}
QLabel[role="probeOk"] {{ color: {SUCCESS}; }}
QLabel[role="probeFailed"] {{ color: {ERROR}; }}
QGroupBox {{ border: 1px solid {BORDER}; border-radius: 4px; margin-top: 14px; padding-top: 6px; }}
QGroupBox::title {{ subcontrol-origin: margin; left: 8px; padding: 0 4px; color: {TEXT_DIM}; }}
QPushButton {{
    background: {PANEL}; color: {TEXT}; border: 1px solid {BORDER}; border-radius: 3px; padding: 5px 14px;
}}
QPushButton:hover {{ background: {PANEL_HOVER}; }}
QPushButton:default {{ border-color: {ACCENT}; }}
QPushButton:disabled {{ color: {TEXT_DIM}; }}
QScrollArea#cameraOverview, QWidget#overviewCanvas {{ background: {WINDOW}; border: none; }}
QLabel#overviewTitle {{ color: {TEXT}; font-size: 17px; font-weight: 600; }}
QLabel#overviewSummary {{ color: {TEXT_DIM}; }}
QLabel#groupHeader {{
    color: {TEXT}; font-size: 14px; font-weight: 600; padding: 10px 0 2px 2px;
    border-bottom: 1px solid {BORDER};
}}
QLabel#emptyHint {{ color: {TEXT_DIM}; font-size: 14px; padding: 40px; }}
QFrame#cameraCard {{
    background: {PANEL}; border: 1px solid {BORDER}; border-left: 4px solid {BORDER}; border-radius: 5px;
}}
QFrame#cameraCard:hover {{ background: {PANEL_HOVER}; }}
QFrame#cameraCard[selected="true"] {{ border-color: {ACCENT}; }}
QLabel#cardName {{ color: {TEXT}; font-size: 14px; font-weight: 600; }}
QLabel#cardStatus {{ font-weight: 600; }}
QLabel#cardDetail, QLabel#cardPlace {{ color: {TEXT_DIM}; }}
QFrame#statTile {{ background: {PANEL}; border: 1px solid {BORDER}; border-radius: 5px; }}
QLabel#statValue {{ color: {TEXT}; font-size: 22px; font-weight: 700; }}
QLabel#statCaption {{ color: {TEXT_DIM}; }}
QLabel#recordingPill {{
    border-radius: 3px; padding: 1px 6px; font-size: 11px; font-weight: 700;
}}
QLabel#cardRecording {{ color: {TEXT_DIM}; }}
QStatusBar QToolButton#diskButton {{
    color: {ACCENT}; background: transparent; border: 1px solid transparent; border-radius: 3px;
    padding: 0 6px;
}}
QStatusBar QToolButton#diskButton:hover {{ background: {PANEL_HOVER}; border-color: {BORDER_STRONG}; }}
QStatusBar QToolButton#diskButton[level="critical"] {{ color: #ffffff; background: #c93c37; }}
QLabel#storageRoot, QLabel[role="figureCaption"], QLabel#storageUpdated {{ color: {TEXT_DIM}; }}
QLabel[role="figureValue"] {{ color: {TEXT}; font-size: 15px; font-weight: 600; }}
QLabel#storageDays {{ color: {TEXT}; font-size: 20px; font-weight: 700; }}
QProgressBar#volumeBar {{
    background: {BASE}; border: 1px solid {BORDER_STRONG}; border-radius: 3px; color: {TEXT};
    text-align: center; min-height: 18px;
}}
QProgressBar#volumeBar::chunk {{ background: {HIGHLIGHT}; border-radius: 2px; }}
QProgressBar#volumeBar[level="critical"]::chunk {{ background: #c93c37; }}
QTableView#storageTable {{ background: {BASE}; alternate-background-color: {ALTERNATE}; gridline-color: {BORDER}; }}
QFrame#noticeBar {{ border-radius: 4px; }}
QFrame#noticeBar[level="error"] {{ background: #3d1d1f; border: 1px solid #8e2c2f; }}
QFrame#noticeBar[level="info"] {{ background: #132a45; border: 1px solid #24538a; }}
QLabel#noticeText {{ color: {TEXT}; }}
"""

_CARD_STATUS_RULES = "\n".join(
    f'QFrame#cameraCard[status="{status.name.lower()}"] {{ border-left-color: {colour}; }}\n'
    f'QLabel#cardStatus[status="{status.name.lower()}"] {{ color: {colour}; }}\n'
    f'QFrame#statTile[status="{status.name.lower()}"] {{ border-top: 3px solid {colour}; }}'
    for status, colour in STATUS_COLOURS.items()
)

# Tiles and lines are coloured only for problems: red at the top of a tile means "act", never "recording".
_RECORDING_RULES = "\n".join(
    f'QLabel#recordingPill[rec="{indicator.value}"] {{ {style} }}'
    for indicator, style in _PILL_STYLES.items()
) + "".join(
    f'\nQLabel#cardRecording[rec="{indicator.value}"] {{ color: {RECORDING_COLOURS[indicator]}; }}'
    f'\nQFrame#statTile[rec="{indicator.value}"] {{ border-top: 3px solid {RECORDING_COLOURS[indicator]}; }}'
    for indicator in sorted(PROBLEMS)
)


_ARROW = "width: 10px; height: 6px;"
_ICON_RULES = (
    ("QCheckBox::indicator:checked", "check.svg", ""),
    ("QAbstractSpinBox::up-arrow", "arrow-up.svg", _ARROW),
    ("QAbstractSpinBox::down-arrow", "arrow-down.svg", _ARROW),
    ("QComboBox::down-arrow", "arrow-down.svg", _ARROW),
)


def palette() -> QPalette:
    """The dark palette, for widgets the style sheet does not reach."""
    pal = QPalette()
    roles = {
        QPalette.ColorRole.Window: WINDOW,
        QPalette.ColorRole.WindowText: TEXT,
        QPalette.ColorRole.Base: BASE,
        QPalette.ColorRole.AlternateBase: ALTERNATE,
        QPalette.ColorRole.ToolTipBase: PANEL,
        QPalette.ColorRole.ToolTipText: TEXT,
        QPalette.ColorRole.PlaceholderText: TEXT_DIM,
        QPalette.ColorRole.Text: TEXT,
        QPalette.ColorRole.Button: PANEL,
        QPalette.ColorRole.ButtonText: TEXT,
        QPalette.ColorRole.BrightText: "#ffffff",
        QPalette.ColorRole.Link: ACCENT,
        QPalette.ColorRole.Highlight: HIGHLIGHT,
        QPalette.ColorRole.HighlightedText: "#ffffff",
    }
    for role, colour in roles.items():
        pal.setColor(role, QColor(colour))
    for role in (
        QPalette.ColorRole.Text,
        QPalette.ColorRole.ButtonText,
        QPalette.ColorRole.WindowText,
    ):
        pal.setColor(QPalette.ColorGroup.Disabled, role, QColor(TEXT_DIM))
    return pal


def style_sheet() -> str:
    """The application style sheet."""
    return "\n".join((_STYLE_SHEET, _CARD_STATUS_RULES, _RECORDING_RULES, _icon_rules()))


def _icon_rules() -> str:
    """Rules that need the small SVGs in resources/icons/ui; left out (drawn plainer) when missing."""
    rules = []
    for selector, name, extra in _ICON_RULES:
        path = ui_icon_path(name)
        if path is not None:
            rules.append(f"{selector} {{ image: url({path.as_posix()}); {extra} }}")
    return "\n".join(rules)


def apply_theme(app: QApplication) -> None:
    """Give the whole application the dark theme (Fusion style, palette and style sheet)."""
    app.setStyle("Fusion")
    app.setPalette(palette())
    app.setStyleSheet(style_sheet())


def status_key(status: CameraStatus) -> str:
    """The value of the `status` dynamic property the style sheet matches (`online`, `auth_failed`…)."""
    return status.name.lower()


def repolish(widget: QWidget) -> None:
    """Re-apply the style sheet after a dynamic property changed."""
    style = widget.style()
    style.unpolish(widget)
    style.polish(widget)


@functools.cache
def status_icon(status: CameraStatus, size: int = 16) -> QIcon:
    """A round status badge: filled for online, a bar for offline, "!" for authentication, hollow otherwise.

    Must only be called once a QGuiApplication exists.
    """
    pixmap = QPixmap(size * 2, size * 2)  # drawn at 2x, scaled down smoothly by the view
    pixmap.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    colour = QColor(STATUS_COLOURS[status])
    box = QRectF(4, 4, size * 2 - 8, size * 2 - 8)
    centre = box.center()
    mark = QPen(QColor(BASE), size / 5, Qt.PenStyle.SolidLine, Qt.PenCapStyle.RoundCap)
    if status in (CameraStatus.ONLINE, CameraStatus.OFFLINE, CameraStatus.AUTH_FAILED):
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(colour)
        painter.drawEllipse(box)
        painter.setPen(mark)
        quarter = box.width() / 4
        if status is CameraStatus.OFFLINE:
            painter.drawLine(centre - QPointF(quarter, 0), centre + QPointF(quarter, 0))
        elif status is CameraStatus.AUTH_FAILED:
            painter.drawLine(centre - QPointF(0, quarter * 1.2), centre + QPointF(0, quarter * 0.2))
            painter.drawPoint(centre + QPointF(0, quarter * 1.1))
    else:
        painter.setPen(QPen(colour, size / 6))
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.drawEllipse(box.adjusted(2, 2, -2, -2))
        if status is CameraStatus.DISABLED:
            painter.drawLine(box.topRight() + QPointF(-6, 6), box.bottomLeft() + QPointF(6, -6))
    painter.end()
    return QIcon(pixmap)


@functools.cache
def recording_icon(indicator: RecordingIndicator, size: int = 16) -> QIcon:
    """A recording mark: a red dot while recording, a ring with a gap while reconnecting, a cross when
    failed, a full bar when the disk is full, a square when stopped, a slashed ring when off.

    Must only be called once a QGuiApplication exists.
    """
    pixmap = QPixmap(size * 2, size * 2)  # drawn at 2x, scaled down smoothly by the view
    pixmap.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    colour = QColor(RECORDING_COLOURS[indicator])
    box = QRectF(6, 6, size * 2 - 12, size * 2 - 12)
    ring = QPen(colour, size / 6, Qt.PenStyle.SolidLine, Qt.PenCapStyle.RoundCap)
    mark = QPen(QColor(BASE), size / 6, Qt.PenStyle.SolidLine, Qt.PenCapStyle.RoundCap)
    quarter = box.width() / 4
    centre = box.center()
    if indicator in (RecordingIndicator.RECORDING, RecordingIndicator.FAILED):
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(colour)
        painter.drawEllipse(box)
        if indicator is RecordingIndicator.FAILED:
            painter.setPen(mark)
            painter.drawLine(centre - QPointF(quarter, quarter), centre + QPointF(quarter, quarter))
            painter.drawLine(
                centre - QPointF(quarter, -quarter), centre + QPointF(quarter, -quarter)
            )
    elif indicator in (RecordingIndicator.DISK_FULL, RecordingIndicator.STOPPED):
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(colour)
        painter.drawRoundedRect(box.adjusted(2, 2, -2, -2), 3, 3)
        if indicator is RecordingIndicator.DISK_FULL:
            painter.setPen(mark)
            painter.drawLine(centre - QPointF(quarter, 0), centre + QPointF(quarter, 0))
    else:
        painter.setPen(ring)
        painter.setBrush(Qt.BrushStyle.NoBrush)
        inner = box.adjusted(2, 2, -2, -2)
        if indicator is RecordingIndicator.RECONNECTING:
            painter.drawArc(inner, 100 * 16, 290 * 16)  # a ring with a gap: "going round again"
        elif indicator is RecordingIndicator.UNKNOWN:
            painter.setPen(QPen(colour, size / 8, Qt.PenStyle.DotLine))
            painter.drawEllipse(inner)
        else:
            painter.drawEllipse(inner)
        if indicator is RecordingIndicator.OFF:
            painter.drawLine(inner.topRight() + QPointF(-3, 3), inner.bottomLeft() + QPointF(3, -3))
    painter.end()
    return QIcon(pixmap)
