"""SnapshotViewer: a snapshot at full size, with zoom (buttons, keys, mouse wheel), pan and previous/next."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import QPoint, QRectF, Qt, Signal
from PySide6.QtGui import (
    QBrush,
    QColor,
    QImage,
    QKeySequence,
    QPainter,
    QPixmap,
    QResizeEvent,
    QWheelEvent,
)
from PySide6.QtWidgets import (
    QDialog,
    QGraphicsPixmapItem,
    QGraphicsScene,
    QGraphicsView,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from backend_embed.api import Snapshot
from vas_console.ui import theme
from vas_console.ui.gallery.snapshot_model import describe

ZOOM_STEP = 1.25
MIN_SCALE = 0.02
MAX_SCALE = 16.0


def load_image(snapshot: Snapshot) -> QImage:
    """The snapshot's full-size JPEG (a null image if the file is gone or unreadable)."""
    return QImage(snapshot.path)


class ImageView(QGraphicsView):
    """Shows one image; wheel zooms around the pointer, dragging pans. Fits the window until zoomed.

    Signals:
        scale_changed(float): the displayed scale (1.0 = one image pixel per screen pixel).
    """

    scale_changed = Signal(float)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("snapshotImage")
        self._scene = QGraphicsScene(self)
        self._item = QGraphicsPixmapItem()
        self._item.setTransformationMode(Qt.TransformationMode.SmoothTransformation)
        self._scene.addItem(self._item)
        self.setScene(self._scene)
        self.setBackgroundBrush(QBrush(QColor(theme.BASE)))
        self.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
        self.setDragMode(QGraphicsView.DragMode.ScrollHandDrag)
        self.setTransformationAnchor(QGraphicsView.ViewportAnchor.NoAnchor)
        self.setResizeAnchor(QGraphicsView.ViewportAnchor.AnchorViewCenter)
        self._fitting = True
        # Arrow keys step through snapshots (the dialog's shortcuts): the view must not take them to scroll.
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)

    @property
    def scale_factor(self) -> float:
        return self.transform().m11()

    @property
    def fitting(self) -> bool:
        """True while the image follows the window's size (until the operator zooms)."""
        return self._fitting

    def set_image(self, image: QImage) -> None:
        self._item.setPixmap(QPixmap.fromImage(image))
        self._scene.setSceneRect(QRectF(self._item.boundingRect()))
        self.fit()

    def fit(self) -> None:
        """Show the whole image, never enlarged beyond 100 %."""
        self._fitting = True
        bounds = self._item.boundingRect()
        view = self.viewport().rect()
        if bounds.isEmpty() or view.isEmpty():
            return
        scale = min(view.width() / bounds.width(), view.height() / bounds.height(), 1.0)
        self._set_scale(scale)
        self.centerOn(self._item)

    def actual_size(self) -> None:
        self._fitting = False
        self._set_scale(1.0)

    def zoom_by(self, factor: float, pivot: QPoint | None = None) -> None:
        """Zoom keeping the image point at `pivot` (viewport coordinates; default: the centre) in place."""
        self._fitting = False
        at = self.viewport().rect().center() if pivot is None else pivot
        anchor = self.mapToScene(at)
        self._set_scale(self.scale_factor * factor)
        moved = self.mapFromScene(anchor) - at
        self.horizontalScrollBar().setValue(self.horizontalScrollBar().value() + moved.x())
        self.verticalScrollBar().setValue(self.verticalScrollBar().value() + moved.y())

    def _set_scale(self, scale: float) -> None:
        scale = max(MIN_SCALE, min(MAX_SCALE, scale))
        self.resetTransform()
        self.scale(scale, scale)
        self.scale_changed.emit(scale)

    def wheelEvent(self, event: QWheelEvent) -> None:
        steps = event.angleDelta().y() / 120
        if steps:
            self.zoom_by(ZOOM_STEP**steps, event.position().toPoint())
        event.accept()

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        if self._fitting:
            self.fit()


