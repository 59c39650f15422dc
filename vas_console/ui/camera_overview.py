"""The central camera overview: one card per camera (name, status, probe summary), in sections by group."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from PySide6.QtCore import QPoint, Qt, Signal
from PySide6.QtGui import QContextMenuEvent, QMouseEvent
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QScrollArea,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from backend_embed.api import Camera, CameraStatus, CameraStatusInfo, redact
from vas_console.ui import theme
from vas_console.ui.flow_layout import FlowLayout
from vas_console.ui.roster import CameraRoster, camera_tooltip, status_label

CARD_WIDTH = 272
_TEXT_WIDTH = CARD_WIDTH - 34
_EMPTY_HINT = "No cameras yet.\n\nAdd one with Cameras > Add camera…\nor import a list with File > Import cameras…"


class CameraCard(QFrame):
    """A camera's card: status badge, name, status, probe summary or failure reason, location and tags.

    Signals:
        clicked(int): the card was clicked (camera id).
        double_clicked(int): the card was double-clicked (camera id).
        context_menu_requested(QPoint, int): a right-click at a global position (camera id).
    """

    clicked = Signal(int)
    double_clicked = Signal(int)
    context_menu_requested = Signal(QPoint, int)

    def __init__(self, camera_id: int, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.camera_id = camera_id
        self.setObjectName("cameraCard")
        self.setFixedWidth(CARD_WIDTH)
        self.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)
        self._badge = QLabel(self)
        self.name_label = self._label("cardName")
        self.status_label = self._label("cardStatus")
        self.detail_label = self._label("cardDetail")
        self.place_label = self._label("cardPlace")
        top = QHBoxLayout()
        top.setSpacing(8)
        top.addWidget(self._badge)
        top.addWidget(self.name_label, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(12, 10, 12, 10)
        layout.setSpacing(3)
        layout.addLayout(top)
        for label in (self.status_label, self.detail_label, self.place_label):
            layout.addWidget(label)

    def _label(self, name: str) -> QLabel:
        label = QLabel(self)
        label.setObjectName(name)
        label.setTextFormat(Qt.TextFormat.PlainText)
        return label

    def show_camera(self, camera: Camera, roster: CameraRoster) -> None:
        """Fill the card from the roster's view of `camera`."""
        info = roster.status_info(camera.id)
        status = roster.status(camera)
        self._badge.setPixmap(theme.status_icon(status).pixmap(16, 16))
        self._set_elided(self.name_label, camera.name)
        self.status_label.setText(status_label(status))
        self._set_elided(self.detail_label, _detail(status, info))
        place = " · ".join(p for p in (camera.location, ", ".join(camera.tags)) if p)
        self._set_elided(self.place_label, place or roster.group_name(camera.group_id))
        self.setToolTip(camera_tooltip(camera, info, roster.group_name(camera.group_id)))
        key = theme.status_key(status)
        for widget in (self, self.status_label):
            if widget.property("status") != key:
                widget.setProperty("status", key)
                theme.repolish(widget)

    def set_selected(self, selected: bool) -> None:
        if bool(self.property("selected")) != selected:
            self.setProperty("selected", selected)
            theme.repolish(self)

    def _set_elided(self, label: QLabel, text: str) -> None:
        metrics = label.fontMetrics()
        label.setText(metrics.elidedText(text, Qt.TextElideMode.ElideRight, _TEXT_WIDTH))

    def mousePressEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton:
            self.clicked.emit(self.camera_id)
        super().mousePressEvent(event)

    def mouseDoubleClickEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton:
            self.double_clicked.emit(self.camera_id)
        super().mouseDoubleClickEvent(event)

    def contextMenuEvent(self, event: QContextMenuEvent) -> None:
        self.clicked.emit(self.camera_id)
        self.context_menu_requested.emit(event.globalPos(), self.camera_id)


def _detail(status: CameraStatus, info: CameraStatusInfo | None) -> str:
    """The card's second line: the probe summary when online, else why not."""
    if status is CameraStatus.ONLINE:
        return info.probe.summary() if info is not None and info.probe is not None else "Streaming"
    if status in (CameraStatus.OFFLINE, CameraStatus.AUTH_FAILED):
        reason = redact(info.reason) if info is not None else ""
        return reason or "No answer from the camera"
    if status is CameraStatus.DISABLED:
        return "Not monitored or recorded"
    if status is CameraStatus.PROBING:
        return "Connecting…"
    return "Waiting for the first check"


