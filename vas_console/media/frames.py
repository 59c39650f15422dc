"""LatestFrameSlot: hands the newest video frame from a producer thread to a painter, dropping stale ones.

A tile's QTimer reads the slot at paint rate; the decoder writes it at camera rate. Nothing queues up, so a slow
painter never makes the picture fall behind (one Qt signal per frame would).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Generic, TypeVar

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class SlotStats:
    """Counters for benchmarks and the tile's hover info."""

    written: int
    taken: int
    dropped: int


class LatestFrameSlot(Generic[T]):
    """A one-element mailbox: `put` replaces, `take` returns the newest frame once (or None if nothing new)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._frame: T | None = None
        self._fresh = False
        self._written = 0
        self._taken = 0
        self._dropped = 0

    def put(self, frame: T) -> None:
        with self._lock:
            if self._fresh:
                self._dropped += 1
            self._frame = frame
            self._fresh = True
            self._written += 1

    def take(self) -> T | None:
        """The newest frame if it has not been taken yet, else None."""
        with self._lock:
            if not self._fresh:
                return None
            self._fresh = False
            self._taken += 1
            return self._frame

    def peek(self) -> T | None:
        """The newest frame whether or not it was taken (a repaint after a resize)."""
        with self._lock:
            return self._frame

    def stats(self) -> SlotStats:
        with self._lock:
            return SlotStats(self._written, self._taken, self._dropped)
