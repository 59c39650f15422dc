"""The camera tree: groups as folders ("Ungrouped" last), each camera with its status and recording."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from PySide6.QtCore import (
    QItemSelection,
    QMimeData,
    QModelIndex,
    QPersistentModelIndex,
    QPoint,
    QSortFilterProxyModel,
    Qt,
    Signal,
)
from PySide6.QtGui import QBrush, QColor, QIcon, QStandardItem, QStandardItemModel
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QHeaderView,
    QLineEdit,
    QStyle,
    QTreeView,
    QVBoxLayout,
    QWidget,
)

from backend_embed.api import Camera, CameraStatus
from vas_console.ui import theme
from vas_console.ui.live.dnd import CAMERA_MIME, CAMERAS_MIME, camera_mime_data, cameras_mime_data
from vas_console.ui.recording_state import PROBLEMS, recording_badge
from vas_console.ui.roster import UNGROUPED, CameraRoster, camera_tooltip, status_detail

CAMERA_ID_ROLE = Qt.ItemDataRole.UserRole + 1
GROUP_KEY_ROLE = Qt.ItemDataRole.UserRole + 2
SORT_ROLE = Qt.ItemDataRole.UserRole + 3

# The group key of the "Ungrouped" folder; real group ids are positive.
UNGROUPED_KEY = -1

NAME_COLUMN, STATUS_COLUMN, RECORDING_COLUMN = range(3)

_FAILING = (CameraStatus.OFFLINE, CameraStatus.AUTH_FAILED)


@dataclass(frozen=True, slots=True)
class TreeSelection:
    """What the operator selected: a camera, or a group folder (`group_id` None is "Ungrouped")."""

    camera_id: int | None = None
    group_id: int | None = None
    is_group: bool = False


def _key(group_id: int | None) -> int:
    return UNGROUPED_KEY if group_id is None else group_id


def _row() -> list[QStandardItem]:
    items = [QStandardItem(), QStandardItem(), QStandardItem()]
    for item in items:
        item.setEditable(False)
        item.setDropEnabled(False)
    return items


class CameraTreeModel(QStandardItemModel):
    """Three columns (camera, status, recording), kept in step with a `CameraRoster` in place.

    Reachability (the probes) and recording are separate columns, each with its own icon, so neither hides
    the other: a camera can be online and yet not recording.

    `sync()` updates rows in place, so expansion and selection survive status changes and edits.
    Camera rows can be dragged (onto the live wall) as `CAMERA_MIME`; group rows drag their cameras, in
    the tree's order, as `CAMERAS_MIME` (a group without cameras does not drag).
    """

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(0, 3, parent)
        self.setHorizontalHeaderLabels(["Camera", "Status", "Recording"])
        self._groups: dict[int, list[QStandardItem]] = {}
        self._cameras: dict[int, list[QStandardItem]] = {}

    def sync(self, roster: CameraRoster) -> None:
        """Make the rows match `roster`."""
        wanted: dict[int, str] = {g.id: g.name for g in roster.groups()}
        if roster.cameras_in(None) or not wanted:
            wanted[UNGROUPED_KEY] = UNGROUPED
        for key in [k for k in self._groups if k not in wanted]:
            self._remove_group(key)
        for key, name in wanted.items():
            self._update_group(key, name, roster)
        present = set()
        for camera in roster.cameras():
            present.add(camera.id)
            self._update_camera(camera, roster)
        for camera_id in [c for c in self._cameras if c not in present]:
            self._take_camera(camera_id)

    def mimeTypes(self) -> list[str]:
        return [CAMERA_MIME, CAMERAS_MIME]

    def mimeData(self, indexes: Sequence[QModelIndex]) -> QMimeData:
        for index in indexes:
            first = index.siblingAtColumn(0)
            camera_id = first.data(CAMERA_ID_ROLE)
            if camera_id is not None:
                return camera_mime_data(int(camera_id))
            if first.data(GROUP_KEY_ROLE) is not None:
                return cameras_mime_data(self._cameras_under(first))
        return QMimeData()

    def _cameras_under(self, folder: QModelIndex) -> list[int]:
        """The ids of a folder's cameras, sorted as the tree shows them (by name)."""
        rows = [self.index(row, 0, folder) for row in range(self.rowCount(folder))]
        return [int(r.data(CAMERA_ID_ROLE)) for r in sorted(rows, key=lambda r: r.data(SORT_ROLE))]

    def camera_row(self, camera_id: int) -> QModelIndex:
        """The index of a camera's first column (invalid when unknown)."""
        items = self._cameras.get(camera_id)
        return items[0].index() if items else QModelIndex()

    def group_keys(self) -> set[int]:
        """The keys of the folders shown: group ids, and UNGROUPED_KEY for "Ungrouped"."""
        return set(self._groups)

    def group_row(self, group_id: int | None) -> QModelIndex:
        """The index of a group folder's first column (invalid when not shown)."""
        items = self._groups.get(_key(group_id))
        return items[0].index() if items else QModelIndex()

    def _remove_group(self, key: int) -> None:
        folder = self._groups.pop(key)[0]
        for row in range(folder.rowCount()):
            self._cameras.pop(folder.child(row, 0).data(CAMERA_ID_ROLE), None)
        self.removeRow(folder.row())

    def _update_group(self, key: int, name: str, roster: CameraRoster) -> None:
        items = self._groups.get(key)
        if items is None:
            items = self._groups[key] = _row()
            items[0].setIcon(_folder_icon())
            items[0].setData(key, GROUP_KEY_ROLE)
            self.appendRow(items)
        members = roster.cameras_in(None if key == UNGROUPED_KEY else key)
        for item in items:
            item.setDragEnabled(bool(members))  # a group drags its cameras; an empty one nothing
        counts = roster.counts(members)
        recording = roster.recording_counts(members)
        items[0].setText(name)
        items[0].setData((1 if key == UNGROUPED_KEY else 0, name.casefold()), SORT_ROLE)
        items[1].setText(f"{counts.online}/{counts.total - counts.disabled} online")
        items[1].setForeground(QBrush(QColor(theme.TEXT_DIM)))
        items[2].setText(f"{recording.recording}/{recording.expected} REC")
        items[2].setToolTip(recording.summary())
        colour = theme.REC_RED if recording.failing else theme.TEXT_DIM
        items[2].setForeground(QBrush(QColor(colour)))

    def _update_camera(self, camera: Camera, roster: CameraRoster) -> None:
        folder = self._groups[_key(roster.home_group_id(camera))][0]
        items = self._cameras.get(camera.id)
        if items is None:
            items = self._cameras[camera.id] = _row()
            items[0].setData(camera.id, CAMERA_ID_ROLE)
            folder.appendRow(items)
        elif items[0].parent() is not folder:
            old = items[0].parent()
            folder.appendRow(old.takeRow(items[0].row()))
        info = roster.status_info(camera.id)
        status = roster.status(camera)
        recorder = roster.recorder_status(camera)
        tooltip = camera_tooltip(camera, info, roster.group_name(camera.group_id), recorder)
        items[0].setText(camera.name)
        items[0].setIcon(theme.status_icon(status))
        items[0].setData((0, camera.name.casefold()), SORT_ROLE)
        items[1].setText(status_detail(camera, info))
        colour = theme.STATUS_COLOURS[status] if status in _FAILING else theme.TEXT
        if status is CameraStatus.DISABLED:
            colour = theme.TEXT_DIM
        items[1].setForeground(QBrush(QColor(colour)))
        indicator = roster.recording(camera)
        items[2].setText(recording_badge(indicator, recorder))
        items[2].setIcon(theme.recording_icon(indicator))
        rec_colour = theme.RECORDING_COLOURS[indicator] if indicator in PROBLEMS else theme.TEXT
        items[2].setForeground(QBrush(QColor(rec_colour)))
        for item in items:
            item.setToolTip(tooltip)

    def _take_camera(self, camera_id: int) -> None:
        items = self._cameras.pop(camera_id)
        parent = items[0].parent()
        parent.removeRow(items[0].row())


