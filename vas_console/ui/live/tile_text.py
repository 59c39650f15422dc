"""Texts a video tile shows: its state line and, on hover, the stream's figures (Qt-free)."""

from __future__ import annotations

import math

from PySide6.QtCore import Qt
from PySide6.QtGui import QFontMetrics

from vas_console.media.live import LiveState, LiveStats, LiveStatus

EMPTY_HINT = "Drop a camera here"


def state_text(status: LiveStatus | None, now: float | None = None) -> str:
    """`Connecting…`, `Reconnecting in 3 s`, `Offline: <reason>`, or "" while live (or with no session).

    `now` is a time.monotonic() value (default: now); the countdown rounds up so it never shows 0 s early.
    """
    if status is None:
        return ""
    if status.state is LiveState.CONNECTING:
        return "Connecting…"
    if status.state is LiveState.RECONNECTING:
        left = status.retry_left_s(now)
        if left is None or left <= 0:
            return "Reconnecting…"
        return f"Reconnecting in {math.ceil(left)} s"
    if status.state is LiveState.OFFLINE:
        return f"Offline: {status.reason}" if status.reason else "Offline"
    return ""


def state_lines(status: LiveStatus | None, now: float | None = None) -> tuple[str, str]:
    """What a tile shows over its picture: a headline (`Offline`, `Reconnecting in 3 s`, `Connecting…`)
    and the reason under it; ("", "") while live."""
    text = state_text(status, now)
    if not text or status is None:
        return "", ""
    if status.state is LiveState.OFFLINE:
        return "Offline", status.reason
    if status.state is LiveState.RECONNECTING:
        return text, status.reason
    return text, ""


def stats_text(stats: LiveStats, stream: str = "") -> str:
    """`SUB 640x360 · 25 fps · 512 kb/s · 87 ms` (figures that are unknown are left out)."""
    parts: list[str] = []
    if stream:
        size = stats.source_size
        parts.append(f"{stream.upper()} {size[0]}x{size[1]}" if size else stream.upper())
    parts.append(f"{stats.fps:.0f} fps")
    if stats.bitrate_bps is not None:
        parts.append(_bitrate(stats.bitrate_bps))
    if stats.latency_ms is not None:
        parts.append(f"{stats.latency_ms:.0f} ms")
    return " · ".join(parts)


def _bitrate(bps: float) -> str:
    if bps >= 1_000_000:
        return f"{bps / 1_000_000:.1f} Mb/s"
    return f"{bps / 1000:.0f} kb/s"


def fit_header(
    name: str, right: str, width: int, name_metrics: QFontMetrics, metrics: QFontMetrics, gap: int
) -> tuple[str, str]:
    """The camera's name and the right-hand text (figures, state) as they fit in `width` pixels.

    The name comes first: an operator must always see which camera a tile shows, so the figures are
    shortened, then dropped, before the name is elided.
    """
    room = max(0, width - name_metrics.horizontalAdvance(name) - gap)
    shown = metrics.elidedText(right, Qt.TextElideMode.ElideRight, room) if right else ""
    if shown in ("…", "..."):
        shown = ""
    right_width = metrics.horizontalAdvance(shown) + gap if shown else 0
    name_shown = name_metrics.elidedText(
        name, Qt.TextElideMode.ElideRight, max(0, width - right_width)
    )
    return name_shown, shown
