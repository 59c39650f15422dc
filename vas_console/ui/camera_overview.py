"""The central camera overview: one card per camera (status, probe summary, recording), in sections by group."""

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
from vas_console.ui.recording_state import (
    RecordingIndicator,
    recording_detail,
    recording_extras,
    recording_pill,
)
from vas_console.ui.roster import CameraRoster, camera_tooltip, status_label

CARD_WIDTH = 272
_TEXT_WIDTH = CARD_WIDTH - 34
_EMPTY_HINT = "No cameras yet.\n\nAdd one with Cameras > Add camera…\nor import a list with File > Import cameras…"


class CameraCard(QFrame):
    """A camera's card: status badge, name, recording pill, status, probe summary or failure reason,
    recording line, location and tags.

    Reachability is on the left (badge, coloured edge, status word), recording on the right of the name
    (the pill: `● REC` outlined while recording, filled amber or red when recording is being lost) and in
    its own line (why, transcoding, restarts).

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
        self.recording_pill = self._label("recordingPill")
        self.status_label = self._label("cardStatus")
        self.detail_label = self._label("cardDetail")
        self.recording_label = self._label("cardRecording")
        self.place_label = self._label("cardPlace")
        top = QHBoxLayout()
        top.setSpacing(8)
        top.addWidget(self._badge)
        top.addWidget(self.name_label, 1)
        top.addWidget(self.recording_pill)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(12, 10, 12, 10)
        layout.setSpacing(3)
        layout.addLayout(top)
        for label in (self.status_label, self.detail_label, self.recording_label, self.place_label):
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
        recorder = roster.recorder_status(camera)
        self._badge.setPixmap(theme.status_icon(status).pixmap(16, 16))
        self.status_label.setText(status_label(status))
        self._set_elided(self.detail_label, _detail(status, info))
        self._show_recording(camera, roster)
        place = " · ".join(p for p in (camera.location, ", ".join(camera.tags)) if p)
        self._set_elided(self.place_label, place or roster.group_name(camera.group_id))
        self.setToolTip(camera_tooltip(camera, info, roster.group_name(camera.group_id), recorder))
        key = theme.status_key(status)
        for widget in (self, self.status_label):
            _set_style_property(widget, "status", key)

    def _show_recording(self, camera: Camera, roster: CameraRoster) -> None:
        recorder = roster.recorder_status(camera)
        indicator = roster.recording(camera)
        self.recording_pill.setText(recording_pill(indicator, recorder))
        self.recording_pill.setToolTip(recording_detail(camera, recorder))
        _set_style_property(self.recording_pill, "rec", indicator.value)
        _set_style_property(self.recording_label, "rec", indicator.value)
        line = recording_detail(camera, recorder)
        extras = recording_extras(recorder)
        if indicator is RecordingIndicator.RECORDING and extras:
            line = f"Recording · {extras}"  # the stream is in the tooltip: keep the line short
        self._set_elided(self.recording_label, line)
        self.recording_pill.ensurePolished()
        room = _TEXT_WIDTH - self.recording_pill.sizeHint().width() - 8
        self._set_elided(self.name_label, camera.name, room)

    def set_selected(self, selected: bool) -> None:
        if bool(self.property("selected")) != selected:
            self.setProperty("selected", selected)
            theme.repolish(self)

    def _set_elided(self, label: QLabel, text: str, width: int = _TEXT_WIDTH) -> None:
        label.ensurePolished()  # the style sheet sets the font the text is measured with
        metrics = label.fontMetrics()
        label.setText(metrics.elidedText(text, Qt.TextElideMode.ElideRight, width))

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


def _set_style_property(widget: QWidget, name: str, value: str) -> None:
    """Set a dynamic property the style sheet matches; repolish only when it changed."""
    if widget.property(name) != value:
        widget.setProperty(name, value)
        theme.repolish(widget)


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
    """A big number with a caption (`2` / `Online`), topped with its status or recording colour."""

    def __init__(
        self,
        caption: str,
        kind: CameraStatus | RecordingIndicator | None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("statTile")
        if isinstance(kind, CameraStatus):
            self.setProperty("status", theme.status_key(kind))
        elif kind is not None:
            self.setProperty("rec", kind.value)
        self.setMinimumWidth(92)
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


_TILES: tuple[tuple[str, CameraStatus | RecordingIndicator | None], ...] = (
    ("Cameras", None),
    ("Online", CameraStatus.ONLINE),
    ("Offline", CameraStatus.OFFLINE),
    ("Auth failed", CameraStatus.AUTH_FAILED),
    ("Disabled", CameraStatus.DISABLED),
    ("Recording", RecordingIndicator.RECORDING),
    ("Rec. failing", RecordingIndicator.FAILED),
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
        # The tiles wrap under each other when the overview is narrow (the storage dock is open).
        tile_row = QWidget(canvas)
        tile_row.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        tile_flow = FlowLayout(tile_row, spacing=10)
        for tile in self.tiles.values():
            tile_flow.addWidget(tile)
        heading = QVBoxLayout()
        heading.setSpacing(8)
        heading.addWidget(self.title)
        heading.addWidget(tile_row)
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
        self._count(cameras)
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

    def refresh_cards(self) -> None:
        """Update what the cards and tiles say, without laying them out again (the countdown's tick).

        Must only be called when the roster holds the same cameras as at the last `refresh()`.
        """
        cameras = self._roster.cameras()
        self._count(cameras)
        for camera in cameras:
            card = self._cards.get(camera.id)
            if card is not None:
                card.show_camera(camera, self._roster)

    def _count(self, cameras: list[Camera]) -> None:
        by_status = Counter(self._roster.status(c) for c in cameras)
        recording = self._roster.recording_counts(cameras)
        for caption, kind in _TILES:
            if kind is None:
                value = len(cameras)
            elif isinstance(kind, CameraStatus):
                value = by_status[kind]
            elif kind is RecordingIndicator.RECORDING:
                value = recording.recording
            else:
                value = recording.failing
            self.tiles[caption].set_value(value)

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
