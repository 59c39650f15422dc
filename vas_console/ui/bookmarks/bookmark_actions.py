"""What adding and editing bookmarks share: the "bookmark now" window, default names, the dialog's save."""

from __future__ import annotations

import time
from datetime import datetime
from typing import Protocol

from PySide6.QtCore import QObject, QSettings, Signal
from PySide6.QtWidgets import QWidget
from shiboken6 import Shiboken

from backend_embed.api import BackendError, Bookmark, BookmarkDraft
from vas_console.ui.aio import TaskKeeper
from vas_console.ui.bookmarks.bookmark_dialog import BookmarkDialog
from vas_console.ui.bookmarks.settings import now_window_s


class BookmarkWriter(Protocol):
    """The part of the backend the editor needs (a `BackendApi` is one)."""

    async def add_bookmark(self, draft: BookmarkDraft) -> Bookmark: ...

    async def update_bookmark(self, bookmark_id: int, draft: BookmarkDraft) -> Bookmark: ...


def now_range(now_ms: int, window_s: int) -> tuple[int, int]:
    """[now - window, now + window) in ms."""
    return now_ms - window_s * 1000, now_ms + window_s * 1000


def default_name(camera_name: str, wall_ms: int) -> str:
    """ "<camera> <local date and time>", the name a new bookmark starts with."""
    return f"{camera_name} {datetime.fromtimestamp(wall_ms / 1000):%Y-%m-%d %H:%M:%S}"


def format_wall(wall_ms: int, *, millis: bool = False) -> str:
    """Local date and time of a wall instant, to the second (or the millisecond)."""
    text = f"{datetime.fromtimestamp(wall_ms / 1000):%Y-%m-%d %H:%M:%S}"
    return f"{text}.{wall_ms % 1000:03d}" if millis else text


class BookmarkEditor(QObject):
    """Opens the bookmark dialog for a new or existing bookmark and saves what the operator submits.

    The dialog stays open until the backend saved the bookmark; a `BackendError` shows in the dialog (so
    nothing typed is lost) instead of going to `tasks.backend_failed`. Other failures go to `tasks`.

    Signals:
        saved(Bookmark): a bookmark was added or changed.
        notice(str): an operator message ("Bookmark added: …").
    """

    saved = Signal(object)
    notice = Signal(str)

    def __init__(
        self,
        backend: BookmarkWriter,
        parent: QWidget,
        *,
        settings: QSettings | None = None,
    ) -> None:
        super().__init__(parent)
        self._backend = backend
        self._parent = parent
        self._settings = settings
        self._tasks = TaskKeeper(self)
        self.dialog: BookmarkDialog | None = None

    @property
    def tasks(self) -> TaskKeeper:
        return self._tasks

    def window_s(self) -> int:
        return now_window_s(self._settings)

    def add(
        self, camera_id: int, camera_name: str, start_ms: int, end_ms: int, *, name: str = ""
    ) -> BookmarkDialog:
        """Open the dialog for a new bookmark of [start_ms, end_ms) (named `name` or "<camera> <start>")."""
        dialog = BookmarkDialog(
            camera_id,
            camera_name,
            start_ms,
            end_ms,
            name=name or default_name(camera_name, start_ms),
            parent=self._parent,
        )
        return self._open(dialog)

    def bookmark_now(
        self, camera_id: int, camera_name: str, now_ms: int | None = None
    ) -> BookmarkDialog:
        """Open the dialog for now ± the configured window, named "<camera> <now>"."""
        now = int(time.time() * 1000) if now_ms is None else now_ms
        start, end = now_range(now, self.window_s())
        return self.add(camera_id, camera_name, start, end, name=default_name(camera_name, now))

    def edit(self, bookmark: Bookmark, camera_name: str) -> BookmarkDialog:
        dialog = BookmarkDialog(
            bookmark.camera_id,
            camera_name,
            bookmark.start_ms,
            bookmark.end_ms,
            bookmark=bookmark,
            parent=self._parent,
        )
        return self._open(dialog)

    def _open(self, dialog: BookmarkDialog) -> BookmarkDialog:
        if self.dialog is not None:
            self.dialog.close()
        self.dialog = dialog
        dialog.submitted.connect(lambda draft: self._on_dialog_submitted(dialog, draft))
        dialog.finished.connect(lambda _result: self._on_dialog_finished(dialog))
        dialog.open()
        return dialog

    def _on_dialog_submitted(self, dialog: BookmarkDialog, draft: BookmarkDraft) -> None:
        self._tasks.start(self._save(dialog, draft), name="BookmarkEditor.save")

    def _on_dialog_finished(self, dialog: BookmarkDialog) -> None:
        if self.dialog is dialog:
            self.dialog = None

    async def _save(self, dialog: BookmarkDialog, draft: BookmarkDraft) -> None:
        existing = dialog.bookmark
        try:
            if existing is None:
                bookmark = await self._backend.add_bookmark(draft)
            else:
                bookmark = await self._backend.update_bookmark(existing.id, draft)
        except BackendError as exc:
            if not Shiboken.isValid(dialog):  # closed while saving: tell the owner instead
                raise
            dialog.show_error(exc.user_message)
            return
        if Shiboken.isValid(dialog):
            dialog.accept()
        verb = "added" if existing is None else "saved"
        lock = " (locked)" if bookmark.locked else ""
        self.notice.emit(f"Bookmark {verb}: {bookmark.name}{lock}")
        self.saved.emit(bookmark)
