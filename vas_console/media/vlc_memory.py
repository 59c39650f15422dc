"""Memory rendering: libVLC's video callbacks into one buffer, a copy of each new picture to a sink."""

from __future__ import annotations

import ctypes
import threading
from collections.abc import Callable
from typing import Any

import vlc

from vas_console.media.vlc_types import FrameSink, VideoFrame

_FormatCb = ctypes.CFUNCTYPE(
    ctypes.c_uint,
    ctypes.POINTER(ctypes.c_void_p),
    ctypes.c_void_p,  # char *chroma, writable: python-vlc's c_char_p would hand us a copy
    ctypes.POINTER(ctypes.c_uint),
    ctypes.POINTER(ctypes.c_uint),
    ctypes.POINTER(ctypes.c_uint),
    ctypes.POINTER(ctypes.c_uint),
)


class MemoryTarget:
    """Video callbacks that render into one buffer and hand a copy of each picture to a sink.

    Runs on libVLC's decoder and video output threads; touches only its own buffer and the sink.
    """

    def __init__(self, max_width: int, max_height: int, sink: FrameSink) -> None:
        self._max = (max(16, max_width), max(16, max_height))
        self._sink = sink
        self._lock = threading.Lock()
        self._buffer: ctypes.Array[ctypes.c_ubyte] | None = None
        self._size = (0, 0)
        self._last = b""
        # set by the player: called after the sink; the display aspect once the video size is known
        self.on_picture: Callable[[], None] | None = None
        self.aspect: float | None = None
        self.muted = False  # True while the picture is known to be the wrong one (before a seek)
        # the C callbacks must outlive the player's use of them
        self.format_cb = _FormatCb(self._format)
        self.lock_cb = vlc.CallbackDecorators.VideoLockCb(self._lock_picture)
        self.unlock_cb = vlc.CallbackDecorators.VideoUnlockCb(lambda *_: None)
        self.display_cb = vlc.CallbackDecorators.VideoDisplayCb(self._display)

    def _format(
        self, _opaque: Any, chroma: int, width: Any, height: Any, pitches: Any, lines: Any
    ) -> int:
        scale = min(1.0, self._max[0] / max(1, width[0]), self._max[1] / max(1, height[0]))
        w, h = max(2, int(width[0] * scale) // 2 * 2), max(2, int(height[0] * scale) // 2 * 2)
        ctypes.memmove(chroma, b"RV32", 4)
        width[0], height[0], pitches[0], lines[0] = w, h, w * 4, h
        with self._lock:
            self._buffer = (ctypes.c_ubyte * (w * h * 4))()
            self._size = (w, h)
        return 1

    def _lock_picture(self, _opaque: Any, planes: Any) -> None:
        with self._lock:
            buffer = self._buffer
            planes[0] = None if buffer is None else ctypes.cast(buffer, ctypes.c_void_p)

    def _display(self, _opaque: Any, _picture: Any) -> None:
        with self._lock:
            if self._buffer is None:
                return
            w, h = self._size
            data = bytes(self._buffer)
        if data == self._last:
            return  # libVLC shows a paused picture again and again: not a new one
        self._last = data
        if not self.muted:
            self._sink(VideoFrame(data, w, h, w * 4, self.aspect))
        callback = self.on_picture
        if callback is not None:
            callback()
