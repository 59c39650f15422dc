"""SnapshotModel: the gallery's list model over the snapshots the current filter matched."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import QAbstractListModel, QModelIndex, QPersistentModelIndex, Qt

from backend_embed.api import Snapshot, SnapshotSource
from vas_console.ui.figures import format_bytes, local_datetime

SNAPSHOT_ROLE = Qt.ItemDataRole.UserRole + 1
"""The `Snapshot` of a row."""

_Index = QModelIndex | QPersistentModelIndex


def source_label(source: SnapshotSource) -> str:
    return "Live" if source is SnapshotSource.LIVE else "Recorded"


def describe(snapshot: Snapshot) -> str:
    """One line about a snapshot, for tooltips and the viewer: camera, time, source, size, protection."""
    parts = [
        snapshot.camera_name or "Unknown camera",
        local_datetime(snapshot.time_ms, seconds=True),
        source_label(snapshot.source),
        f"{snapshot.width}×{snapshot.height}",  # noqa: RUF001
        format_bytes(snapshot.size_bytes),
    ]
    if snapshot.camera_id is None:
        parts[0] += " (removed)"
    if snapshot.protected:
        parts.append("Protected")
    return " · ".join(parts)


class SnapshotModel(QAbstractListModel):
    """One row per snapshot, in the order given (newest first). Read-only; replaced whole on reload."""

    def __init__(self) -> None:
        super().__init__()
        self._snapshots: list[Snapshot] = []
        self._rows: dict[int, int] = {}

    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008 - Qt's signature
        return 0 if parent.isValid() else len(self._snapshots)

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        if not index.isValid() or not 0 <= index.row() < len(self._snapshots):
            return None
        snapshot = self._snapshots[index.row()]
        if role == SNAPSHOT_ROLE:
            return snapshot
        if role == Qt.ItemDataRole.DisplayRole:
            return f"{snapshot.camera_name} {local_datetime(snapshot.time_ms, seconds=True)}"
        if role == Qt.ItemDataRole.ToolTipRole:
            return describe(snapshot)
        return None

    def flags(self, index: _Index) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable

    def set_snapshots(self, snapshots: Sequence[Snapshot]) -> None:
        self.beginResetModel()
        self._snapshots = list(snapshots)
        self._rows = {s.id: row for row, s in enumerate(self._snapshots)}
        self.endResetModel()

    def snapshots(self) -> list[Snapshot]:
        return list(self._snapshots)

    def snapshot_at(self, row: int) -> Snapshot:
        return self._snapshots[row]

    def row_of(self, snapshot_id: int) -> int | None:
        return self._rows.get(snapshot_id)