class SnapshotViewer(QDialog):
    """A full-size viewer over a list of snapshots, starting at `index`.

    Keys: Left/Right previous/next, + and - zoom, 0 fit, 1 actual size, Ctrl+C copy, Esc closes.

    Signals:
        copy_requested(Snapshot): the operator asked to copy the shown snapshot's image.
    """

    copy_requested = Signal(object)

    def __init__(
        self, snapshots: Sequence[Snapshot], index: int, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setObjectName("snapshotViewer")
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.setWindowTitle("Snapshot")
        self.resize(1100, 720)
        self._snapshots = list(snapshots)
        self._index = index
        self.image_view = ImageView(self)
        self.image_view.scale_changed.connect(self._on_scale_changed)
        self.meta_label = QLabel(self)
        self.meta_label.setObjectName("snapshotMeta")
        self.meta_label.setTextFormat(Qt.TextFormat.PlainText)
        self.position_label = QLabel(self)
        self.position_label.setProperty("role", "hint")
        self.zoom_label = QLabel(self)
        self.zoom_label.setObjectName("zoomLabel")
        self.zoom_label.setMinimumWidth(56)
        self.zoom_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.previous_button = self._button("◀ Previous", "Left", self.show_previous)
        self.next_button = self._button("Next ▶", "Right", self.show_next)
        minus = "\u2212"  # a real minus sign, as wide as the plus
        self.zoom_out_button = self._button(minus, "-", self.zoom_out, "Zoom out (-)")
        self.zoom_in_button = self._button("+", "+", self.zoom_in, "Zoom in (+)")
        self.fit_button = self._button("Fit", "0", self.image_view.fit, "Fit to window (0)")
        self.actual_button = self._button(
            "100 %", "1", self.image_view.actual_size, "Actual size (1)"
        )
        self.copy_button = self._button(
            "Copy", QKeySequence.StandardKey.Copy, self._copy, "Copy (Ctrl+C)"
        )
        close = QPushButton("Close", self)
        close.clicked.connect(self.reject)
        self._build(close)
        self.show_index(index)

    def _button(
        self, text: str, key: str | QKeySequence.StandardKey, slot: object, tip: str = ""
    ) -> QPushButton:
        button = QPushButton(text, self)
        button.setShortcut(QKeySequence(key))
        button.setAutoDefault(False)
        button.setToolTip(tip or text)
        button.clicked.connect(slot)
        return button

    def _build(self, close: QPushButton) -> None:
        top = QHBoxLayout()
        top.addWidget(self.previous_button)
        top.addWidget(self.next_button)
        top.addWidget(self.position_label)
        top.addStretch(1)
        for widget in (self.zoom_out_button, self.zoom_label, self.zoom_in_button):
            top.addWidget(widget)
        for button in (self.fit_button, self.actual_button, self.copy_button):
            top.addWidget(button)
        bottom = QHBoxLayout()
        bottom.addWidget(self.meta_label, 1)
        bottom.addWidget(close)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(10, 10, 10, 10)
        layout.addLayout(top)
        layout.addWidget(self.image_view, 1)
        layout.addLayout(bottom)

    @property
    def snapshot(self) -> Snapshot:
        return self._snapshots[self._index]

    @property
    def index(self) -> int:
        return self._index

    @property
    def scale_factor(self) -> float:
        return self.image_view.scale_factor

    def show_index(self, index: int) -> None:
        self._index = max(0, min(index, len(self._snapshots) - 1))
        snapshot = self.snapshot
        image = load_image(snapshot)
        self.image_view.set_image(image)
        missing = " · the image file is missing" if image.isNull() else ""
        self.meta_label.setText(describe(snapshot) + missing)
        self.setWindowTitle(f"Snapshot — {snapshot.camera_name}")
        self.position_label.setText(f"{self._index + 1} of {len(self._snapshots):,}")
        self.previous_button.setEnabled(self._index > 0)
        self.next_button.setEnabled(self._index < len(self._snapshots) - 1)

    def show_previous(self) -> None:
        if self._index > 0:
            self.show_index(self._index - 1)

    def show_next(self) -> None:
        if self._index < len(self._snapshots) - 1:
            self.show_index(self._index + 1)

    def zoom_in(self) -> None:
        self.image_view.zoom_by(ZOOM_STEP)

    def zoom_out(self) -> None:
        self.image_view.zoom_by(1 / ZOOM_STEP)

    def _copy(self) -> None:
        self.copy_requested.emit(self.snapshot)

    def _on_scale_changed(self, scale: float) -> None:
        self.zoom_label.setText(f"{scale * 100:.0f} %")
