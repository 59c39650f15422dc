"""The timeline's geometry without Qt: visible range, zoom (1 minute to 7 days), pan, ticks, span pixels."""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from backend_embed.api import Span

MINUTE_MS = 60_000
HOUR_MS = 60 * MINUTE_MS
DAY_MS = 24 * HOUR_MS
MIN_SPAN_MS = MINUTE_MS
MAX_SPAN_MS = 7 * DAY_MS
ZOOM_STEPS_MS = (
    MINUTE_MS,
    5 * MINUTE_MS,
    15 * MINUTE_MS,
    HOUR_MS,
    3 * HOUR_MS,
    6 * HOUR_MS,
    12 * HOUR_MS,
    DAY_MS,
    3 * DAY_MS,
    MAX_SPAN_MS,
)
"""The spans the zoom buttons step through."""
_TICK_STEPS_MS = (
    1000, 5000, 10_000, 15_000, 30_000,
    MINUTE_MS, 2 * MINUTE_MS, 5 * MINUTE_MS, 10 * MINUTE_MS, 15 * MINUTE_MS, 30 * MINUTE_MS,
    HOUR_MS, 2 * HOUR_MS, 3 * HOUR_MS, 6 * HOUR_MS, 12 * HOUR_MS, DAY_MS,
)  # fmt: skip
_CHUNKS_MS = (HOUR_MS, 6 * HOUR_MS, DAY_MS, 7 * DAY_MS, 28 * DAY_MS)
MIN_LABEL_PX = 70


@dataclass(frozen=True, slots=True)
class Tick:
    """A mark on the time axis: `major` ticks fall on local midnight and carry the date."""

    time_ms: int
    label: str
    major: bool


@dataclass(frozen=True, slots=True)
class ChunkKey:
    """One aligned piece of time whose coverage is fetched and cached as a whole."""

    size_ms: int
    index: int

    @property
    def start_ms(self) -> int:
        return self.size_ms * self.index

    @property
    def end_ms(self) -> int:
        return self.size_ms * (self.index + 1)


