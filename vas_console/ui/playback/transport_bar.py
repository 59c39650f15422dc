"""TransportBar: play/pause, speed, frame step, jumps, previous/next recording, go to a date; with shortcuts."""

from __future__ import annotations

from typing import cast

from PySide6.QtCore import QDateTime, QPointF, QRectF, QSize, Qt, Signal
from PySide6.QtGui import QAction, QColor, QIcon, QKeySequence, QPainter, QPixmap, QResizeEvent
from PySide6.QtWidgets import (
    QComboBox,
    QDateTimeEdit,
    QHBoxLayout,
    QLayout,
    QMenu,
    QToolButton,
    QWidget,
    QWidgetAction,
)

from vas_console.ui import theme

RATES = (0.125, 0.25, 0.5, 1.0, 2.0, 4.0, 8.0, 16.0)
TRIMMED_HIDDEN = frozenset({"slower", "faster", "zoom_out", "zoom_in", "mark_in", "mark_out"})
"""Controls a somewhat narrow bar leaves out (the speed list stays; In/Out are the evidence buttons a pane
adds); every one keeps its shortcut."""
COMPACT_HIDDEN = TRIMMED_HIDDEN | {"back_minute", "forward_minute", "go_to_date"}
"""... and a narrow one (a tile's playback), where the date moves into a popup."""
COMPACT_TEXT = {"frame": "▸", "frame_back": "◂"}
FULL, TRIMMED, COMPACT = 0, 1, 2
"""How much of the bar shows: everything, without the rarely clicked buttons, or the essentials."""
SECOND_MS = 1000
MINUTE_MS = 60 * SECOND_MS


def _icon(kind: str, size: int = 18) -> QIcon:
    """A light glyph for the dark theme (the style's media icons are dark grey: unreadable here)."""
    pixmap = QPixmap(size, size)
    pixmap.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(QColor(theme.TEXT))
    m, s = size * 0.2, size * 0.8
    if kind == "play":
        painter.drawPolygon([QPointF(m + 1, m), QPointF(s, size / 2), QPointF(m + 1, s)])
    elif kind == "pause":
        painter.drawRect(QRectF(m + 1, m, size * 0.18, s - m))
        painter.drawRect(QRectF(s - 1 - size * 0.18, m, size * 0.18, s - m))
    elif kind == "previous":
        painter.drawRect(QRectF(m, m, size * 0.12, s - m))
        painter.drawPolygon([QPointF(s, m), QPointF(m + size * 0.12, size / 2), QPointF(s, s)])
    else:  # next
        painter.drawRect(QRectF(s - size * 0.12, m, size * 0.12, s - m))
        painter.drawPolygon([QPointF(m, m), QPointF(s - size * 0.12, size / 2), QPointF(m, s)])
    painter.end()
    return QIcon(pixmap)


def rate_label(rate: float) -> str:
    """ "1/8x" ... "16x"."""
    return f"1/{round(1 / rate)}x" if rate < 1 else f"{rate:g}x"


