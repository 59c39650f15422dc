"""Renders the live wall with live video from simulated cameras to PNGs, for a human to look at.

Run under a display, from the repository root:
    xvfb-run -a -s "-screen 0 1600x1000x24" .venv/bin/python -m tests.gui.live.screenshot_live_wall OUTDIR
Writes OUTDIR/live_2x2.png, live_4x4.png, live_maximised.png, live_offline.png and live_wall_mode.png.
Real: camsim cameras (cam1..cam4 live, the rest looping clips), the recorder's WHEP service (LiveService,
on a loop of its own), WhepSession on a worker loop, the wall. Fake: the camera registry (FakeBackend).
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QPointF
from PySide6.QtGui import QCursor, QEnterEvent
from PySide6.QtWidgets import QApplication, QMainWindow

from backend_embed.api import LiveCodecPath, LiveEndpoint, StreamRole
from camsim.config import CameraConfig
from camsim.launcher import SimulatedCameras
from tests.helpers.fake_backend import FakeBackend
from tests.helpers.whep_server import ThreadedWhepServer
from vas_console.core.layouts import LayoutKind, LayoutStore
from vas_console.media.live import LiveState
from vas_console.media.webrtc_client import WhepOptions, whep_session_factory
from vas_console.runtime.loop_thread import LoopThread
from vas_console.ui.aio import run_app
from vas_console.ui.live.live_wall import LiveWall
from vas_console.ui.theme import apply_theme

NAMES = (
    "Entrance", "Reception", "Gate", "Level -1", "Loading bay", "Stairwell", "Corridor A",
    "Corridor B", "Server room", "Lift lobby", "Car park N", "Car park S", "Roof", "Kitchen",
    "Workshop", "Back door",
)  # fmt: skip
LIVE_CAMERAS = 4


def seed(backend: FakeBackend, server: ThreadedWhepServer, count: int) -> list[int]:
    """Cameras named like a site, each with the WHEP endpoints of one simulated camera."""
    ids = []
    for index in range(count):
        camera = backend.seed_camera(NAMES[index])
        for stream, size in ((StreamRole.MAIN, (1280, 720)), (StreamRole.SUB, (640, 360))):
            url = server.url(f"cam{index + 1}", stream.value)
            backend.live_endpoints[(camera.id, stream)] = LiveEndpoint(
                camera.id, stream, url, LiveCodecPath.PASSTHROUGH, *size, bearer_token=server.token
            )
        ids.append(camera.id)
    return ids


async def until(predicate: Callable[[], bool], timeout_s: float = 20.0) -> None:
    deadline = time.monotonic() + timeout_s
    while not predicate():
        if time.monotonic() > deadline:
            raise TimeoutError("the wall did not get there in time")
        await asyncio.sleep(0.05)


async def show(wall: LiveWall, kind: LayoutKind, cameras: list[int | None]) -> None:
    """Lay the wall out as `kind` with `cameras`, then wait until each camera's tile is live."""
    for index in range(len(wall.tiles)):
        wall.clear_tile(index)
    wall.set_layout(kind)
    for index, camera_id in enumerate(cameras):
        if camera_id is not None:
            wall.show_camera(index, camera_id)
    wanted = [i for i, c in enumerate(cameras) if c is not None]
    await until(lambda: all(_live(wall, i) for i in wanted))
    await asyncio.sleep(1.5)  # the stream switch after the layout settled, and a few fresh frames


def _live(wall: LiveWall, index: int) -> bool:
    status = wall.tiles[index].status
    return (
        status is not None
        and status.state is LiveState.LIVE
        and wall.tiles[index].painted_frames > 0
    )


def save(window: QMainWindow, path: Path) -> None:
    window.grab().save(str(path))
    print(f"wrote {path}")


def hover(wall: LiveWall, index: int) -> None:
    tile = wall.tiles[index]
    centre = QPointF(tile.rect().center())
    QApplication.sendEvent(tile, QEnterEvent(centre, centre, QPointF(tile.mapToGlobal(centre))))