class TimelineModel:
    """Which wall-clock range the timeline shows on how many pixels; zooming keeps the time under the anchor.

    Times are UTC milliseconds; `start_ms` is a float so repeated small pans do not drift.
    """

    def __init__(self, width_px: int, start_ms: float, span_ms: float = HOUR_MS) -> None:
        self._width = max(1, width_px)
        self._span = _clamp(span_ms, MIN_SPAN_MS, MAX_SPAN_MS)
        self._start = float(start_ms)

    @property
    def width_px(self) -> int:
        return self._width

    @property
    def start_ms(self) -> float:
        return self._start

    @property
    def span_ms(self) -> float:
        return self._span

    @property
    def end_ms(self) -> float:
        return self._start + self._span

    @property
    def ms_per_px(self) -> float:
        return self._span / self._width

    def x_at(self, time_ms: float) -> float:
        """The x coordinate (pixels from the left edge) of `time_ms`; outside [0, width] when not visible."""
        return (time_ms - self._start) / self._span * self._width

    def time_at(self, x: float) -> int:
        """The wall-clock time under pixel column `x`."""
        return round(self._start + x / self._width * self._span)

    def resize(self, width_px: int) -> None:
        """Keep the visible range on a new width (the scale changes)."""
        self._width = max(1, width_px)

    def set_range(self, start_ms: float, span_ms: float) -> None:
        self._span = _clamp(span_ms, MIN_SPAN_MS, MAX_SPAN_MS)
        self._start = float(start_ms)

    def zoom(self, factor: float, anchor_x: float | None = None) -> bool:
        """Show `factor` times less time (factor > 1 zooms in), keeping the time under `anchor_x` in place.

        Returns False when the span was already at the limit in that direction.
        """
        anchor_x = self._width / 2 if anchor_x is None else anchor_x
        return self._zoom_to(self._span / factor, anchor_x)

    def zoom_step(self, direction: int, anchor_x: float | None = None) -> bool:
        """Zoom to the next span of `ZOOM_STEPS_MS`: in for direction > 0, out for < 0."""
        anchor_x = self._width / 2 if anchor_x is None else anchor_x
        if direction > 0:
            smaller = [s for s in ZOOM_STEPS_MS if s < self._span * 0.999]
            target = smaller[-1] if smaller else MIN_SPAN_MS
        else:
            larger = [s for s in ZOOM_STEPS_MS if s > self._span * 1.001]
            target = larger[0] if larger else MAX_SPAN_MS
        return self._zoom_to(target, anchor_x)

    def _zoom_to(self, span_ms: float, anchor_x: float) -> bool:
        span = _clamp(span_ms, MIN_SPAN_MS, MAX_SPAN_MS)
        if math.isclose(span, self._span):
            return False
        anchor_ms = self._start + anchor_x / self._width * self._span
        self._start = anchor_ms - anchor_x / self._width * span
        self._span = span
        return True

    def pan_px(self, dx: float) -> None:
        """Drag the content by `dx` pixels: a drag to the right shows earlier times."""
        self._start -= dx * self.ms_per_px

    def center_on(self, time_ms: float) -> None:
        self._start = time_ms - self._span / 2

    def follow(self, time_ms: float, margin: float = 0.1) -> bool:
        """Page the view so `time_ms` stays visible with a `margin` (fraction of the width). True if moved."""
        low = self._start + self._span * margin
        high = self._start + self._span * (1 - margin)
        if low <= time_ms <= high:
            return False
        if time_ms > high and time_ms - high < self._span * margin:
            self._start = time_ms - self._span * margin  # playing forward: turn the page
        else:
            self.center_on(time_ms)
        return True

    def ticks(self, min_label_px: int = MIN_LABEL_PX) -> list[Tick]:
        """Labelled marks in local time, at least `min_label_px` apart; local midnights are major."""
        wanted = self.ms_per_px * min_label_px
        step = next((s for s in _TICK_STEPS_MS if s >= wanted), DAY_MS)
        if step == DAY_MS:
            step_days = max(1, math.ceil(wanted / DAY_MS))
            return _day_ticks(self._start, self.end_ms, step_days)
        return _clock_ticks(self._start, self.end_ms, step)

    def chunks(self, start_ms: float | None = None, end_ms: float | None = None) -> list[ChunkKey]:
        """The aligned chunks to fetch coverage for [start, end) (the visible range by default).

        The chunk size is the smallest of 1 h, 6 h, 1 day, 7 days, 28 days at least as long as the span, so
        panning re-uses cached chunks and a view never needs more than three.
        """
        start = self._start if start_ms is None else start_ms
        end = self.end_ms if end_ms is None else end_ms
        size = next((c for c in _CHUNKS_MS if c >= end - start), _CHUNKS_MS[-1])
        first = math.floor(start / size)
        last = math.floor((end - 1) / size)
        return [ChunkKey(size, index) for index in range(first, last + 1)]

    def span_pixels(self, spans: Iterable[Span]) -> list[tuple[int, int]]:
        """Pixel columns [x0, x1) covered by `spans`, merged where the gap between them is under a pixel.

        Spans must be in time order. Runs outside the view are dropped and the rest clipped to it.
        Called for every lane on every paint: kept to plain arithmetic on locals.
        """
        start, end, width = self._start, self._start + self._span, self._width
        scale = width / self._span
        runs: list[tuple[int, int]] = []
        run_x0 = run_x1 = -1
        for span in spans:
            if span.end_ms <= start or span.start_ms >= end:
                continue
            left = (span.start_ms - start) * scale
            x0 = int(left) if left > 0 else 0
            right = (span.end_ms - start) * scale
            x1 = int(right)
            if x1 < right:
                x1 += 1
            x1 = min(width, max(x0 + 1, x1))
            if x0 <= run_x1:
                run_x1 = max(run_x1, x1)
                continue
            if run_x1 >= 0:
                runs.append((run_x0, run_x1))
            run_x0, run_x1 = x0, x1
        if run_x1 >= 0:
            runs.append((run_x0, run_x1))
        return runs


def spans_in(spans: Sequence[Span], start_ms: float, end_ms: float) -> list[Span]:
    """The spans of a time-ordered sequence that overlap [start, end)."""
    return [s for s in spans if s.end_ms > start_ms and s.start_ms < end_ms]


def _clamp(value: float, low: float, high: float) -> float:
    return min(max(value, low), high)


def _local(ms: float) -> datetime:
    return datetime.fromtimestamp(ms / 1000)  # naive local time: what the axis shows


def _clock_ticks(start_ms: float, end_ms: float, step_ms: int) -> list[Tick]:
    fmt = "%H:%M:%S" if step_ms < MINUTE_MS else "%H:%M"
    first = _local(start_ms)
    midnight = first.replace(hour=0, minute=0, second=0, microsecond=0)
    step = timedelta(milliseconds=step_ms)
    # count steps in local wall time from midnight, so ticks fall on round local times across DST
    current = midnight + step * math.floor((first - midnight) / step)
    ticks: list[Tick] = []
    while (ms := current.timestamp() * 1000) < end_ms:
        if ms >= start_ms:
            major = current.hour == 0 and current.minute == 0 and current.second == 0
            label = current.strftime("%a %d %b") if major else current.strftime(fmt)
            ticks.append(Tick(round(ms), label, major))
        current += step
        if current.date() != (current - step).date():
            current = current.replace(hour=0, minute=0, second=0, microsecond=0)
    return ticks


def _day_ticks(start_ms: float, end_ms: float, step_days: int) -> list[Tick]:
    current = _local(start_ms).replace(hour=0, minute=0, second=0, microsecond=0)
    ticks: list[Tick] = []
    while (ms := current.timestamp() * 1000) < end_ms:
        if ms >= start_ms and current.toordinal() % step_days == 0:
            ticks.append(Tick(round(ms), current.strftime("%a %d %b"), True))
        current += timedelta(days=1)
    return ticks
