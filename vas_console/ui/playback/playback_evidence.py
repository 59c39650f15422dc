"""PlaybackEvidence: a playback view's in/out marks, "Bookmark range…" and "Snapshot", with their keys."""

from __future__ import annotations

import logging
from collections.abc import Mapping

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QToolButton, QWidget

from vas_console.ui.aio import TaskKeeper
from vas_console.ui.bookmarks.bookmark_actions import BookmarkEditor, format_wall
from vas_console.ui.bookmarks.glyphs import icon
from vas_console.ui.playback.bookmark_cache import BookmarkCache
from vas_console.ui.playback.channel import ChannelStatus
from vas_console.ui.playback.playback_group import PlaybackGroup
from vas_console.ui.playback.recordings import RecordedEvidence
from vas_console.ui.playback.timeline_widget import TimelineWidget

logger = logging.getLogger(__name__)

SHOWN = (ChannelStatus.PLAYING, ChannelStatus.PAUSED)
"""Channel states in which a recorded picture is on screen."""


class PlaybackEvidence(QObject):
    """Marks a range on the timeline and bookmarks it; saves the picture on screen as a snapshot.

    Keys (anywhere in the view, shown in the tooltips): I mark in at the playhead, O mark out, B bookmark
    the marked range, Escape clear the marks, S snapshot of the selected camera's frame on screen (its
    exact wall time from the play clock). Without `evidence` (offline review) the actions are disabled
    and their buttons hidden.

    Signals:
        notice(str): an operator message (snapshot saved, bookmark added, nothing marked).
    """

    notice = Signal(str)

    def __init__(
        self,
        evidence: RecordedEvidence | None,
        group: PlaybackGroup,
        timeline: TimelineWidget,
        titles: Mapping[int, str],
        owner: QWidget,
    ) -> None:
        super().__init__(owner)
        self._evidence = evidence
        self._group = group
        self._timeline = timeline
        self._titles = dict(titles)
        self._tasks = TaskKeeper(self)
        self.cache: BookmarkCache | None = None
        self.editor: BookmarkEditor | None = None
        if evidence is not None:
            self.cache = BookmarkCache(evidence, self)
            timeline.set_bookmarks(self.cache)
            self.editor = BookmarkEditor(evidence, owner)
            self.editor.notice.connect(self.notice)
            self.editor.saved.connect(self._on_editor_saved)
        self.actions_by_name: dict[str, QAction] = {}
        self.buttons: list[QToolButton] = []
        self._add("mark_in", "In", "Mark the start of a range at the playhead", "I", self.mark_in)
        self._add("mark_out", "Out", "Mark the end of a range at the playhead", "O", self.mark_out)
        self._add("bookmark_range", "Bookmark range…", "Bookmark the marked range", "B",
                  self.bookmark_range)  # fmt: skip
        self._add("clear_marks", "Clear marks", "Clear the marked range", "Esc", self.clear_marks)
        self._add("snapshot", "Snapshot", "Save the picture on screen", "S", self.snapshot)
        self.actions_by_name["bookmark_range"].setIcon(icon("bookmark"))
        self.actions_by_name["snapshot"].setIcon(icon("camera"))
        self._update_actions()

    @property
    def tasks(self) -> TaskKeeper:
        """Snapshots and the bookmark editor's saves."""
        return self._tasks

    def keepers(self) -> list[TaskKeeper]:
        keepers = [self._tasks]
        if self.cache is not None:
            keepers.append(self.cache.tasks)
        if self.editor is not None:
            keepers.append(self.editor.tasks)
        return keepers

    def _add(self, name: str, text: str, tip: str, key: str, slot: object) -> None:
        action = QAction(text, self)
        action.setObjectName(name)
        action.setShortcut(QKeySequence(key))
        action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        readable = action.shortcut().toString(QKeySequence.SequenceFormat.NativeText)
        action.setToolTip(f"{tip} ({readable})")
        action.triggered.connect(slot)
        self.actions_by_name[name] = action

    def make_buttons(self, parent: QWidget) -> list[QToolButton]:
        """Tool buttons for In, Out, Bookmark range… and Snapshot (none without evidence)."""
        if self._evidence is None:
            return []
        for name in ("mark_in", "mark_out", "bookmark_range", "snapshot"):
            button = QToolButton(parent)
            button.setDefaultAction(self.actions_by_name[name])
            button.setAutoRaise(True)
            if name in ("bookmark_range", "snapshot"):
                button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
            self.buttons.append(button)
        return self.buttons

    # -- marks -------------------------------------------------------------------------------------

    def mark_in(self) -> None:
        position = self._group.position()
        if position is not None:
            out = self._timeline.marks[1]
            self._set_marks(position, out if out is not None and out > position else None)

    def mark_out(self) -> None:
        position = self._group.position()
        if position is not None:
            start = self._timeline.marks[0]
            if start is not None and position < start:
                start, position = position, start
            self._set_marks(start, position)

    def clear_marks(self) -> None:
        self._set_marks(None, None)

    def bookmark_range(self) -> None:
        """Open the bookmark dialog for the marked range of the selected camera."""
        start, end = self._timeline.marks
        if self.editor is None:
            return
        if start is None or end is None or end <= start:
            self.notice.emit("Mark a range first: I at its start, O at its end.")
            return
        camera = self._group.master.camera_id
        self.editor.add(camera, self._titles.get(camera, f"Camera {camera}"), start, end)

    def _set_marks(self, mark_in: int | None, mark_out: int | None) -> None:
        self._timeline.set_marks(mark_in, mark_out)
        self._update_actions()

    def _update_actions(self) -> None:
        live = self._evidence is not None
        start, end = self._timeline.marks
        for action in self.actions_by_name.values():
            action.setEnabled(live)
        # Escape only while something is marked: elsewhere it leaves wall mode or closes a dialog
        self.actions_by_name["clear_marks"].setEnabled(start is not None or end is not None)

    def _on_editor_saved(self) -> None:
        self.clear_marks()
        if self.cache is not None:
            self.cache.reload()

    # -- snapshot ----------------------------------------------------------------------------------

    def snapshot(self) -> None:
        """Save the frame on screen of the selected camera (at the play clock's time of that frame)."""
        channel = self._group.master
        wall = channel.wall_ms()
        if self._evidence is None or wall is None:
            return
        if channel.status not in SHOWN:
            self.notice.emit("No recorded picture on screen to save.")
            return
        self._tasks.start(self._snapshot(channel.camera_id, wall), name="PlaybackEvidence.snapshot")

    async def _snapshot(self, camera_id: int, wall_ms: int) -> None:
        assert self._evidence is not None
        snapshot = await self._evidence.take_recorded_snapshot(camera_id, wall_ms)
        name = snapshot.camera_name or self._titles.get(camera_id, f"Camera {camera_id}")
        self.notice.emit(f"Snapshot saved: {name} {format_wall(snapshot.time_ms, millis=True)}")

    def close(self) -> None:
        self._tasks.cancel_all()
        if self.cache is not None:
            self.cache.close()
