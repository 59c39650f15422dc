"""Renders the snapshot gallery (a camera filter applied) and its viewer (zoomed in) to PNGs, for a human.

Run from the repository root (no display needed):
    QT_QPA_PLATFORM=offscreen .venv/bin/python -m tests.gui.gallery.screenshot_gallery [OUTDIR]
Writes OUTDIR/gallery_filters.png and OUTDIR/gallery_viewer.png (OUTDIR defaults to docs/screenshots).
Real: the gallery, its thumbnail cache and viewer, JPEG files. Fake: the backend (FakeBackend), and the
pictures, painted scenes standing in for camera frames.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QFont, QImage, QLinearGradient, QPainter
from PySide6.QtWidgets import QApplication

from backend_embed.api import Snapshot, SnapshotSource
from tests.helpers.fake_backend import FakeBackend
from vas_console.ui.aio import run_app
from vas_console.ui.figures import local_datetime
from vas_console.ui.gallery.gallery import SnapshotGallery
from vas_console.ui.theme import apply_theme

CAMERAS = ("Entrance", "Reception", "Gate", "Loading bay", "Car park N", "Server room")
SIZES = ((1920, 1080), (1280, 720), (704, 576), (640, 480))
NOW_MS = int(time.time() * 1000)


def paint_scene(snapshot: Snapshot, index: int) -> None:
    """Overwrite the fake's grey JPEG with a scene: sky and floor in a camera's tint, shapes, an OSD line."""
    width, height = snapshot.width, snapshot.height
    image = QImage(width, height, QImage.Format.Format_RGB32)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    tint = QColor.fromHsv((index * 47) % 360, 60, 60 + (index * 29) % 120)
    sky = QLinearGradient(0, 0, 0, height * 0.6)
    sky.setColorAt(0, tint.lighter(170))
    sky.setColorAt(1, tint)
    painter.fillRect(QRectF(0, 0, width, height * 0.6), sky)
    painter.fillRect(QRectF(0, height * 0.6, width, height * 0.4), tint.darker(200))
    painter.setPen(Qt.PenStyle.NoPen)
    for block in range(4):
        shade = QColor.fromHsv((index * 31 + block * 70) % 360, 40, 90 + block * 30)
        painter.setBrush(shade)
        x = width * (0.08 + 0.22 * block)
        painter.drawRect(QRectF(x, height * (0.3 + 0.05 * (block % 2)), width * 0.14, height * 0.3))
    painter.setBrush(QColor(230, 230, 230))
    painter.drawEllipse(
        QPointF(width * (0.2 + 0.6 * ((index * 37) % 10) / 10), height * 0.75),
        width * 0.03,
        height * 0.08,
    )
    plate = QRectF(width * 0.44, height * 0.47, width * 0.12, height * 0.06)
    painter.setBrush(QColor("#f2f2ee"))
    painter.setPen(QColor("#222222"))
    painter.drawRoundedRect(plate, 4, 4)
    plate_font = QFont()
    plate_font.setPixelSize(max(8, round(plate.height() * 0.6)))
    plate_font.setBold(True)
    painter.setFont(plate_font)
    painter.drawText(plate, Qt.AlignmentFlag.AlignCenter, f"VAS {4000 + index * 137}")
    font = QFont()
    font.setPixelSize(max(12, height // 24))
    font.setBold(True)
    painter.setFont(font)
    painter.setPen(QColor("#ffffff"))
    osd = f"{snapshot.camera_name}   {local_datetime(snapshot.time_ms, seconds=True)}"
    painter.drawText(QRectF(width * 0.02, height * 0.02, width, height * 0.1), osd)
    painter.end()
    image.save(snapshot.path, quality=88)  # JPEG, from the suffix


def seed(backend: FakeBackend) -> dict[str, int]:
    """40 snapshots over six cameras and a removed one, live and recorded, some protected."""
    ids = {name: backend.seed_camera(name).id for name in CAMERAS}
    for index in range(40):
        name = CAMERAS[index % len(CAMERAS)]
        camera_id: int | None = ids[name]
        if index == 17:
            camera_id, name = None, "Old lobby"
        snapshot = backend.seed_snapshot(
            camera_id,
            NOW_MS - index * 47 * 60_000,
            source=SnapshotSource.RECORDED if index % 3 == 1 else SnapshotSource.LIVE,
            camera_name=name,
            size=SIZES[index % len(SIZES)],
            protected=index % 7 == 2,
        )
        paint_scene(snapshot, index)
    return ids


async def until(predicate: Callable[[], bool], timeout_s: float = 10.0) -> None:
    deadline = time.monotonic() + timeout_s
    while not predicate():
        if time.monotonic() > deadline:
            raise TimeoutError("the gallery did not get there in time")
        await asyncio.sleep(0.05)


async def main(out: Path) -> None:
    backend = FakeBackend()
    cameras = seed(backend)
    gallery = SnapshotGallery(backend)
    gallery.resize(1440, 900)
    gallery.show()
    try:
        await gallery.reload()
        wanted = {cameras["Entrance"], cameras["Gate"], cameras["Car park N"]}
        gallery.filter_bar.set_checked_cameras(wanted)
        gallery.filter_bar.set_period(gallery.filter_bar.period.WEEK)
        await until(lambda: {s.camera_id for s in gallery.model.snapshots()} == wanted)
        shown = gallery.model.snapshots()
        gallery.select_ids([shown[1].id, shown[4].id])
        gallery.list_view.setFocus()
        await until(lambda: all(gallery.cache.known(s.id) for s in shown[:16]))
        await asyncio.sleep(0.2)
        gallery.grab().save(str(out / "gallery_filters.png"))
        print(f"wrote {out / 'gallery_filters.png'}")
        big = next(s for s in shown if s.width == 1920)
        gallery.select_ids([big.id])
        gallery.view_current()
        viewer = gallery.viewer
        assert viewer is not None
        await until(viewer.isVisible)
        await asyncio.sleep(0.2)
        viewer.zoom_in()
        viewer.zoom_in()
        await asyncio.sleep(0.2)
        viewer.grab().save(str(out / "gallery_viewer.png"))
        print(f"wrote {out / 'gallery_viewer.png'}")
    finally:
        gallery.close_gallery()
        await gallery.tasks.aclose()
        gallery.close()
        backend.close_evidence()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("outdir", type=Path, nargs="?", default=Path("docs/screenshots"))
    args = parser.parse_args()
    args.outdir.mkdir(parents=True, exist_ok=True)
    app = QApplication(sys.argv[:1])
    apply_theme(app)
    run_app(main(args.outdir))
