"""HeapTrimmer: gives the C heap's free pages back to the system every minute (glibc's `malloc_trim`).

A process that runs for a shift and keeps allocating and freeing picture-sized buffers on several threads
(the console's decoders and scalers, the host's packet readers) fragments glibc's arenas: what it frees
stays resident, held for reuse, and every burst ratchets RSS up. `bench/live_soak.py` showed it: a 16-tile
wall went from 286 to 593 MB over 30 minutes of layout changes, maximised tiles and camera outages, with
the same number of Python objects throughout. `malloc_trim(0)` returns the free pages of every arena
(madvise); it took 7-13 ms on the console's heap, so it runs in a worker thread, once a minute.

Where the C library has no `malloc_trim` (not glibc), the trimmer does nothing.
"""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import logging
from collections.abc import Callable
from typing import Final

logger = logging.getLogger(__name__)

DEFAULT_INTERVAL_S: Final = 60.0


def _load_malloc_trim() -> Callable[[int], int] | None:
    try:
        libc = ctypes.CDLL(None)
    except OSError:
        return None
    trim = getattr(libc, "malloc_trim", None)
    if trim is None:
        return None
    trim.argtypes = [ctypes.c_size_t]
    trim.restype = ctypes.c_int
    return trim  # type: ignore[no-any-return]


_MALLOC_TRIM = _load_malloc_trim()


def trim_heap() -> bool:
    """Give the heap's free pages back to the system. False where there is no `malloc_trim`."""
    if _MALLOC_TRIM is None:
        return False
    _MALLOC_TRIM(0)
    return True


class HeapTrimmer:
    """Calls `trim` in a worker thread every `interval_s` while started, on the loop that started it."""

    def __init__(
        self, interval_s: float = DEFAULT_INTERVAL_S, trim: Callable[[], bool] = trim_heap
    ) -> None:
        self._interval_s = interval_s
        self._trim = trim
        self._task: asyncio.Task[None] | None = None
        #: trims done so far
        self.trims = 0

    @property
    def available(self) -> bool:
        return self._trim is not trim_heap or _MALLOC_TRIM is not None

    def start(self) -> None:
        """Start trimming (on the running loop). A no-op if started, or if there is nothing to call."""
        if self._task is None and self.available:
            self._task = asyncio.get_running_loop().create_task(self._run(), name="heap trim")

    async def aclose(self) -> None:
        """Stop trimming. Safe to call twice, and before `start`."""
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def _run(self) -> None:
        while True:
            await asyncio.sleep(self._interval_s)
            try:
                await asyncio.to_thread(self._trim)
            except Exception:  # a failed trim costs memory, not the process: keep going
                logger.exception("Giving free memory back to the system failed")
            else:
                self.trims += 1


__all__ = ["DEFAULT_INTERVAL_S", "HeapTrimmer", "trim_heap"]
