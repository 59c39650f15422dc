"""LatestFrameSlot: hands the newest video frames from a producer thread to a painter, dropping stale ones.

A tile's QTimer reads the slot at paint rate; the decoder writes it at camera rate. At most `depth` frames wait
(one or two), so a slow painter never makes the picture fall behind (one Qt signal per frame would).
"""

from __future__ import annotations

import threading
from collections import deque
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
    """A small mailbox: `put` adds, `take` returns each frame once, oldest first; past `depth` the oldest goes.

    With `depth` 1 (the default) it is a one-element mailbox: the newest frame wins. A live tile uses 2: a
    picture that was ready just before the next one (a decode thread catching up after a wait, or the GUI's
    tick late) is still shown, one paint tick later, instead of being replaced unseen. Anything older than
    that is dropped, so the picture never falls more than one tick behind.
    """

    def __init__(self, depth: int = 1) -> None:
        if depth < 1:
            raise ValueError("a frame slot holds at least one frame")
        self.depth = depth
        self._lock = threading.Lock()
        self._waiting: deque[T] = deque()
        self._newest: T | None = None
        self._written = 0
        self._taken = 0
        self._dropped = 0

    def put(self, frame: T, *, replace_waiting: bool = False) -> None:
        """Add `frame`; with `replace_waiting`, drop the frames not taken yet first (they are stale)."""
        with self._lock:
            if replace_waiting:
                self._dropped += len(self._waiting)
                self._waiting.clear()
            elif len(self._waiting) == self.depth:
                self._waiting.popleft()
                self._dropped += 1
            self._waiting.append(frame)
            self._newest = frame
            self._written += 1

    def take(self) -> T | None:
        """The oldest frame not taken yet, else None."""
        with self._lock:
            if not self._waiting:
                return None
            self._taken += 1
            return self._waiting.popleft()

    def peek(self) -> T | None:
        """The newest frame whether or not it was taken (a repaint after a resize)."""
        with self._lock:
            return self._newest

    def stats(self) -> SlotStats:
        with self._lock:
            return SlotStats(self._written, self._taken, self._dropped)
