"""GUI stall monitor: a fast QTimer whose late ticks measure how long the GUI thread was busy."""

from __future__ import annotations

import logging
import math
import time
from collections import deque
from dataclasses import dataclass

from PySide6.QtCore import QObject, Qt, QTimer

logger = logging.getLogger(__name__)

TICK_MS = 10
WINDOW_S = 10.0
LOG_EVERY_S = 30.0


@dataclass(frozen=True, slots=True)
class StallStats:
    """Stalls over the last window: how much later than planned each tick came, in ms (0 = on time)."""

    ticks: int
    p50_ms: float
    p99_ms: float
    max_ms: float


def _percentile(sorted_values: list[float], fraction: float) -> float:
    """Nearest-rank percentile of an already sorted list (0 for an empty one)."""
    if not sorted_values:
        return 0.0
    rank = max(1, math.ceil(fraction * len(sorted_values)))
    return sorted_values[rank - 1]


class StallMonitor(QObject):
    """Ticks every `tick_ms` on the GUI thread and keeps each tick's delay beyond `tick_ms`.

    A 10 ms timer that fires 80 ms after the previous tick saw a 70 ms stall: for that long no event
    (paint, input, queued signal) could run. `stats()` gives p50/p99/max over the last `window_s`;
    every `log_every_s` they are logged at DEBUG. Benchmarks read `stats()` directly.
    """

    def __init__(
        self,
        parent: QObject | None = None,
        *,
        tick_ms: int = TICK_MS,
        window_s: float = WINDOW_S,
        log_every_s: float = LOG_EVERY_S,
    ) -> None:
        super().__init__(parent)
        self._tick_s = tick_ms / 1000.0
        self._window_s = window_s
        self._log_every_s = log_every_s
        self._samples: deque[tuple[float, float]] = deque()
        self._last: float | None = None
        self._next_log = 0.0
        self._timer = QTimer(self)
        self._timer.setObjectName("stallMonitorTimer")
        self._timer.setTimerType(Qt.TimerType.PreciseTimer)
        self._timer.setInterval(tick_ms)
        self._timer.timeout.connect(self._on_timer_timeout)

    @property
    def running(self) -> bool:
        return self._timer.isActive()

    def start(self) -> None:
        """Start measuring (from a clean window)."""
        self._samples.clear()
        self._last = None
        self._next_log = time.perf_counter() + self._log_every_s
        self._timer.start()

    def stop(self) -> None:
        self._timer.stop()

    def reset(self) -> None:
        """Forget what was measured so far (a benchmark's warm-up)."""
        self._samples.clear()
        self._last = None

    def stats(self) -> StallStats:
        values = sorted(stall for _, stall in self._samples)
        return StallStats(
            ticks=len(values),
            p50_ms=_percentile(values, 0.50) * 1000.0,
            p99_ms=_percentile(values, 0.99) * 1000.0,
            max_ms=(values[-1] if values else 0.0) * 1000.0,
        )

    def _on_timer_timeout(self) -> None:
        now = time.perf_counter()
        if self._last is not None:
            self._samples.append((now, max(0.0, now - self._last - self._tick_s)))
        self._last = now
        while self._samples and now - self._samples[0][0] > self._window_s:
            self._samples.popleft()
        if now >= self._next_log:
            self._next_log = now + self._log_every_s
            stats = self.stats()
            logger.debug(
                "GUI stalls over %.0f s: p50 %.1f ms, p99 %.1f ms, max %.1f ms (%d ticks)",
                self._window_s,
                stats.p50_ms,
                stats.p99_ms,
                stats.max_ms,
                stats.ticks,
            )