def _folder_icon() -> QIcon:
    return QApplication.style().standardIcon(QStyle.StandardPixmap.SP_DirIcon)


class _SortFilterModel(QSortFilterProxyModel):
    """Sorts by SORT_ROLE ("Ungrouped" last) and keeps a group visible when one of its cameras matches."""

    def lessThan(
        self, left: QModelIndex | QPersistentModelIndex, right: QModelIndex | QPersistentModelIndex
    ) -> bool:
        a = left.sibling(left.row(), 0).data(SORT_ROLE)
        b = right.sibling(right.row(), 0).data(SORT_ROLE)
        if a is None or b is None:
            return super().lessThan(left, right)
        return bool(a < b)


class CameraTreePanel(QWidget):
    """A filter box over the camera tree.

    Signals:
        selection_changed(TreeSelection): the operator selected another camera or group.
        camera_activated(int): a camera was double-clicked or activated with Enter (its id).
        context_menu_requested(QPoint, TreeSelection): a right-click at a global position.
    """

    selection_changed = Signal(object)
    camera_activated = Signal(int)
    context_menu_requested = Signal(QPoint, object)

    def __init__(self, roster: CameraRoster, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._roster = roster
        self.model = CameraTreeModel(self)
        self._proxy = _SortFilterModel(self)
        self._proxy.setSourceModel(self.model)
        self._proxy.setSortRole(SORT_ROLE)
        self._proxy.setRecursiveFilteringEnabled(True)
        self._proxy.setFilterCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self._proxy.setFilterKeyColumn(0)
        self._filter = QLineEdit(self)
        self._filter.setPlaceholderText("Filter cameras…")
        self._filter.setClearButtonEnabled(True)
        self._filter.textChanged.connect(self._on_filter_text_changed)
        self.view = QTreeView(self)
        self._setup_view()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.setSpacing(6)
        layout.addWidget(self._filter)
        layout.addWidget(self.view)

    def _setup_view(self) -> None:
        view = self.view
        view.setModel(self._proxy)
        view.setSortingEnabled(True)
        view.sortByColumn(0, Qt.SortOrder.AscendingOrder)
        header = view.header()
        header.setSortIndicatorShown(False)
        header.setSectionsClickable(False)
        header.setStretchLastSection(False)
        header.setSectionResizeMode(NAME_COLUMN, QHeaderView.ResizeMode.Interactive)
        header.setSectionResizeMode(STATUS_COLUMN, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(RECORDING_COLUMN, QHeaderView.ResizeMode.ResizeToContents)
        view.setColumnWidth(NAME_COLUMN, 165)
        view.setUniformRowHeights(True)
        view.setDragEnabled(True)
        view.setDragDropMode(QAbstractItemView.DragDropMode.DragOnly)
        view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        view.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        view.customContextMenuRequested.connect(self._on_view_custom_context_menu_requested)
        view.activated.connect(self._on_view_activated)
        view.selectionModel().selectionChanged.connect(self._on_selection_model_selection_changed)

    def refresh(self) -> None:
        """Bring the tree in step with the roster; new folders start expanded."""
        known = self.model.group_keys()
        self.model.sync(self._roster)
        for key in self.model.group_keys() - known:
            group_id = None if key == UNGROUPED_KEY else key
            self.view.expand(self._proxy.mapFromSource(self.model.group_row(group_id)))

    def selection(self) -> TreeSelection:
        """The current selection (empty when nothing is selected)."""
        rows = self.view.selectionModel().selectedRows(0)
        return self._selection_at(rows[0]) if rows else TreeSelection()

    def select_camera(self, camera_id: int) -> None:
        """Select (and scroll to) a camera's row."""
        index = self._proxy.mapFromSource(self.model.camera_row(camera_id))
        if index.isValid():
            self.view.setCurrentIndex(index)
            self.view.scrollTo(index)

    def select_group(self, group_id: int | None) -> None:
        """Select a group folder (None: "Ungrouped")."""
        index = self._proxy.mapFromSource(self.model.group_row(group_id))
        if index.isValid():
            self.view.setCurrentIndex(index)

    def _selection_at(self, index: QModelIndex | QPersistentModelIndex) -> TreeSelection:
        first = index.sibling(index.row(), 0)
        camera_id = first.data(CAMERA_ID_ROLE)
        if camera_id is not None:
            camera = self._roster.camera(int(camera_id))
            group_id = self._roster.home_group_id(camera) if camera is not None else None
            return TreeSelection(camera_id=int(camera_id), group_id=group_id)
        key = first.data(GROUP_KEY_ROLE)
        if key is None:
            return TreeSelection()
        return TreeSelection(group_id=None if key == UNGROUPED_KEY else int(key), is_group=True)

    def _on_filter_text_changed(self, text: str) -> None:
        self._proxy.setFilterFixedString(text.strip())
        if text:
            self.view.expandAll()

    def _on_view_activated(self, index: QModelIndex) -> None:
        camera_id = index.siblingAtColumn(0).data(CAMERA_ID_ROLE)
        if camera_id is not None:
            self.camera_activated.emit(int(camera_id))

    def _on_view_custom_context_menu_requested(self, pos: QPoint) -> None:
        index = self.view.indexAt(pos)
        if index.isValid():
            self.view.setCurrentIndex(index)
        where = self.view.viewport().mapToGlobal(pos)
        self.context_menu_requested.emit(where, self._selection_at(index))

    def _on_selection_model_selection_changed(
        self, _new: QItemSelection, _old: QItemSelection
    ) -> None:
        self.selection_changed.emit(self.selection())