class StatTile(QFrame):
    """A big number with a caption (`2` / `Online`), topped with its status colour."""

    def __init__(
        self, caption: str, status: CameraStatus | None, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setObjectName("statTile")
        self.setProperty("status", theme.status_key(status) if status is not None else "")
        self.setMinimumWidth(96)
        self.value_label = QLabel("0", self)
        self.value_label.setObjectName("statValue")
        caption_label = QLabel(caption, self)
        caption_label.setObjectName("statCaption")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(12, 6, 12, 8)
        layout.setSpacing(0)
        layout.addWidget(self.value_label)
        layout.addWidget(caption_label)

    def set_value(self, value: int) -> None:
        self.value_label.setText(str(value))


_TILES = (
    ("Cameras", None),
    ("Online", CameraStatus.ONLINE),
    ("Offline", CameraStatus.OFFLINE),
    ("Auth failed", CameraStatus.AUTH_FAILED),
    ("Disabled", CameraStatus.DISABLED),
)


@dataclass(slots=True)
class _Section:
    header: QLabel
    body: QWidget
    flow: FlowLayout


class CameraOverview(QScrollArea):
    """A scrollable page of camera cards grouped like the tree, with a summary line on top.

    Signals:
        camera_clicked(int): a card was clicked.
        camera_activated(int): a card was double-clicked.
        context_menu_requested(QPoint, int): a card was right-clicked (global position, camera id).
    """

    camera_clicked = Signal(int)
    camera_activated = Signal(int)
    context_menu_requested = Signal(QPoint, int)

    def __init__(self, roster: CameraRoster, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._roster = roster
        self._cards: dict[int, CameraCard] = {}
        self._sections: dict[int | None, _Section] = {}
        self._selected: int | None = None
        self.setObjectName("cameraOverview")
        self.setWidgetResizable(True)
        self.setFrameShape(QFrame.Shape.NoFrame)
        canvas = QWidget(self)
        canvas.setObjectName("overviewCanvas")
        self._column = QVBoxLayout(canvas)
        self._column.setContentsMargins(20, 16, 20, 20)
        self._column.setSpacing(8)
        self.title = QLabel("Camera overview", canvas)
        self.title.setObjectName("overviewTitle")
        self.tiles = {caption: StatTile(caption, status, canvas) for caption, status in _TILES}
        self.empty_hint = QLabel(_EMPTY_HINT, canvas)
        self.empty_hint.setObjectName("emptyHint")
        self.empty_hint.setAlignment(Qt.AlignmentFlag.AlignCenter)
        heading = QHBoxLayout()
        heading.addWidget(self.title)
        heading.addStretch(1)
        heading.setSpacing(10)
        for tile in self.tiles.values():
            heading.addWidget(tile)
        self._column.addLayout(heading)
        self._column.addWidget(self.empty_hint)
        self._column.addStretch(1)
        self.setWidget(canvas)

    def cards(self) -> dict[int, CameraCard]:
        """The cards shown, by camera id."""
        return dict(self._cards)

    def refresh(self) -> None:
        """Bring cards and sections in step with the roster."""
        roster = self._roster
        cameras = roster.cameras()
        by_status = Counter(roster.status(c) for c in cameras)
        for caption, status in _TILES:
            self.tiles[caption].set_value(by_status[status] if status else len(cameras))
        self.empty_hint.setVisible(not cameras)
        for section in self._sections.values():
            while section.flow.takeAt(0) is not None:
                pass
        wanted: list[int | None] = [g.id for g in roster.groups()]
        if roster.cameras_in(None):
            wanted.append(None)
        for key in [k for k in self._sections if k not in wanted or not cameras]:
            self._drop_section(key)
        if cameras:
            self._place_sections(wanted)
        self._update_cards(cameras)

    def _place_sections(self, wanted: list[int | None]) -> None:
        roster = self._roster
        for section in self._sections.values():
            self._column.removeWidget(section.header)
            self._column.removeWidget(section.body)
        for position, key in enumerate(wanted):
            section = self._sections.get(key) or self._new_section(key)
            members = roster.cameras_in(key)
            counts = roster.counts(members)
            state = (
                f"{counts.online}/{counts.total - counts.disabled} online" if members else "empty"
            )
            section.header.setText(f"{roster.group_name(key)}  ·  {state}")
            self._column.insertWidget(2 + 2 * position, section.header)
            self._column.insertWidget(3 + 2 * position, section.body)
            for camera in members:
                card = self._cards.get(camera.id) or self._new_card(camera.id)
                section.flow.addWidget(card)

    def _update_cards(self, cameras: list[Camera]) -> None:
        present = {c.id for c in cameras}
        for camera_id in [c for c in self._cards if c not in present]:
            self._cards.pop(camera_id).deleteLater()
        for camera in cameras:
            card = self._cards[camera.id]
            card.show_camera(camera, self._roster)
            card.set_selected(camera.id == self._selected)
            card.show()

    def set_selected(self, camera_id: int | None) -> None:
        """Highlight one card (None: none)."""
        self._selected = camera_id
        for card_id, card in self._cards.items():
            card.set_selected(card_id == camera_id)
        chosen = self._cards.get(camera_id) if camera_id is not None else None
        if chosen is not None:
            self.ensureWidgetVisible(chosen)

    def _new_section(self, key: int | None) -> _Section:
        canvas = self.widget()
        header = QLabel(canvas)
        header.setObjectName("groupHeader")
        header.setTextFormat(Qt.TextFormat.PlainText)
        body = QWidget(canvas)
        flow = FlowLayout(body, spacing=12)
        flow.setContentsMargins(0, 6, 0, 10)
        section = self._sections[key] = _Section(header, body, flow)
        return section

    def _drop_section(self, key: int | None) -> None:
        section = self._sections.pop(key)
        for widget in (section.header, section.body):
            self._column.removeWidget(widget)
            widget.deleteLater()

    def _new_card(self, camera_id: int) -> CameraCard:
        card = self._cards[camera_id] = CameraCard(camera_id, self.widget())
        card.clicked.connect(self.camera_clicked)
        card.double_clicked.connect(self.camera_activated)
        card.context_menu_requested.connect(self.context_menu_requested)
        return card
