"""Operator settings of the bookmark actions, kept in QSettings."""

from __future__ import annotations

from PySide6.QtCore import QSettings

NOW_WINDOW_KEY = "bookmarks/now_window_s"
DEFAULT_NOW_WINDOW_S = 5
MAX_NOW_WINDOW_S = 3600


def now_window_s(settings: QSettings | None = None) -> int:
    """Seconds before and after "now" that "Bookmark now" covers (default 5; bad values fall back to it)."""
    store = settings if settings is not None else QSettings()
    value = store.value(NOW_WINDOW_KEY, DEFAULT_NOW_WINDOW_S)
    try:
        seconds = int(str(value))
    except ValueError:
        return DEFAULT_NOW_WINDOW_S
    return seconds if 0 < seconds <= MAX_NOW_WINDOW_S else DEFAULT_NOW_WINDOW_S


def set_now_window_s(seconds: int, settings: QSettings | None = None) -> None:
    store = settings if settings is not None else QSettings()
    store.setValue(NOW_WINDOW_KEY, int(seconds))
