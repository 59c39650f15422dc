"""Last-resort handling of unexpected exceptions: log them (redacted) and tell one listener, once per crash."""

from __future__ import annotations

import logging
import sys
import threading
import traceback
from collections.abc import Callable
from types import TracebackType

from backend_embed.api import redact

logger = logging.getLogger(__name__)

CrashListener = Callable[[str], None]


class CrashHandler:
    """Installs `sys.excepthook` and `threading.excepthook`; reports each unexpected exception redacted.

    The listener (the crash dialog) is called on the thread that crashed: it must only post to the GUI thread.
    """

    def __init__(self) -> None:
        self._listener: CrashListener | None = None
        self.reports: list[str] = []

    def install(self) -> None:
        sys.excepthook = self._on_exception
        threading.excepthook = self._on_thread_exception

    def set_listener(self, listener: CrashListener | None) -> None:
        self._listener = listener

    def report(
        self, exc_type: type[BaseException], exc: BaseException, tb: TracebackType | None
    ) -> str:
        text = redact("".join(traceback.format_exception(exc_type, exc, tb)))
        self.reports.append(text)
        logger.critical("Unexpected error:\n%s", text)
        if self._listener is not None:
            self._listener(text)
        return text

    def _on_exception(
        self, exc_type: type[BaseException], exc: BaseException, tb: TracebackType | None
    ) -> None:
        if issubclass(exc_type, KeyboardInterrupt):
            sys.__excepthook__(exc_type, exc, tb)
            return
        self.report(exc_type, exc, tb)

    def _on_thread_exception(self, args: threading.ExceptHookArgs) -> None:
        if args.exc_value is not None:
            self.report(args.exc_type, args.exc_value, args.exc_traceback)
