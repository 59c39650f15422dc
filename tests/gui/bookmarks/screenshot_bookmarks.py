"""Renders the bookmark list and a playback timeline with bookmarks and a marked range to PNGs.

Run from the repository root (no display needed: fake backend and fake players, offscreen Qt):
    QT_QPA_PLATFORM=offscreen .venv/bin/python -m tests.gui.bookmarks.screenshot_bookmarks [DIR]
Writes DIR/bookmark_list.png (twelve bookmarks, a search that leaves eight, some locked) and
DIR/bookmark_lane.png (40 minutes of a camera with bookmarks on the lane and an in/out range marked).
DIR defaults to docs/screenshots.
"""

from __future__ import annotations

import argparse
import asyncio
from datetime import datetime, timedelta
from pathlib import Path

from PySide6.QtWidgets import QApplication, QWidget

from backend_embed.api import (
    Bookmark,
    BookmarkDraft,
    Camera,
    PlaybackSource,
    PlaylistEntry,
    Span,
    StreamRole,
)
from tests.helpers.fake_backend import FakeBackend
from tests.helpers.playback_fakes import FakePlayerFactory
from vas_console.core.timeline_model import MINUTE_MS
from vas_console.ui.aio import run_app
from vas_console.ui.bookmarks.bookmark_list import BookmarkList
from vas_console.ui.playback.playback_view import PlaybackView
from vas_console.ui.playback.video_surface import RenderMode
from vas_console.ui.theme import apply_theme

DAY = datetime.now().replace(hour=0, minute=0, second=0, microsecond=0) - timedelta(days=1)
T_SHOW = int((DAY + timedelta(hours=14, minutes=30)).timestamp() * 1000)
"""Yesterday 14:30 local: the bookmarks lie around it."""
SEGMENT_MS = 4000


def at(minutes: float) -> int:
    return T_SHOW + round(minutes * MINUTE_MS)


def add(
    backend: FakeBackend,
    camera: Camera,
    start_min: float,
    seconds: int,
    name: str,
    *,
    tags: tuple[str, ...] = (),
    note: str = "",
    locked: bool = False,
) -> Bookmark:
    draft = BookmarkDraft(
        camera.id, at(start_min), at(start_min) + seconds * 1000, name, note, tags, locked
    )
    bookmark = backend._bookmark_of(next(backend._ids), draft, draft.end_ms)
    backend.bookmarks[bookmark.id] = bookmark
    return bookmark


def seed(backend: FakeBackend) -> list[Camera]:
    entrance, gate, yard, dock = (
        backend.seed_camera(n) for n in ("Entrance", "Gate", "Yard", "Loading dock")
    )
    add(backend, gate, -24, 95, "White van at the gate", tags=("vehicle", "gate"), locked=True)
    add(
        backend,
        gate,
        -12,
        40,
        "Gate forced",
        tags=("gate", "incident"),
        note="lock broken",
        locked=True,
    )
    add(backend, gate, -3, 150, "Delivery through the gate", tags=("delivery", "gate"))
    add(backend, gate, 8, 30, "Cyclist", tags=("gate",))
    add(backend, gate, 16, 420, "Gate left open", tags=("gate", "night"), locked=True)
    add(backend, entrance, -20, 60, "Visitor at reception", tags=("visitor",))
    add(backend, entrance, 5, 20, "Badge refused at the gate door", tags=("access", "gate"))
    add(backend, yard, -28, 180, "Fox crossing the yard", tags=("animal",))
    add(
        backend,
        yard,
        12,
        45,
        "Ladder against the gate fence",
        tags=("gate", "incident"),
        locked=True,
    )
    add(backend, dock, -8, 300, "Lorry unloading", tags=("delivery",))
    add(backend, dock, 22, 90, "Pallet left at the gate", note="blocking the exit", tags=("gate",))
    add(backend, dock, 26, 30, "Forklift", tags=("vehicle",))
    return [entrance, gate, yard, dock]


def record(backend: FakeBackend, camera: Camera) -> None:
    spans = [Span(at(-40), at(-6)), Span(at(-2), at(19)), Span(at(21), at(40))]
    backend.spans[(camera.id, StreamRole.MAIN)] = spans
    entries, offset = [], 0
    for number, span in enumerate(spans):
        for start in range(span.start_ms, span.end_ms, SEGMENT_MS):
            entries.append(
                PlaylistEntry(
                    start, start + SEGMENT_MS, offset, number > 0 and start == span.start_ms
                )
            )
            offset += SEGMENT_MS
    backend.playback_sources[camera.id] = PlaybackSource(
        camera.id,
        StreamRole.MAIN,
        spans[0].start_ms,
        spans[-1].end_ms,
        "/fake/gate.m3u8",
        tuple(entries),
    )


async def settle(seconds: float) -> None:
    await asyncio.sleep(seconds)  # the qasync loop processes Qt events meanwhile


async def capture(path: Path, widget: QWidget) -> None:
    await settle(0.3)
    widget.grab().save(str(path), "PNG")
    print(path)


async def bookmark_list(out: Path, backend: FakeBackend) -> None:
    widget = BookmarkList(backend)
    widget.setWindowTitle("Bookmarks")
    widget.resize(900, 380)
    widget.show()
    await widget.reload()
    widget.search.setText("gate")
    await settle(0.6)
    widget.select(next(b.id for b in widget.bookmarks if b.name == "Gate forced"))
    await capture(out / "bookmark_list.png", widget)
    widget.close()


async def bookmark_lane(out: Path, backend: FakeBackend, gate: Camera) -> None:
    record(backend, gate)
    view = PlaybackView(backend, FakePlayerFactory(), gate.id, gate.name, mode=RenderMode.MEMORY)
    view.resize(1280, 380)
    view.show()
    try:
        view.timeline.show_range(at(-26), 40 * MINUTE_MS)
        view.group.seek(at(-11.5))
        await settle(0.5)
        view.transport.actions_by_name["play_pause"].trigger()
        await settle(0.3)
        view.group.seek(at(1))
        view.evidence.mark_in()
        view.group.seek(at(6))
        view.evidence.mark_out()
        view.group.seek(at(3.5))
        await settle(0.5)
        view.timeline.selected_bookmark = next(
            b.id for b, _ in view.timeline.bookmark_rects() if b.name == "Gate forced"
        )
        await capture(out / "bookmark_lane.png", view)
    finally:
        view.close_playback()
        view.close()


async def main(out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    backend = FakeBackend()
    try:
        cameras = seed(backend)
        await bookmark_list(out, backend)
        await bookmark_lane(out, backend, cameras[1])
        await settle(0.2)
    finally:
        backend.close_evidence()


def cli() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path, nargs="?", default=Path("docs/screenshots"))
    args = parser.parse_args()
    app = QApplication([])
    apply_theme(app)
    run_app(main(args.out))


if __name__ == "__main__":
    cli()
