"""FilterBar: which snapshots the gallery shows (cameras, a date range, the source)."""

from __future__ import annotations

import time
from collections.abc import Iterable
from enum import Enum

from PySide6.QtCore import QDateTime, Qt, QTime, Signal
from PySide6.QtGui import QAction, QMouseEvent
from PySide6.QtWidgets import (
    QComboBox,
    QDateTimeEdit,
    QHBoxLayout,
    QLabel,
    QMenu,
    QToolButton,
    QWidget,
)

from backend_embed.api import Camera, SnapshotFilter, SnapshotSource

HOUR_MS = 3_600_000
DAY_MS = 24 * HOUR_MS
DATE_FORMAT = "yyyy-MM-dd HH:mm"


class Period(Enum):
    """The date range choices; a relative one is measured back from the moment the filter is read."""

    ANY = ("Any time", None)
    HOUR = ("Last hour", HOUR_MS)
    DAY = ("Last 24 hours", DAY_MS)
    WEEK = ("Last 7 days", 7 * DAY_MS)
    MONTH = ("Last 30 days", 30 * DAY_MS)
    CUSTOM = ("Custom range…", None)

    @property
    def label(self) -> str:
        return str(self.value[0])

    @property
    def span_ms(self) -> int | None:
        span: int | None = self.value[1]
        return span


_SOURCES: tuple[tuple[str, SnapshotSource | None], ...] = (
    ("All sources", None),
    ("Live", SnapshotSource.LIVE),
    ("Recorded", SnapshotSource.RECORDED),
)


class StayOpenMenu(QMenu):
    """A menu whose checkable entries toggle without closing it, so several cameras are picked at once."""

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        action: QAction | None = (
            self.activeAction()
        )  # None between entries; the stubs say otherwise
        if action is not None and action.isEnabled() and action.isCheckable():
            action.trigger()
            return
        super().mouseReleaseEvent(event)