class TransportBar(QWidget):
    """The playback controls. Each has a keyboard shortcut (shown in its tooltip); `install_shortcuts`
    makes them work anywhere inside a given view.

    Signals:
        play_toggled(): play or pause.
        step_requested(): one frame forward.
        step_back_requested(): one frame back.
        jump_requested(int): move by this many ms (negative: back).
        recording_requested(int): +1 next recording, -1 previous (or the start of this one).
        rate_requested(float): the chosen speed.
        date_requested(int): go to this wall time (UTC ms).
        zoom_requested(int): +1 zoom the timeline in, -1 out.
    """

    play_toggled = Signal()
    step_requested = Signal()
    step_back_requested = Signal()
    jump_requested = Signal(object)
    recording_requested = Signal(int)
    rate_requested = Signal(float)
    date_requested = Signal(object)
    zoom_requested = Signal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.actions_by_name: dict[str, QAction] = {}
        self._level = FULL
        self._widths: dict[int, int] = {}  # each level's preferred width, measured while shown
        self._counted = 0  # the layout's item count those widths are for (a pane adds buttons)
        self._leveling = False
        layout = self._layout = QHBoxLayout(self)
        # the bar may be narrower than its controls: it then goes compact (see resizeEvent)
        layout.setSizeConstraint(QLayout.SizeConstraint.SetNoConstraint)
        layout.setContentsMargins(4, 2, 4, 2)
        layout.setSpacing(2)

        def add(name: str, text: str, tip: str, keys: list[str], slot: object) -> QToolButton:
            action = QAction(text, self)
            action.setObjectName(name)
            shortcuts = [QKeySequence(k) for k in keys]
            action.setShortcuts(shortcuts)
            action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            readable = " or ".join(
                s.toString(QKeySequence.SequenceFormat.NativeText) for s in shortcuts
            )
            action.setToolTip(f"{tip} ({readable})" if readable else tip)
            action.triggered.connect(slot)
            self.actions_by_name[name] = action
            button = QToolButton(self)
            button.setDefaultAction(action)
            button.setAutoRaise(True)
            layout.addWidget(button)
            return button

        self._prev = add("previous_recording", "Previous", "Previous recording", ["Ctrl+Left"],
                         lambda: self.recording_requested.emit(-1))  # fmt: skip
        self._prev.setIcon(_icon("previous"))
        add("back_minute", "\u22121m", "Back 1 minute", ["Shift+Left"],
            lambda: self.jump_requested.emit(-MINUTE_MS))  # fmt: skip
        add("back_10s", "\u221210s", "Back 10 seconds", ["Left"],
            lambda: self.jump_requested.emit(-10 * SECOND_MS))  # fmt: skip
        self._play = add("play_pause", "Play", "Play / pause", ["Space"], self.play_toggled.emit)
        add("forward_10s", "+10s", "Forward 10 seconds", ["Right"],
            lambda: self.jump_requested.emit(10 * SECOND_MS))  # fmt: skip
        add("forward_minute", "+1m", "Forward 1 minute", ["Shift+Right"],
            lambda: self.jump_requested.emit(MINUTE_MS))  # fmt: skip
        self._next = add("next_recording", "Next", "Next recording", ["Ctrl+Right"],
                         lambda: self.recording_requested.emit(+1))  # fmt: skip
        self._next.setIcon(_icon("next"))
        add(
            "frame_back", "◂ Frame", "One frame back (pauses)", [","], self.step_back_requested.emit
        )
        add("frame", "Frame ▸", "One frame forward (pauses)", ["."], self.step_requested.emit)
        add("slower", "Slower", "Slower", ["["], lambda: self._step_rate(-1))
        self.speed = QComboBox(self)
        self.speed.setObjectName("speed")
        for rate in RATES:
            self.speed.addItem(rate_label(rate), rate)
        self.speed.setCurrentIndex(RATES.index(1.0))
        self.speed.setToolTip("Playback speed (slower: [ · faster: ])")
        self.speed.activated.connect(self._on_speed_activated)
        layout.addWidget(self.speed)
        add("faster", "Faster", "Faster", ["]"], lambda: self._step_rate(+1))
        layout.addSpacing(12)
        self.date = QDateTimeEdit(self)
        self.date.setObjectName("goToDate")
        self.date.setCalendarPopup(True)
        self.date.setDisplayFormat("yyyy-MM-dd HH:mm:ss")
        self.date.setDateTime(QDateTime.currentDateTime())
        self.date.setToolTip("Date and time to go to (focus: Ctrl+G; go: Enter)")
        self.date.editingFinished.connect(self._on_date_editing_finished)
        layout.addWidget(self.date)
        self._date_button = self._make_date_popup()
        layout.addWidget(self._date_button)
        add("go_to_date", "Go", "Go to the date and time (in the field: Enter)", [],
            self._on_go_triggered)  # fmt: skip
        focus = QAction("Date and time", self)
        focus.setObjectName("focus_date")
        focus.setShortcut(QKeySequence("Ctrl+G"))
        focus.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        focus.triggered.connect(lambda: self.date.setFocus(Qt.FocusReason.ShortcutFocusReason))
        self.actions_by_name["focus_date"] = focus
        layout.addSpacing(12)
        add(
            "zoom_out",
            "\u2212",
            "Zoom the timeline out",
            ["-"],
            lambda: self.zoom_requested.emit(-1),
        )
        add(
            "zoom_in", "+", "Zoom the timeline in", ["+", "="], lambda: self.zoom_requested.emit(+1)
        )
        layout.addStretch(1)
        self.extra = layout  # synchronised playback appends its SYNC toggle here
        self.set_playing(False)

    @property
    def rate(self) -> float:
        return float(self.speed.currentData())

    @property
    def compact(self) -> bool:
        return self._level == COMPACT

    @property
    def level(self) -> int:
        """`FULL`, `TRIMMED` or `COMPACT`: chosen by width on every resize."""
        return self._level

    def set_level(self, level: int) -> None:
        """Show the bar at `level` (TRIMMED: no speed, zoom or In/Out buttons, icon-only evidence
        buttons; COMPACT: also no minute jumps, short frame buttons, the date in a popup). Every
        control keeps its shortcut. Chosen by width on every resize; callable directly (tests)."""
        self._level = level
        hidden = (frozenset(), TRIMMED_HIDDEN, COMPACT_HIDDEN)[level]
        for button, name in self._named_buttons():
            if name in COMPACT_HIDDEN:
                button.setVisible(name not in hidden)
            action = button.defaultAction()
            if name in COMPACT_TEXT:
                action.setIconText(COMPACT_TEXT[name] if level == COMPACT else action.text())
            if name in ("snapshot", "bookmark_range") and not action.icon().isNull():
                button.setToolButtonStyle(
                    Qt.ToolButtonStyle.ToolButtonIconOnly
                    if level != FULL
                    else Qt.ToolButtonStyle.ToolButtonTextBesideIcon
                )
        self.date.setVisible(level != COMPACT)
        self._date_button.setVisible(level == COMPACT)

    def minimumSizeHint(self) -> QSize:
        return QSize(0, super().minimumSizeHint().height())

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        if self._leveling:
            return  # the level's own changes resize the bar
        if self._counted != self._layout.count():
            self._widths.clear()
            self._counted = self._layout.count()
        self._widths[self._level] = self.sizeHint().width()
        fits = [lvl for lvl in (FULL, TRIMMED) if self._preferred(lvl) <= self.width()]
        level = fits[0] if fits else COMPACT
        if level != self._level:
            self._leveling = True
            try:
                self.set_level(level)
            finally:
                self._leveling = False
            self._widths[level] = self.sizeHint().width()

    def _preferred(self, level: int) -> int:
        """The width `level` needs: measured when it was shown, else estimated."""
        known = self._widths.get(level)
        return known if known is not None else self._width_at(level)

    def _named_buttons(self) -> list[tuple[QToolButton, str]]:
        found = []
        for button in self.findChildren(QToolButton):
            action = cast(QAction | None, button.defaultAction())  # None: no action (SYNC)
            if action is not None:
                found.append((button, action.objectName()))
        return found

    def _width_at(self, level: int) -> int:
        """The bar's preferred width at `level`, from its widgets' own size hints (hidden or not)."""
        left_out = (frozenset(), TRIMMED_HIDDEN, COMPACT_HIDDEN)[level]
        names = {id(button): name for button, name in self._named_buttons()}
        layout = self._layout
        margins = layout.contentsMargins()
        width, shown = margins.left() + margins.right(), 0
        for index in range(layout.count()):
            item = layout.itemAt(index)
            widget = item.widget() if item is not None else None
            if widget is None:
                width += item.sizeHint().width() if item is not None else 0  # spacings, stretch
                continue
            name = names.get(id(widget))
            if name in left_out:
                continue
            if widget is self.date or widget is self._date_button:
                if (widget is self._date_button) != (level == COMPACT):
                    continue
            elif widget.isHidden() and name not in COMPACT_HIDDEN:
                continue  # hidden by its owner, not by the level
            hint = widget.sizeHint().width()
            if name in ("snapshot", "bookmark_range") and level != FULL:
                hint = min(hint, cast(QToolButton, widget).iconSize().width() + 12)  # icon only
            width += hint
            shown += 1
        return width + layout.spacing() * max(0, shown - 1)

    def _make_date_popup(self) -> QToolButton:
        """The compact bar's "Go to…" button: a popup with its own date field and Go."""
        button = QToolButton(self)
        button.setObjectName("dateButton")
        button.setText("Go to…")
        button.setToolTip("Go to a date and time")
        button.setAutoRaise(True)
        button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        menu = QMenu(button)
        box = QWidget(menu)
        row = QHBoxLayout(box)
        row.setContentsMargins(6, 4, 6, 4)
        field = QDateTimeEdit(box)
        field.setObjectName("popupDate")
        field.setCalendarPopup(True)
        field.setDisplayFormat("yyyy-MM-dd HH:mm:ss")
        go = QToolButton(box)
        go.setText("Go")
        row.addWidget(field)
        row.addWidget(go)
        holder = QWidgetAction(menu)
        holder.setDefaultWidget(box)
        menu.addAction(holder)

        def go_there() -> None:
            menu.close()
            self.date_requested.emit(field.dateTime().toMSecsSinceEpoch())

        go.clicked.connect(go_there)
        field.editingFinished.connect(lambda: go_there() if field.hasFocus() else None)
        menu.aboutToShow.connect(lambda: field.setDateTime(self.date.dateTime()))
        button.setMenu(menu)
        button.setVisible(False)
        self.popup_date = field
        return button

    def install_shortcuts(self, owner: QWidget) -> None:
        """Make every shortcut work while the focus is anywhere inside `owner`."""
        owner.addActions(list(self.actions_by_name.values()))

    def set_playing(self, playing: bool) -> None:
        action = self.actions_by_name["play_pause"]
        action.setText("Pause" if playing else "Play")
        self._play.setIcon(_icon("pause" if playing else "play"))
        self._play.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonIconOnly)

    def set_rate(self, rate: float) -> None:
        index = self.speed.findData(rate)
        if index >= 0:
            self.speed.setCurrentIndex(index)

    def set_date(self, wall_ms: int) -> None:
        """Show `wall_ms` in the date field (unless the operator is editing it)."""
        if not self.date.hasFocus():
            self.date.setDateTime(QDateTime.fromMSecsSinceEpoch(wall_ms))

    def _step_rate(self, direction: int) -> None:
        index = min(max(0, self.speed.currentIndex() + direction), len(RATES) - 1)
        if index != self.speed.currentIndex():
            self.speed.setCurrentIndex(index)
            self.rate_requested.emit(RATES[index])

    def _on_speed_activated(self, index: int) -> None:
        self.rate_requested.emit(RATES[index])

    def _on_go_triggered(self) -> None:
        self.date_requested.emit(self.date.dateTime().toMSecsSinceEpoch())

    def _on_date_editing_finished(self) -> None:
        if self.date.hasFocus():  # Enter, not the focus leaving the field
            self._on_go_triggered()
