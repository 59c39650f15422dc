"""ChannelStills: the pictures a channel decodes itself: exact stills while paused, a seek's first picture.

Paused, libVLC cannot promise the picture of a seek or a frame step (docs/playback.md, "The stuck paused
seek"), so the view shows a still decoded here instead: every paused seek, step and step back is the exact
frame, and libVLC is sought there only when play resumes. Playing, a seek shows the still of its target as
soon as it is decoded (~25 ms) and holds it until the player has landed there (PLAYING, and at least
`PREVIEW_HOLD_MS` after the seek), so the first picture after a seek is the exact target, not libVLC's
keyframe or the old position. Until the still comes the picture shown is held (`held`), for at most
`PREVIEW_LATE_MS`; a still decoded later is not shown and the player's pictures go on.

GUI thread only. `changed(frame)` carries a `VideoFrame` to show instead of the player's pictures, or None
when they take over again.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from PySide6.QtCore import QObject, QTimer, Signal

from backend_embed.api import PlaybackSource
from vas_console.core.playclock import PlaylistFormatError
from vas_console.media.still_frames import Still, StillFrames
from vas_console.ui.playback.gui_poster import GuiPoster

STILL_MAX = (1280, 720)
"""Stills are scaled down to fit this (as memory rendering scales libVLC's pictures)."""
PREVIEW_HOLD_MS = 150
"""A playing seek's still stays at least this long after the seek (libVLC lands in ~40-250 ms)."""
PREVIEW_LATE_MS = 250
"""A playing seek's still decoded later than this after the seek is not shown (a GOP decodes in
~10-80 ms; libVLC needs ~40-250 ms to show the target, and its first picture may be the keyframe)."""


class ChannelStills(QObject):
    """One channel's stills. `open` a playlist; then `show`/`step` while paused, `preview` on playing
    seeks, `leave` when play resumes.

    Signals:
        changed(object): a `VideoFrame` to show instead of the player's pictures, or None: theirs again.
        held(): keep the picture shown, not the player's next ones (a seek's still is coming); ended by
            `changed`.
        shown(int): a paused still is on screen: its frame's own wall time (the channel's clock).
        failed(str): an operator message: that still cannot be shown.
    """

    changed = Signal(object)
    held = Signal()
    shown = Signal(object)
    failed = Signal(str)

    def __init__(self, frame_ms: Callable[[], int], parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._frame_ms = frame_ms  # the player's frame interval (known once it plays)
        self._frames = StillFrames(GuiPoster(self).post, *STILL_MAX)
        self.ready = False  # the open playlist's segments can be read here
        self._still: Still | None = None  # the paused still shown
        self._asked: int | None = None  # the wall time of the paused still being decoded
        self._steps = 0  # steps asked while a still was decoding (negative: back)
        self._preview_at = 0.0  # monotonic time of the playing seek whose still is awaited
        self._previewing = False  # a playing seek's still is on screen
        self._landed = True  # the player has shown the playing seek's target (PLAYING)
        self._hold = QTimer(self)
        self._hold.setSingleShot(True)
        self._hold.timeout.connect(self._on_hold_timeout)

    @property
    def active(self) -> bool:
        """A paused still is shown or being decoded."""
        return self._still is not None or self._asked is not None

    def open(self, source: PlaybackSource) -> None:
        """Read stills from `source` from now on; without readable segments `ready` is False."""
        self.leave()
        try:
            self._frames.open(source.playlist_path, source.entries)
            self.ready = True
        except (OSError, PlaylistFormatError):
            self.ready = False

    def wall_ms(self) -> int | None:
        """The wall time of the paused still shown or being decoded (None: none)."""
        if self._asked is not None:
            return self._asked
        return None if self._still is None else self._still.wall_ms

    def show(self, wall_ms: int) -> None:
        """Paused: decode and show the frame at `wall_ms` (a newer request supersedes it)."""
        self._end_preview()
        self._steps = 0
        self._ask(wall_ms)

    def step(self, direction: int, clock_wall_ms: int | None) -> None:
        """Paused: one frame forward (+1) or back (-1) from the still, or, with none yet, back from
        `clock_wall_ms` (after libVLC's paused picture)."""
        if self._asked is not None:
            self._steps += direction  # made once the still being decoded is known
        elif self._still is not None:
            self._ask(self._still.next_ms if direction > 0 else self._still.wall_ms - 1)
        elif clock_wall_ms is not None and direction < 0:
            self.show(clock_wall_ms - self._frame_ms())

    def preview(self, wall_ms: int) -> None:
        """Playing: a seek to `wall_ms` is being made; show its still until the player is there
        (`player_landed`, and at least `PREVIEW_HOLD_MS`)."""
        self.leave()
        self._preview_at = time.monotonic()
        self._landed = False
        self._frames.request(wall_ms, self._on_preview)
        self.held.emit()
        self._hold.start(PREVIEW_LATE_MS)  # the still's deadline, then its minimum time on screen

    def resume(self) -> None:
        """Play resumes from the paused still: it stays until the player is there."""
        if not self.active:
            return
        self._still = None
        self._asked = None  # a still still decoding is dropped
        self._steps = 0
        self._previewing = True
        self._landed = False
        self._hold.start(PREVIEW_HOLD_MS)

    def player_landed(self) -> None:
        """The player reports PLAYING after a seek or load: its pictures may take over."""
        self._landed = True
        if self._previewing and not self._hold.isActive():
            self._end_preview()

    def leave(self) -> None:
        """Back to the player's pictures (its next new one replaces the still)."""
        shown = self.active or self._previewing or bool(self._preview_at)
        self._still = None
        self._asked = None
        self._steps = 0
        self._previewing = False
        self._preview_at = 0.0
        self._hold.stop()
        if shown:
            self.changed.emit(None)

    def close(self) -> None:
        self._hold.stop()
        self._frames.close()

    # -- internals ---------------------------------------------------------------------------------

    def _ask(self, wall_ms: int) -> None:
        self._asked = wall_ms
        self._frames.request(wall_ms, self._on_still)

    def _on_still(self, still: Still | None, message: str | None) -> None:
        if self._asked is None:
            return  # play resumed meanwhile
        self._asked = None
        if still is None:
            self.failed.emit(message or "This recording cannot be shown")
            self._steps = 0
            return
        self._still = still
        self.changed.emit(still.frame)
        self.shown.emit(still.wall_ms)
        if self._steps:
            direction = 1 if self._steps > 0 else -1
            self._steps -= direction
            self.step(direction, None)

    def _on_preview(self, still: Still | None, _message: str | None) -> None:
        if not self._preview_at or still is None:
            return  # paused or left meanwhile, or nothing to show (the player says why)
        waited_ms = 1000 * (time.monotonic() - self._preview_at)
        if waited_ms > PREVIEW_LATE_MS:
            return
        self._previewing = True
        self.changed.emit(still.frame)
        self._hold.start(max(0, round(PREVIEW_HOLD_MS - waited_ms)))

    def _on_hold_timeout(self) -> None:
        if not self._previewing:  # the still did not come in time: the player's pictures go on
            if self._preview_at:
                self._preview_at = 0.0
                self.changed.emit(None)
        elif self._landed:
            self._end_preview()

    def _end_preview(self) -> None:
        waiting = bool(self._preview_at)
        self._preview_at = 0.0
        if self._previewing or waiting:
            self._previewing = False
            self._hold.stop()
            self.changed.emit(None)
