"""Logging: a rotating log file, a bounded in-memory buffer for the log view, and redaction of every record."""

from __future__ import annotations

import logging
import logging.handlers
import threading
from collections import deque
from collections.abc import Callable
from pathlib import Path

from backend_embed.api import redact

_FORMAT = "%(asctime)s %(levelname)-7s %(name)s: %(message)s"


class RedactingFilter(logging.Filter):
    """Formats each record's message once and masks credentials in it (and in its exception text)."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = redact(record.getMessage())
        record.msg, record.args = message, None
        if record.exc_info and not record.exc_text:
            record.exc_text = redact(logging.Formatter().formatException(record.exc_info))
        elif record.exc_text:  # formatted elsewhere: the recording host's records arrive so
            record.exc_text = redact(record.exc_text)
        return True


class LogBuffer(logging.Handler):
    """Keeps the newest formatted lines for the in-app log view and tells one listener about new lines.

    The listener is called on whatever thread logged: it must only post to the GUI thread.
    """

    def __init__(self, capacity: int = 2000) -> None:
        super().__init__(logging.INFO)
        self.setFormatter(logging.Formatter(_FORMAT, datefmt="%H:%M:%S"))
        self._lines: deque[str] = deque(maxlen=capacity)
        self._lock_lines = threading.Lock()
        self._listener: Callable[[str], None] | None = None

    def emit(self, record: logging.LogRecord) -> None:
        line = self.format(record)
        with self._lock_lines:
            self._lines.append(line)
            listener = self._listener
        if listener is not None:
            listener(line)

    def lines(self) -> list[str]:
        with self._lock_lines:
            return list(self._lines)

    def set_listener(self, listener: Callable[[str], None] | None) -> None:
        with self._lock_lines:
            self._listener = listener


def configure_logging(
    log_file: Path | None, *, level: int = logging.INFO, console: bool = True
) -> LogBuffer:
    """Configure the root logger once for the application. Returns the buffer the log view reads."""
    root = logging.getLogger()
    root.setLevel(level)
    redactor = RedactingFilter()
    buffer = LogBuffer()
    handlers: list[logging.Handler] = [buffer]
    if log_file is not None:
        log_file.parent.mkdir(parents=True, exist_ok=True)
        file_handler = logging.handlers.RotatingFileHandler(
            log_file, maxBytes=5_000_000, backupCount=3, encoding="utf-8"
        )
        file_handler.setFormatter(logging.Formatter(_FORMAT))
        handlers.append(file_handler)
    if console:
        stream = logging.StreamHandler()
        stream.setFormatter(logging.Formatter(_FORMAT))
        handlers.append(stream)
    for handler in handlers:
        handler.addFilter(redactor)
        root.addHandler(handler)
    return buffer


def shutdown_logging() -> None:
    """Flush, close and detach every root handler (before the log directory may be deleted)."""
    root = logging.getLogger()
    for handler in list(root.handlers):
        root.removeHandler(handler)
        handler.close()