class FilterBar(QWidget):
    """Camera multi-select (a menu of checkable cameras; none checked means all), period, source.

    Signals:
        changed(): the operator changed a filter (read it with `current_filter()`).
    """

    changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("galleryFilterBar")
        self._cameras: dict[int, Camera] = {}
        self._checked: set[int] = set()
        self.camera_button = QToolButton(self)
        self.camera_button.setObjectName("cameraFilter")
        self.camera_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.camera_button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        self.camera_menu = StayOpenMenu(self.camera_button)
        self.camera_button.setMenu(self.camera_menu)
        self.period_combo = QComboBox(self)
        self.period_combo.setObjectName("periodFilter")
        for period in Period:
            self.period_combo.addItem(period.label)
        self.from_edit = self._date_edit("fromFilter", "Show snapshots taken at or after this time")
        self.to_edit = self._date_edit("toFilter", "Show snapshots taken before this time")
        self._to_label = QLabel("to", self)
        self.source_combo = QComboBox(self)
        self.source_combo.setObjectName("sourceFilter")
        for label, _source in _SOURCES:
            self.source_combo.addItem(label)
        now = QDateTime.currentDateTime()
        self.from_edit.setDateTime(QDateTime(now.date().addDays(-1), QTime(0, 0)))
        self.to_edit.setDateTime(QDateTime(now.date().addDays(1), QTime(0, 0)))
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(8)
        for widget in (self.camera_button, self.period_combo, self.from_edit, self._to_label):
            layout.addWidget(widget)
        layout.addWidget(self.to_edit)
        layout.addWidget(self.source_combo)
        layout.addStretch(1)
        self._show_custom(False)
        self._update_camera_button()
        self.period_combo.currentIndexChanged.connect(self._on_period_changed)
        self.from_edit.dateTimeChanged.connect(self._on_edit_changed)
        self.to_edit.dateTimeChanged.connect(self._on_edit_changed)
        self.source_combo.currentIndexChanged.connect(self.changed)

    def _date_edit(self, name: str, tip: str) -> QDateTimeEdit:
        edit = QDateTimeEdit(self)
        edit.setObjectName(name)
        edit.setDisplayFormat(DATE_FORMAT)
        edit.setCalendarPopup(True)
        edit.setToolTip(tip)
        return edit

    # -- cameras ----------------------------------------------------------------------------------

    def set_cameras(self, cameras: Iterable[Camera]) -> None:
        """Offer these cameras (sorted by name); checked ones that are gone are unchecked (`changed`)."""
        self._cameras = {c.id: c for c in cameras}
        gone = self._checked - set(self._cameras)
        self._checked -= gone
        self.camera_menu.clear()
        every = self.camera_menu.addAction("All cameras")
        every.setCheckable(True)
        every.setChecked(not self._checked)
        every.triggered.connect(self._on_all_cameras_triggered)
        self.camera_menu.addSeparator()
        for camera in sorted(self._cameras.values(), key=lambda c: c.name.casefold()):
            action = self.camera_menu.addAction(camera.name)
            action.setCheckable(True)
            action.setChecked(camera.id in self._checked)
            action.setData(camera.id)
            action.toggled.connect(self._on_camera_toggled)
        self._update_camera_button()
        if gone:
            self.changed.emit()

    def camera_actions(self) -> list[QAction]:
        """The menu's camera entries (not "All cameras"), in menu order."""
        return [a for a in self.camera_menu.actions() if isinstance(a.data(), int)]

    def set_checked_cameras(self, camera_ids: Iterable[int]) -> None:
        """Show only these cameras (an empty set: all). Emits `changed` if that changed the filter."""
        wanted = {i for i in camera_ids if i in self._cameras}
        if wanted == self._checked:
            return
        self._checked = wanted
        for action in self.camera_actions():
            action.blockSignals(True)
            action.setChecked(action.data() in wanted)
            action.blockSignals(False)
        self._sync_all_action()
        self._update_camera_button()
        self.changed.emit()

    def _on_all_cameras_triggered(self) -> None:
        if self._checked:
            self.set_checked_cameras(())
        else:
            self._sync_all_action()

    def _on_camera_toggled(self, checked: bool) -> None:
        action = self.sender()
        if not isinstance(action, QAction) or not isinstance(action.data(), int):
            return
        if checked:
            self._checked.add(action.data())
        else:
            self._checked.discard(action.data())
        self._sync_all_action()
        self._update_camera_button()
        self.changed.emit()

    def _sync_all_action(self) -> None:
        actions = self.camera_menu.actions()
        if actions:
            actions[0].setChecked(not self._checked)

    def _update_camera_button(self) -> None:
        if not self._checked:
            text = "All cameras"
        elif len(self._checked) == 1:
            text = self._cameras[next(iter(self._checked))].name
        else:
            text = f"{len(self._checked)} cameras"
        self.camera_button.setText(f"{text}  ▾")
        names = sorted(self._cameras[i].name for i in self._checked)
        self.camera_button.setToolTip(
            "Cameras shown: " + (", ".join(names) if names else "all cameras")
        )

    # -- period and source ------------------------------------------------------------------------

    @property
    def period(self) -> Period:
        return list(Period)[max(0, self.period_combo.currentIndex())]

    @property
    def source(self) -> SnapshotSource | None:
        return _SOURCES[max(0, self.source_combo.currentIndex())][1]

    def reset(self) -> None:
        """Every camera, any time, every source (one `changed`)."""
        self.blockSignals(True)
        try:
            self.set_checked_cameras(())
            self.set_period(Period.ANY)
            self.set_source(None)
        finally:
            self.blockSignals(False)
        self.changed.emit()

    def set_period(self, period: Period) -> None:
        self.period_combo.setCurrentIndex(list(Period).index(period))

    def set_custom_range(self, start_ms: int, end_ms: int) -> None:
        """Choose "Custom range" from `start_ms` to `end_ms` (UTC ms; shown in local time)."""
        self.from_edit.setDateTime(QDateTime.fromMSecsSinceEpoch(start_ms))
        self.to_edit.setDateTime(QDateTime.fromMSecsSinceEpoch(end_ms))
        self.set_period(Period.CUSTOM)

    def set_source(self, source: SnapshotSource | None) -> None:
        self.source_combo.setCurrentIndex([s for _, s in _SOURCES].index(source))

    def _on_period_changed(self) -> None:
        self._show_custom(self.period is Period.CUSTOM)
        self.changed.emit()

    def _on_edit_changed(self) -> None:
        if self.period is Period.CUSTOM:
            self.changed.emit()

    def _show_custom(self, shown: bool) -> None:
        for widget in (self.from_edit, self._to_label, self.to_edit):
            widget.setVisible(shown)

    # -- the filter -------------------------------------------------------------------------------

    @property
    def is_default(self) -> bool:
        """True when nothing is filtered out (every camera, any time, every source)."""
        return not self._checked and self.period is Period.ANY and self.source is None

    def current_filter(self, now_ms: int | None = None) -> SnapshotFilter:
        """The filter the widgets describe; relative periods end at `now_ms` (default: now)."""
        period = self.period
        start_ms: int | None = None
        end_ms: int | None = None
        if period is Period.CUSTOM:
            start_ms = self.from_edit.dateTime().toMSecsSinceEpoch()
            end_ms = self.to_edit.dateTime().toMSecsSinceEpoch()
        elif period.span_ms is not None:
            now = int(time.time() * 1000) if now_ms is None else now_ms
            start_ms = now - period.span_ms
        return SnapshotFilter(frozenset(self._checked), start_ms, end_ms, self.source)
