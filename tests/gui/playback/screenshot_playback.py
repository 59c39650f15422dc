"""Renders the playback views over real libVLC and test recordings to PNGs, for a human to look at.

Run under Xvfb from the repository root (the whole X screen is captured: libVLC draws into its own
native window, which `widget.grab()` cannot see):
    xvfb-run -a -s "-screen 0 1600x1000x24" .venv/bin/python -m tests.gui.playback.screenshot_playback DIR
Writes DIR/playback_day.png (a camera's day with gaps), playback_minute.png (zoomed to a minute across a
gap's edge), playback_hover.png (the hover popup with its thumbnail) and playback_sync_2x2.png (four
cameras in step). Options: --memory (render through memory callbacks instead of native windows).
"""

from __future__ import annotations

import argparse
import asyncio
import random
import subprocess
import tempfile
from datetime import datetime, timedelta
from pathlib import Path

from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QMouseEvent
from PySide6.QtWidgets import QApplication, QWidget

from backend_embed.api import PlaybackSource, Preview, Span, StreamRole
from tests.helpers.fake_backend import FakeBackend
from tests.helpers.recordings import EncodeSettings, make_recording, require_ffmpeg
from vas_console.core.timeline_model import DAY_MS, MINUTE_MS
from vas_console.media.vlc_player import VlcInstance
from vas_console.ui.aio import run_app
from vas_console.ui.playback import timeline_paint
from vas_console.ui.playback.playback_view import PlaybackView
from vas_console.ui.playback.sync_playback import SyncPlayback
from vas_console.ui.playback.timeline_widget import TimelineWidget
from vas_console.ui.playback.video_surface import RenderMode
from vas_console.ui.theme import apply_theme

NAMES = ("Entrance", "Reception", "Gate", "Level -1")
TODAY = datetime.now().replace(hour=0, minute=0, second=0, microsecond=0) - timedelta(days=1)
T_PLAY = int((TODAY + timedelta(hours=14, minutes=32, seconds=5)).timestamp() * 1000)
"""The moment every view shows: yesterday 14:32:05 local."""
CLIP_MS = 3 * MINUTE_MS


def day_spans(rng: random.Random, start_ms: int) -> list[Span]:
    """A day of motion-like recording with gaps, always recording around `T_PLAY`."""
    spans: list[Span] = []
    t = start_ms
    while t < start_ms + DAY_MS:
        length = rng.randrange(8 * MINUTE_MS, 90 * MINUTE_MS)
        spans.append(Span(t, t + length))
        t += length + rng.randrange(2 * MINUTE_MS, 40 * MINUTE_MS)
    spans = [
        s for s in spans if not (s.start_ms <= T_PLAY + CLIP_MS and s.end_ms >= T_PLAY - 60_000)
    ]
    spans.append(Span(T_PLAY - 60_000, T_PLAY + CLIP_MS))
    return sorted(spans, key=lambda s: s.start_ms)


def preview_files(directory: Path, source: PlaybackSource, count: int = 6) -> list[str]:
    """JPEG thumbnails cut from the recording's segments with ffmpeg (as the recorder makes them)."""
    segments = sorted(Path(source.playlist_path).parent.glob("span0_*.ts"))
    paths = []
    for n in range(count):
        out = directory / f"preview{n}.jpg"
        subprocess.run(
            [require_ffmpeg(), "-v", "error", "-y", "-i", str(segments[n % len(segments)]),
             "-frames:v", "1", "-vf", "scale=320:180", str(out)],
            check=True,
        )  # fmt: skip
        paths.append(str(out))
    return paths


