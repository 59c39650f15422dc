"""Renders the main window over the FakeBackend's demo cameras to a PNG, for a human to look at.

Run under a display (or offscreen), from the repository root:
    xvfb-run -a -s "-screen 0 1600x1000x24" .venv/bin/python -m tests.gui.screenshot_main_window OUT.png
Options: --log (show the log dock), --dialog (also save OUT-dialog.png with the add-camera dialog).
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import sys
from pathlib import Path

from PySide6.QtWidgets import QApplication

from tests.helpers.fake_backend import FakeBackend, seed_demo
from vas_console.logsetup import configure_logging
from vas_console.ui.aio import run_app
from vas_console.ui.camera_dialog import CameraDialog
from vas_console.ui.main_window import MainWindow
from vas_console.ui.theme import apply_theme


async def render(out: Path, *, show_log: bool, dialog: bool) -> None:
    backend = FakeBackend()
    seed_demo(backend)
    window = MainWindow(backend, configure_logging(None, console=False), database_kind="SQLite")
    window.resize(1440, 900)
    window.show()
    await window.load()
    if show_log:
        window.log_action.trigger()
        logging.getLogger("vas_console.demo").info(
            "Camera North gate: no route to host, retrying in 5 s"
        )
    selected = next(iter(backend.cameras))
    window.tree.select_camera(selected)
    await asyncio.sleep(0.3)
    window.grab().save(str(out))
    print(f"saved {out}")
    if dialog:
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
    args = parser.parse_args()
    os.environ.setdefault("QT_API", "pyside6")
    app = QApplication(sys.argv[:1])
    apply_theme(app)
    run_app(render(args.out, show_log=args.log, dialog=args.dialog))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
