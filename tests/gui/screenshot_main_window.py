"""Renders the main window over the FakeBackend's demo cameras to a PNG, for a human to look at.

Run under a display (or offscreen), from the repository root:
    xvfb-run -a -s "-screen 0 1600x1000x24" .venv/bin/python -m tests.gui.screenshot_main_window OUT.png
Options: --log (show the log dock), --dialog (also save OUT-dialog.png with the add-camera dialog),
--recording (cameras in every recording state), --storage (open the storage panel; implies --recording),
--alert (the volume nearly full and a storage alert; implies --storage).
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import sys
import time
from dataclasses import replace
from pathlib import Path

from PySide6.QtWidgets import QApplication

from backend_embed.api import (
    Camera,
    CameraStatus,
    CameraStatusInfo,
    RecorderState,
    RecordingSettings,
)
from tests.helpers.fake_backend import ONLINE_PROBE, FakeBackend, demo_storage, seed_demo
from vas_console.logsetup import configure_logging
from vas_console.ui.aio import run_app
from vas_console.ui.camera_dialog import CameraDialog
from vas_console.ui.main_window import MainWindow
from vas_console.ui.theme import apply_theme


def seed_recording_states(backend: FakeBackend, cameras: dict[str, Camera]) -> None:
    """Four more cameras, then one recorder state of every kind, and a storage report for all eight."""
    yard = next(g for g in backend.groups.values() if g.name == "Yard")
    office = backend.seed_group("Back office")
    online = CameraStatusInfo(0, CameraStatus.ONLINE, probe=ONLINE_PROBE)
    mjpeg = replace(ONLINE_PROBE, codec="mjpeg", width=1024, height=768, fps=10.0)
    more = {
        "parking": backend.seed_camera(
            "Parking", "rtsp://192.0.2.23/h264", group=yard, status=online
        ),
        "stairs": backend.seed_camera(
            "Stairwell", "rtsp://192.0.2.31/s", group=office, status=online
        ),
        "corridor": backend.seed_camera(
            "Corridor", "rtsp://192.0.2.32/c", group=office, status=online
        ),
        "server": backend.seed_camera(
            "Server room",
            "rtsp://192.0.2.33/main",
            group=office,
            status=online,
            recording=RecordingSettings(enabled=False),
        ),
    }
    cameras.update(more)
    backend.statuses[cameras["reception"].id] = replace(
        online, camera_id=cameras["reception"].id, probe=mjpeg
    )
    now_ms = int(time.time() * 1000)
    seed = backend.seed_recorder
    seed(cameras["entrance"].id, RecorderState.RECORDING, last_segment_end_ms=now_ms - 3000)
    seed(cameras["reception"].id, RecorderState.RECORDING, transcoding=True, restarts=2)
    seed(
        cameras["gate"].id,
        RecorderState.RECONNECTING,
        reason="no route to host 192.0.2.21",
        retry_in_s=12,
        restarts=5,
    )
    seed(cameras["loading"].id, RecorderState.FAILED, reason="the camera rejected the password")
    seed(cameras["parking"].id, RecorderState.DISK_FULL, reason="less than 2 GB free on the volume")
    seed(cameras["stairs"].id, RecorderState.STARTING)
    seed(cameras["corridor"].id, RecorderState.STOPPED)
    order = ("entrance", "reception", "gate", "parking", "loading", "stairs", "corridor")
    backend.storage = demo_storage([cameras[k] for k in order], now_ms)


async def render(out: Path, args: argparse.Namespace) -> None:
    storage = args.storage or args.alert
    backend = FakeBackend()
    cameras = seed_demo(backend)
    if args.recording or storage:
        seed_recording_states(backend, cameras)
    window = MainWindow(backend, configure_logging(None, console=False), database_kind="SQLite")
    window.resize(1560 if storage else 1440, 960 if storage else 900)
    window.show()
    await window.load()
    if args.log:
        window.log_action.trigger()
        logging.getLogger("vas_console.demo").info(
            "Camera North gate: no route to host, retrying in 5 s"
        )
    if storage:
        window.disk_button.click()
    if args.alert:
        full = replace(backend.storage, free_bytes=backend.storage.total_bytes * 3 // 100)
        backend.alert_storage(
            "Recording stopped on Parking: the recordings volume is full and retention cannot make"
            " room, because 37 GB of it are protected.",
            full,
        )
    selected = next(iter(backend.cameras))
    window.tree.select_camera(selected)
    await asyncio.sleep(0.5)
    window.grab().save(str(out))
    print(f"saved {out}")
    if args.dialog:
        camera_dialog = CameraDialog(backend, list(backend.groups.values()), parent=window)
        camera_dialog.open()
        await asyncio.sleep(0.3)
        target = out.with_name(f"{out.stem}-dialog.png")
        camera_dialog.grab().save(str(target))
        print(f"saved {target}")
        camera_dialog.reject()
    window.close_for_quit()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("out", type=Path)
    parser.add_argument("--log", action="store_true")
    parser.add_argument("--dialog", action="store_true")
    parser.add_argument("--recording", action="store_true")
    parser.add_argument("--storage", action="store_true")
    parser.add_argument("--alert", action="store_true")
    args = parser.parse_args()
    os.environ.setdefault("QT_API", "pyside6")
    app = QApplication(sys.argv[:1])
    apply_theme(app)
    run_app(render(args.out, args))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