def seed(backend: FakeBackend, workdir: Path) -> list[tuple[int, str]]:
    rng = random.Random(5)
    cameras = []
    for number, name in enumerate(NAMES, 1):
        camera = backend.seed_camera(name)
        settings = EncodeSettings(width=640, height=360, caption=f"CAM{number} {name.upper()}")
        # the playlist starts at T_PLAY - 60 s; the 30 s gap in it shows in the minute view
        spans = [(T_PLAY - 60_000, T_PLAY + 20_000), (T_PLAY + 50_000, T_PLAY + CLIP_MS)]
        source = make_recording(
            workdir / f"cam{number}", spans, camera_id=camera.id, settings=settings
        )
        backend.playback_sources[camera.id] = source
        lane = day_spans(rng, int(TODAY.timestamp() * 1000))
        lane = [s for s in lane if s.end_ms <= T_PLAY - 60_000 or s.start_ms >= T_PLAY + CLIP_MS]
        lane += [Span(a, b) for a, b in spans]
        backend.spans[(camera.id, StreamRole.MAIN)] = sorted(lane, key=lambda s: s.start_ms)
        jpegs = preview_files(workdir / f"cam{number}", source)
        start = int(TODAY.timestamp() * 1000)
        backend.preview_images[camera.id] = [
            Preview(camera.id, t, jpegs[(t // MINUTE_MS) % len(jpegs)], 320, 180)
            for s in backend.spans[(camera.id, StreamRole.MAIN)]
            for t in range(max(start, s.start_ms), s.end_ms, MINUTE_MS)
        ]
        cameras.append((camera.id, name))
    return cameras


async def settle(seconds: float) -> None:
    await asyncio.sleep(seconds)


async def capture(path: Path, widget: QWidget) -> None:
    """The X screen where `widget` is (popups included), via imagemagick."""
    await settle(0.3)
    box = widget.frameGeometry()
    crop = f"{box.width()}x{box.height()}+{box.x()}+{box.y()}"
    proc = await asyncio.create_subprocess_exec(
        "/usr/bin/import", "-window", "root", "-crop", crop, "+repage", str(path)
    )
    if await proc.wait() != 0:
        raise RuntimeError(f"import failed for {path}")
    print(f"wrote {path}")


def hover(timeline: TimelineWidget, wall_ms: int, lane: int = 0) -> None:
    row = timeline.rows()[lane]
    pos = QPoint(
        round(timeline_paint.GUTTER + timeline.model.x_at(wall_ms)), row.top + row.height // 2
    )
    event = QMouseEvent(
        QMouseEvent.Type.MouseMove,
        pos,
        timeline.mapToGlobal(pos),
        Qt.MouseButton.NoButton,
        Qt.MouseButton.NoButton,
        Qt.KeyboardModifier.NoModifier,
    )
    QApplication.sendEvent(timeline, event)


def place(widget: QWidget, width: int, height: int) -> None:
    widget.resize(width, height)
    widget.move(0, 0)
    widget.show()


async def single_view(
    out: Path,
    backend: FakeBackend,
    vlc: VlcInstance,
    cameras: list[tuple[int, str]],
    mode: RenderMode,
) -> None:
    camera_id, name = cameras[0]
    view = PlaybackView(backend, vlc, camera_id, name, mode=mode)
    view.setWindowTitle(f"Recorded video · {name}")
    place(view, 1280, 860)
    try:
        view.timeline.show_range(int(TODAY.timestamp() * 1000), DAY_MS)
        view.group.seek(T_PLAY)
        await settle(2.5)
        view.transport.actions_by_name["play_pause"].trigger()  # pause: a still picture
        await settle(0.5)
        await capture(out / "playback_day.png", view)
        view.timeline.show_range(T_PLAY + 20_000 - 40_000, MINUTE_MS)
        await capture(out / "playback_minute.png", view)
        view.timeline.show_range(T_PLAY - 5 * 3_600_000, 10 * 3_600_000)
        await settle(0.3)
        hover(view.timeline, T_PLAY - 3 * 3_600_000 - 20 * MINUTE_MS)
        await settle(0.8)
        hover(view.timeline, T_PLAY - 3 * 3_600_000 - 20 * MINUTE_MS + 1)
        await capture(out / "playback_hover.png", view)
    finally:
        view.close_playback()
        view.close()


async def sync_view(
    out: Path,
    backend: FakeBackend,
    vlc: VlcInstance,
    cameras: list[tuple[int, str]],
    mode: RenderMode,
) -> None:
    sync = SyncPlayback(backend, vlc, cameras, mode=mode)
    sync.setWindowTitle("Recorded video · 4 cameras in step")
    place(sync, 1440, 960)
    try:
        sync.timeline.show_range(T_PLAY - 30 * MINUTE_MS, 3_600_000)
        sync.group.seek(T_PLAY + 5_000)
        sync.transport.actions_by_name["faster"].trigger()
        await settle(3.0)
        await capture(out / "playback_sync_2x2.png", sync)
    finally:
        sync.close_playback()
        sync.close()


async def main(out: Path, mode: RenderMode) -> None:
    out.mkdir(parents=True, exist_ok=True)
    vlc = VlcInstance()
    try:
        with tempfile.TemporaryDirectory(prefix="playback-shots-") as tmp:
            backend = FakeBackend()
            cameras = seed(backend, Path(tmp))
            await single_view(out, backend, vlc, cameras, mode)
            await sync_view(out, backend, vlc, cameras, mode)
            await settle(0.5)
    finally:
        vlc.close()


def cli() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--memory", action="store_true")
    args = parser.parse_args()
    app = QApplication([])
    apply_theme(app)
    run_app(main(args.out, RenderMode.MEMORY if args.memory else RenderMode.AUTO))


if __name__ == "__main__":
    cli()
