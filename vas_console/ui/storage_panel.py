"""The storage panel: the recordings volume, each camera's share of it and the projected retention."""

from __future__ import annotations

import asyncio
import logging
import math
import time

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QHideEvent, QShowEvent, QStandardItem, QStandardItemModel
from PySide6.QtWidgets import (
    QAbstractItemView,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QProgressBar,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from backend_embed.api import BackendApi, CameraStorage, StorageReport
from vas_console.ui import theme
from vas_console.ui.aio import TaskKeeper
from vas_console.ui.figures import (
    format_bitrate,
    format_bytes,
    format_days,
    format_share,
    local_datetime,
)
from vas_console.ui.roster import CameraRoster

logger = logging.getLogger(__name__)

REFRESH_INTERVAL_MS = 10_000
CRITICAL_FREE_FRACTION = 0.05
"""Below this share of free space the bar and the status bar's disk figure turn red."""

SORT_ROLE = Qt.ItemDataRole.UserRole + 1
COLUMNS = ("Camera", "Recorded", "Share", "Bitrate", "Oldest")
_COLUMN_TIPS = (
    "",
    "Bytes of recordings kept for this camera",
    "Its share of all recordings",
    "Recording bitrate over the last hour",
    "The oldest recording kept (local time): retention deletes from here",
)
_BAR_STEPS = 1000


def free_fraction(report: StorageReport) -> float:
    """The volume's free share, 0..1 (0 for a volume of unknown size)."""
    return report.free_bytes / report.total_bytes if report.total_bytes > 0 else 0.0


def is_critical(report: StorageReport) -> bool:
    """True when free space is below CRITICAL_FREE_FRACTION of the volume."""
    return free_fraction(report) < CRITICAL_FREE_FRACTION


def _cell(text: str, key: object, *, right: bool = True) -> QStandardItem:
    item = QStandardItem(text)
    item.setEditable(False)
    item.setData(key, SORT_ROLE)
    if right:
        item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
    return item


class StoragePanel(QWidget):
    """Volume bar, figures and a per-camera table, refreshed from `BackendApi.storage_report()`.

    It refreshes itself only while visible: when shown, then every REFRESH_INTERVAL_MS; hiding it stops
    the timer. Each refresh is a task of `tasks` (at most one at a time); a `BackendError` ends it and the
    keeper reports it (the main window turns it into a notice). `stop()` must be called before the panel
    is destroyed.

    Signals:
        report_shown(StorageReport): a report is on display (the status bar's disk figure follows it).
    """

    report_shown = Signal(object)

    def __init__(
        self, backend: BackendApi, roster: CameraRoster, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setObjectName("storagePanel")
        self._backend = backend
        self._roster = roster
        self._report: StorageReport | None = None
        self._pending: asyncio.Task[None] | None = None
        self._tasks = TaskKeeper(self)
        self._timer = QTimer(self)
        self._timer.setInterval(REFRESH_INTERVAL_MS)
        self._timer.timeout.connect(self._on_timer_timeout)
        self._build()

    @property
    def tasks(self) -> TaskKeeper:
        """The refresh tasks this panel started."""
        return self._tasks

    @property
    def report(self) -> StorageReport | None:
        """The report on display, or None before the first one arrived."""
        return self._report

    @property
    def refreshing_periodically(self) -> bool:
        """True while the refresh timer runs (the panel is visible)."""
        return self._timer.isActive()

    def _build(self) -> None:
        self.root_label = self._label("storageRoot", "Recordings volume: not known yet")
        self.root_label.setWordWrap(True)
        self.volume_bar = QProgressBar(self)
        self.volume_bar.setObjectName("volumeBar")
        self.volume_bar.setRange(0, _BAR_STEPS)
        self.volume_bar.setValue(0)
        self.volume_bar.setFormat("—")
        self.alert_label = self._label("storageAlert", "")
        self.alert_label.setProperty("role", "fieldError")
        self.alert_label.setWordWrap(True)
        self.alert_label.hide()
        self.table_model = QStandardItemModel(0, len(COLUMNS), self)
        self.table_model.setHorizontalHeaderLabels(list(COLUMNS))
        for column, tip in enumerate(_COLUMN_TIPS):
            self.table_model.horizontalHeaderItem(column).setToolTip(tip)
        self.table_model.setSortRole(SORT_ROLE)
        self.table = self._build_table()
        self.updated_label = self._label("storageUpdated", "Not refreshed yet")
        refresh = QPushButton("Refresh", self)
        refresh.clicked.connect(self._on_refresh_clicked)
        footer = QHBoxLayout()
        footer.addWidget(self.updated_label, 1)
        footer.addWidget(refresh)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(10, 10, 10, 10)
        layout.setSpacing(8)
        for widget in (self.root_label, self.volume_bar, self.alert_label):
            layout.addWidget(widget)
        layout.addLayout(self._build_figures())
        layout.addWidget(self.table, 1)
        layout.addLayout(footer)

    def _label(self, name: str, text: str, role: str = "") -> QLabel:
        label = QLabel(text, self)
        label.setObjectName(name)
        label.setTextFormat(Qt.TextFormat.PlainText)
        if role:
            label.setProperty("role", role)
        return label

    def _build_figures(self) -> QGridLayout:
        grid = QGridLayout()
        grid.setHorizontalSpacing(18)
        grid.setVerticalSpacing(0)
        self.free_label = self._label("storageFree", "—", "figureValue")
        self.recordings_label = self._label("storageRecordings", "—", "figureValue")
        self.protected_label = self._label("storageProtected", "—", "figureValue")
        self.days_label = self._label("storageDays", "—")
        figures = (
            ("Free", self.free_label),
            ("Recordings", self.recordings_label),
            ("Protected", self.protected_label),
            ("Retention at current bitrates", self.days_label),
        )
        for column, (caption, value) in enumerate(figures):
            grid.addWidget(value, 0, column)
            grid.addWidget(self._label("", caption, "figureCaption"), 1, column)
        grid.setColumnStretch(3, 1)
        return grid

    def _build_table(self) -> QTableView:
        table = QTableView(self)
        table.setObjectName("storageTable")
        table.setModel(self.table_model)
        table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        table.setAlternatingRowColors(True)
        table.setShowGrid(False)
        table.setSortingEnabled(True)
        table.sortByColumn(1, Qt.SortOrder.DescendingOrder)
        table.verticalHeader().hide()
        header = table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        header.setMinimumSectionSize(48)
        table.setWordWrap(False)
        table.setTextElideMode(Qt.TextElideMode.ElideRight)
        return table

    def request_refresh(self) -> None:
        """Fetch and show a fresh report, unless a fetch is already on its way."""
        if self._pending is not None and not self._pending.done():
            return
        self._pending = self._tasks.start(self._refresh(), name="StoragePanel.refresh")

    async def _refresh(self) -> None:
        report = await self._backend.storage_report()
        self.show_report(report)

    def show_report(self, report: StorageReport) -> None:
        """Display `report` (a fresh answer, or the one a `StorageAlert` carried)."""
        self._report = report
        used = max(0, report.total_bytes - report.free_bytes)
        free = free_fraction(report)
        self.root_label.setText(f"Recordings volume: {report.root}")
        self.volume_bar.setValue(round(_BAR_STEPS * (1 - free)) if report.total_bytes else 0)
        self.volume_bar.setFormat(
            f"{format_bytes(used)} used of {format_bytes(report.total_bytes)}"
            f" · {100 * free:.0f} % free"
        )
        level = "critical" if is_critical(report) else ""
        if self.volume_bar.property("level") != level:
            self.volume_bar.setProperty("level", level)
            theme.repolish(self.volume_bar)
        self.free_label.setText(format_bytes(report.free_bytes))
        self.recordings_label.setText(format_bytes(report.recordings_bytes))
        self.protected_label.setText(format_bytes(report.protected_bytes))
        self.days_label.setText(format_days(report.projected_days))
        self._fill_table(report)
        self.updated_label.setText(f"Updated {time.strftime('%H:%M:%S')}")
        self.report_shown.emit(report)

    def show_alert(self, message: str, report: StorageReport) -> None:
        """Show a storage alert above the figures (it stays: it is what happened) and its report."""
        self.alert_label.setText(f"{time.strftime('%H:%M')}  {message}")
        self.alert_label.show()
        self.show_report(report)

    def _fill_table(self, report: StorageReport) -> None:
        model = self.table_model
        model.removeRows(0, model.rowCount())
        for share in report.cameras:
            model.appendRow(self._row(share, report.recordings_bytes))
        header = self.table.horizontalHeader()
        model.sort(header.sortIndicatorSection(), header.sortIndicatorOrder())

    def _row(self, share: CameraStorage, total: int) -> list[QStandardItem]:
        camera = self._roster.camera(share.camera_id)
        name = camera.name if camera is not None else f"Camera {share.camera_id} (removed)"
        oldest = local_datetime(share.oldest_ms) if share.oldest_ms is not None else "—"
        return [
            _cell(name, name.casefold(), right=False),
            _cell(format_bytes(share.bytes), share.bytes),
            _cell(format_share(share.bytes, total), share.bytes),
            _cell(format_bitrate(share.bitrate_bps), share.bitrate_bps or 0.0),
            _cell(oldest, float(share.oldest_ms) if share.oldest_ms is not None else math.inf),
        ]

    def stop(self) -> None:
        """Stop refreshing and cancel a fetch on its way (the window is closing)."""
        self._timer.stop()
        self._tasks.cancel_all()

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if not self._timer.isActive():
            logger.debug("Storage panel shown: refreshing every %d ms", REFRESH_INTERVAL_MS)
            self._timer.start()
            self.request_refresh()

    def hideEvent(self, event: QHideEvent) -> None:
        super().hideEvent(event)
        self._timer.stop()

    def _on_timer_timeout(self) -> None:
        self.request_refresh()

    def _on_refresh_clicked(self) -> None:
        self.request_refresh()