async def shoot(
    wall: LiveWall, window: QMainWindow, backend: FakeBackend, ids: list[int], out: Path
) -> None:
    await show(wall, LayoutKind.GRID_2X2, list(ids[:4]))
    hover(wall, 1)
    await asyncio.sleep(1.2)
    save(window, out / "live_2x2.png")
    await show(wall, LayoutKind.GRID_4X4, list(ids[:16]))
    save(window, out / "live_4x4.png")
    await show(wall, LayoutKind.SPOTLIGHT_1_5, [ids[0], ids[1], ids[2], ids[3], ids[4], ids[5]])
    wall.toggle_maximised(0)
    await until(lambda: str(wall.feeds.stream_of(wall.tiles[0])) == "main")
    await asyncio.sleep(1.5)
    hover(wall, 0)
    await asyncio.sleep(1.2)
    save(window, out / "live_maximised.png")
    wall.toggle_maximised(0)
    await offline_shot(wall, window, backend, ids, out)
    await show(wall, LayoutKind.GRID_3X3, list(ids[:9]))
    wall.set_wall_mode(True)
    screen = window.screen()
    if screen is not None and window.geometry() != screen.geometry():
        # Xvfb has no window manager to honour full screen: give the window the screen ourselves.
        window.setGeometry(screen.geometry())
    await asyncio.sleep(2.0)
    save(window, out / "live_wall_mode.png")
    wall.set_wall_mode(False)


async def offline_shot(
    wall: LiveWall, window: QMainWindow, backend: FakeBackend, ids: list[int], out: Path
) -> None:
    """Two live tiles, one recorder that went away (reconnecting), one stream the recorder refuses."""
    gone = backend.seed_camera("Yard (recorder gone)")
    refused = backend.seed_camera("Dock (no such stream)")
    for stream in (StreamRole.MAIN, StreamRole.SUB):
        live = backend.live_endpoints[(ids[0], stream)]
        backend.live_endpoints[(gone.id, stream)] = LiveEndpoint(
            gone.id, stream, "http://127.0.0.1:9/whep/1/main", LiveCodecPath.PASSTHROUGH, 1280, 720,
            bearer_token=live.bearer_token,
        )  # fmt: skip
        url = live.whep_url.replace("/whep/1/", "/whep/99/")
        backend.live_endpoints[(refused.id, stream)] = LiveEndpoint(
            refused.id, stream, url, LiveCodecPath.PASSTHROUGH, 1280, 720,
            bearer_token=live.bearer_token,
        )  # fmt: skip
    await show(wall, LayoutKind.GRID_2X2, [ids[0], ids[1], None, None])
    wall.show_camera(2, gone.id)
    wall.show_camera(3, refused.id)

    def states() -> list[LiveState | None]:
        return [t.status.state if t.status else None for t in wall.tiles[2:4]]

    await until(lambda: states() == [LiveState.RECONNECTING, LiveState.OFFLINE])
    await asyncio.sleep(0.3)
    save(window, out / "live_offline.png")


async def main(out: Path) -> None:
    worker = LoopThread("screenshot-worker")
    worker.start()
    with tempfile.TemporaryDirectory(prefix="live-shots-") as tmp:
        configs = [
            CameraConfig(f"cam{i + 1}", source="live" if i < LIVE_CAMERAS else "loop")
            for i in range(len(NAMES))
        ]
        cameras = SimulatedCameras(configs, workdir=Path(tmp) / "camsim")
        await asyncio.to_thread(cameras.start)
        server = ThreadedWhepServer(cameras)
        await asyncio.to_thread(server.start)
        backend = FakeBackend()
        ids = seed(backend, server, len(NAMES))
        factory = whep_session_factory(WhepOptions(ice_addresses=("127.0.0.1",)))
        window = QMainWindow()
        window.setWindowTitle("VAS Console — Live")
        wall = LiveWall(
            backend, worker, LayoutStore(Path(tmp) / "layouts.json"), session_factory=factory
        )
        window.setCentralWidget(wall)
        window.resize(1440, 860)
        window.show()
        QCursor.setPos(0, 0)  # hover comes from hover(), not from wherever Xvfb left the pointer
        try:
            await wall.restore()
            await shoot(wall, window, backend, ids, out)
        finally:
            await wall.aclose()
            window.close()
            await asyncio.to_thread(server.stop)
            await asyncio.to_thread(cameras.stop)
            worker.stop()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("outdir", type=Path)
    args = parser.parse_args()
    args.outdir.mkdir(parents=True, exist_ok=True)
    logging.basicConfig(level=logging.WARNING)
    logging.getLogger("aiortc").setLevel(logging.ERROR)
    app = QApplication(sys.argv[:1])
    apply_theme(app)
    run_app(main(args.outdir))
