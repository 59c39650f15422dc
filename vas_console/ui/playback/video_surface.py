"""VideoSurface: where a player's picture appears: a native window for libVLC, or frames painted by Qt."""

from __future__ import annotations

import enum

from PySide6.QtCore import QRectF, QSize, Qt, QTimer, Signal
from PySide6.QtGui import QColor, QGuiApplication, QImage, QMouseEvent, QPainter, QPaintEvent
from PySide6.QtWidgets import QLabel, QSizePolicy, QStackedWidget, QVBoxLayout, QWidget

from vas_console.media.frames import LatestFrameSlot
from vas_console.media.vlc_player import Player, VideoFrame
from vas_console.ui import theme

PAINT_INTERVAL_MS = 40
MAX_FRAME = QSize(1280, 720)
"""Memory rendering scales larger recordings down to this (libVLC scales; Qt only draws)."""
WINDOW_RELEASE_MS = 250
"""After play resumes, a still stays over libVLC's window this long (a seek shows in 50-250 ms)."""


class RenderMode(enum.Enum):
    """How libVLC shows pictures: WINDOW embeds its own output (X11, cheapest); MEMORY hands frames to
    Qt (offscreen, tests, snapshots; exact paused seeks). AUTO picks WINDOW on xcb, else MEMORY."""

    AUTO = "auto"
    WINDOW = "window"
    MEMORY = "memory"


def resolve_mode(mode: RenderMode) -> RenderMode:
    if mode is not RenderMode.AUTO:
        return mode
    return RenderMode.WINDOW if QGuiApplication.platformName() == "xcb" else RenderMode.MEMORY


class _FrameView(QWidget):
    """Paints the newest frame of a slot at the picture's aspect, letterboxed, at most 25 times a second."""

    def __init__(self, parent: QWidget) -> None:
        super().__init__(parent)
        self.slot: LatestFrameSlot[VideoFrame] = LatestFrameSlot()
        self._frame: VideoFrame | None = None
        self._still = False  # a still is shown: the player's pictures wait until it is released
        self._image: QImage | None = None
        self.message = ""
        self._timer = QTimer(self)
        self._timer.setInterval(PAINT_INTERVAL_MS)
        self._timer.timeout.connect(self._on_timer_timeout)
        self._timer.start()

    @property
    def frame(self) -> VideoFrame | None:
        return self._frame

    def show_still(self, frame: VideoFrame | None) -> None:
        """Show `frame` until released (None): then the player's next new picture replaces it."""
        self.slot.take()  # a picture the player rendered before now is not the one to show next
        self._still = frame is not None
        if frame is not None:
            self._show(frame)

    def hold(self) -> None:
        """Keep the picture shown; the player's next ones wait for `show_still`."""
        self.slot.take()
        self._still = True

    def _on_timer_timeout(self) -> None:
        frame = self.slot.take()
        if frame is not None and not self._still:
            self._show(frame)

    def _show(self, frame: VideoFrame) -> None:
        self._frame = frame
        # the QImage borrows the frame's bytes: keep the frame referenced as long as the image
        self._image = QImage(
            frame.data, frame.width, frame.height, frame.stride, QImage.Format.Format_RGB32
        )
        self.update()

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.fillRect(self.rect(), Qt.GlobalColor.black)
        if self._image is not None and self._frame is not None and not self.message:
            aspect = self._frame.aspect or self._frame.width / max(1, self._frame.height)
            w = min(float(self.width()), self.height() * aspect)
            h = w / aspect
            target = QRectF((self.width() - w) / 2, (self.height() - h) / 2, w, h)
            painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
            painter.drawImage(target, self._image)
        if self.message:
            painter.setPen(QColor(theme.TEXT_DIM))
            painter.drawText(self.rect(), Qt.AlignmentFlag.AlignCenter, self.message)
        painter.end()


