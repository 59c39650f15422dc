"""Stamping raw I420 frames in place from a GStreamer pad probe: caption text plus the timestamp code.

Server-only (needs gi). PyGObject without gst-python's overrides cannot map a buffer for writing, and a
buffer seen from a Python probe is never "writable" (the probe holds references), so the stamper maps the
buffer's single GstMemory through ctypes; the memory itself is exclusively owned by that one buffer.
"""

from __future__ import annotations

import ctypes
import logging
import time
from collections.abc import Callable

from gi.repository import Gst

from camsim.i420 import I420Layout
from camsim.overlay import draw_caption
from camsim.timecode import draw_timecode

logger = logging.getLogger(__name__)

_GST_MAP_WRITE = 2

# A moving ball on dark blue-grey: cheap to render, some motion for the encoder, and the black text boxes
# and code blocks stand out from it.
TEST_PICTURE = "videotestsrc pattern=ball background-color=0xff303848"


class _MapInfo(ctypes.Structure):
    _fields_ = [
        ("memory", ctypes.c_void_p),
        ("flags", ctypes.c_int),
        ("data", ctypes.c_void_p),
        ("size", ctypes.c_size_t),
        ("maxsize", ctypes.c_size_t),
        ("user_data", ctypes.c_void_p * 4),
        ("_gst_reserved", ctypes.c_void_p * 4),
    ]


def _load_gstreamer() -> ctypes.CDLL:
    lib = ctypes.CDLL("libgstreamer-1.0.so.0")
    lib.gst_buffer_n_memory.argtypes = [ctypes.c_void_p]
    lib.gst_buffer_n_memory.restype = ctypes.c_uint
    lib.gst_buffer_peek_memory.argtypes = [ctypes.c_void_p, ctypes.c_uint]
    lib.gst_buffer_peek_memory.restype = ctypes.c_void_p
    lib.gst_memory_map.argtypes = [ctypes.c_void_p, ctypes.POINTER(_MapInfo), ctypes.c_int]
    lib.gst_memory_map.restype = ctypes.c_int
    lib.gst_memory_unmap.argtypes = [ctypes.c_void_p, ctypes.POINTER(_MapInfo)]
    lib.gst_memory_unmap.restype = None
    return lib


_LIB = _load_gstreamer()

FrameClock = Callable[[Gst.Buffer], int]
"""Returns the milliseconds to stamp into a buffer (the wall clock, or the clip position)."""


def wall_clock_ms(_buffer: Gst.Buffer) -> int:
    """Return the current wall-clock time in milliseconds since the epoch."""
    return time.time_ns() // 1_000_000


def clip_position_ms(buffer: Gst.Buffer) -> int:
    """Return the buffer's presentation time in milliseconds (for pre-encoded clips)."""
    pts = buffer.pts
    return 0 if pts == Gst.CLOCK_TIME_NONE else pts // Gst.MSECOND


class FrameStamper:
    """A pad probe that draws caption lines and the timestamp code into every raw I420 frame.

    All exceptions of the drawing are left to PyGObject, which prints them; a frame whose memory layout
    is not the expected one is passed on unstamped (logged once).
    """

    def __init__(
        self,
        width: int,
        height: int,
        caption: Callable[[int], list[str]],
        clock: FrameClock = wall_clock_ms,
    ) -> None:
        """Prepare a stamper.

        Args:
            width: frame width.
            height: frame height.
            caption: returns the caption lines for a frame stamped with the given milliseconds.
            clock: returns the milliseconds to encode into a buffer.
        """
        self._layout = I420Layout.for_size(width, height)
        self._caption = caption
        self._clock = clock
        self._warned = False

    def attach(self, pad: Gst.Pad) -> None:
        """Stamp every buffer that passes `pad` from now on."""
        pad.add_probe(Gst.PadProbeType.BUFFER, self._on_buffer)

    def _on_buffer(self, _pad: Gst.Pad, info: Gst.PadProbeInfo) -> Gst.PadProbeReturn:
        buffer = info.get_buffer()
        if buffer is not None:
            self.stamp(buffer)
        return Gst.PadProbeReturn.OK

    def stamp(self, buffer: Gst.Buffer) -> bool:
        """Draw into `buffer` in place; return False (and leave it alone) if it cannot be mapped."""
        pointer = hash(buffer)  # PyGObject hashes a boxed value by its C pointer
        if _LIB.gst_buffer_n_memory(pointer) != 1:
            return self._unstampable("the buffer has several memories")
        memory = _LIB.gst_buffer_peek_memory(pointer, 0)
        info = _MapInfo()
        if not _LIB.gst_memory_map(memory, ctypes.byref(info), _GST_MAP_WRITE):
            return self._unstampable("its memory cannot be mapped for writing")
        try:
            if info.size < self._layout.size:
                return self._unstampable(f"it holds {info.size} bytes, not {self._layout.size}")
            frame = memoryview((ctypes.c_ubyte * info.size).from_address(info.data)).cast("B")
            ms = self._clock(buffer)
            draw_caption(frame, self._layout, self._caption(ms))
            draw_timecode(frame, self._layout, ms)
            frame.release()
        finally:
            _LIB.gst_memory_unmap(memory, ctypes.byref(info))
        return True

    def _unstampable(self, reason: str) -> bool:
        if not self._warned:
            self._warned = True
            logger.warning(
                "Cannot stamp %dx%d frames: %s", self._layout.width, self._layout.height, reason
            )
        return False
