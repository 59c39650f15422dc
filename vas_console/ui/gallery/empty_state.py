"""EmptyState: what the gallery shows instead of an empty grid."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QLabel, QPushButton, QVBoxLayout, QWidget

NO_MATCH = "No snapshots match these filters"
NO_SNAPSHOTS = "No snapshots yet\n\nTake one from a live tile or from the playback toolbar."


class EmptyState(QWidget):
    """ "No snapshots match these filters" with a Clear filters button, or "No snapshots yet" and how.

    Signals:
        clear_requested(): the operator asked to clear the filters.
    """

    clear_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.label = QLabel(NO_SNAPSHOTS, self)
        self.label.setObjectName("emptyHint")
        self.label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.label.setTextFormat(Qt.TextFormat.PlainText)
        self.clear_button = QPushButton("Clear filters", self)
        self.clear_button.clicked.connect(self.clear_requested)
        layout = QVBoxLayout(self)
        layout.addStretch(1)
        layout.addWidget(self.label)
        layout.addWidget(self.clear_button, 0, Qt.AlignmentFlag.AlignHCenter)
        layout.addStretch(2)

    def show_for(self, *, filtered: bool) -> None:
        """Say why nothing is shown: the filters (offer to clear them) or no snapshots at all."""
        self.label.setText(NO_MATCH if filtered else NO_SNAPSHOTS)
        self.clear_button.setVisible(filtered)