class VideoSurface(QWidget):
    """A caption line (camera, time on screen, status) above the picture of one player.

    Call `attach(player)` before the player opens anything. In WINDOW mode libVLC draws into a native
    child window (messages then show in the caption only, as nothing can be drawn over libVLC's output).

    Signals:
        clicked(): the picture was clicked (synchronised playback selects the tile).
    """

    clicked = Signal()

    def __init__(
        self, title: str, mode: RenderMode = RenderMode.AUTO, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.mode = resolve_mode(mode)
        self._title = title
        self._caption = QLabel(title, self)
        self._caption.setObjectName("playbackCaption")
        self._caption.setStyleSheet(
            f"background: {theme.PANEL}; color: {theme.TEXT}; padding: 2px 6px;"
        )
        self._view = _FrameView(self) if self.mode is RenderMode.MEMORY else QWidget(self)
        # WINDOW: nothing draws over libVLC's native window, so a still replaces it in a stack
        self._stills: _FrameView | None = None
        self._stack = QStackedWidget(self)
        self._stack.addWidget(self._view)
        if self.mode is RenderMode.WINDOW:
            self._view.setAttribute(Qt.WidgetAttribute.WA_NativeWindow)
            self._view.setAttribute(Qt.WidgetAttribute.WA_DontCreateNativeAncestors)
            self._view.setStyleSheet("background: black;")
            self._stills = _FrameView(self._stack)
            self._stack.addWidget(self._stills)
        self._release = QTimer(self)
        self._release.setSingleShot(True)
        self._release.setInterval(WINDOW_RELEASE_MS)
        self._release.timeout.connect(self._on_release_timeout)
        self._stack.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self._stack.setMinimumSize(160, 90)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(self._caption)
        layout.addWidget(self._stack, 1)
        self._selected = False
        # a click on the picture puts the focus in the view, so its shortcuts (Space, S, B, ...) work
        self.setFocusPolicy(Qt.FocusPolicy.ClickFocus)

    @property
    def caption(self) -> str:
        return self._caption.text()

    @property
    def frame(self) -> VideoFrame | None:
        """The last frame painted (MEMORY mode, or a still in WINDOW mode), for tests."""
        if self._stills is not None:
            return self._stills.frame if self._stack.currentWidget() is self._stills else None
        return self._view.frame if isinstance(self._view, _FrameView) else None

    def show_still(self, frame: VideoFrame | None) -> None:
        """Show a still decoded by the console (paused), or None: back to the player's pictures.

        WINDOW: libVLC's window comes back `WINDOW_RELEASE_MS` after the release, once the resumed
        player has drawn the new position (the still stays until then)."""
        if isinstance(self._view, _FrameView):
            self._view.show_still(frame)
        elif self._stills is not None:
            if frame is None:
                self._release.start()
                return
            self._release.stop()
            self._stills.show_still(frame)
            self._stack.setCurrentWidget(self._stills)

    def hold_picture(self) -> None:
        """Keep the picture shown until `show_still` (MEMORY; libVLC's window cannot be held)."""
        if isinstance(self._view, _FrameView):
            self._view.hold()

    def _on_release_timeout(self) -> None:
        self._stack.setCurrentWidget(self._view)

    def attach(self, player: Player) -> None:
        if isinstance(self._view, _FrameView):
            player.render_to_memory(MAX_FRAME.width(), MAX_FRAME.height(), self._view.slot.put)
        else:
            player.render_to_window(int(self._view.winId()))

    def set_status(self, time_text: str, status: str, message: str = "") -> None:
        """Caption: title · time · status; `message` also shows over a MEMORY picture (e.g. no
        recording)."""
        parts = [self._title, time_text, status]
        self._caption.setText("   ·   ".join(p for p in parts if p))
        if isinstance(self._view, _FrameView) and self._view.message != message:
            self._view.message = message
            self._view.update()

    def set_selected(self, selected: bool) -> None:
        self._selected = selected
        border = theme.ACCENT if selected else theme.PANEL
        self._caption.setStyleSheet(
            f"background: {border if selected else theme.PANEL}; color: "
            f"{'#0b1220' if selected else theme.TEXT}; padding: 2px 6px;"
        )

    def mousePressEvent(self, event: QMouseEvent) -> None:
        if event.button() is Qt.MouseButton.LeftButton:
            self.clicked.emit()
        super().mousePressEvent(event)
