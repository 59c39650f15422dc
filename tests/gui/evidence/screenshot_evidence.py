"""Renders the export dialog mid-export and the verify dialog's verdicts to PNGs, for a human to look at.

Run from the repository root:
    QT_QPA_PLATFORM=offscreen .venv/bin/python -m tests.gui.evidence.screenshot_evidence [OUTDIR]
Writes OUTDIR (docs/screenshots by default)/export_progress.png, export_done.png, export_verify.png
(NOT VALID: one clip altered, one missing) and export_verify_valid.png.
Real: the dialogs, the theme, the qasync loop. Fake: the backend (FakeBackend: the export is held at 40 %
by `export_gate`; the verify answers are scripted).
"""

from __future__ import annotations

import argparse
import asyncio
import shutil
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

from PySide6.QtWidgets import QApplication, QWidget

from backend_embed.api import (
    ExportFileState,
    ExportFileVerdict,
    ExportProgress,
    ExportVerification,
)
from tests.helpers.fake_backend import FakeBackend
from vas_console.ui.aio import run_app
from vas_console.ui.evidence.export_dialog import ExportDialog
from vas_console.ui.evidence.verify_dialog import VerifyDialog
from vas_console.ui.theme import apply_theme

START_MS = 1_795_255_200_000  # 2026-11-21 10:00:00 UTC
END_MS = START_MS + 15 * 60_000
GATE = "Gate_20261121T095958Z_20261121T101502Z.mp4"
YARD = "Yard_North_20261121T095958Z_20261121T101502Z.mp4"
LOBBY = "Lobby_20261121T095958Z_20261121T101502Z.mp4"


async def until(predicate: Callable[[], bool], timeout_s: float = 10.0) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout_s
    while not predicate():
        if loop.time() > deadline:
            raise TimeoutError("the dialog never got there")
        await asyncio.sleep(0.02)


async def settle(widget: QWidget, path: Path) -> None:
    await asyncio.sleep(0.2)
    QApplication.processEvents()
    widget.grab().save(str(path))
    print(f"wrote {path}")


def verification(folder: Path, *, valid: bool) -> ExportVerification:
    altered = ExportFileState.OK if valid else ExportFileState.ALTERED
    missing = ExportFileState.OK if valid else ExportFileState.MISSING
    files = (
        ExportFileVerdict(GATE, altered),
        ExportFileVerdict(YARD, missing),
        ExportFileVerdict(LOBBY, ExportFileState.OK),
    )
    return ExportVerification(
        str(folder), valid, True, "3f9a:0c2e:b871:54d6", True, files, (), "report"
    )


async def main(out: Path) -> None:
    backend = FakeBackend()
    cameras = [backend.seed_camera(n) for n in ("Gate", "Yard North", "Lobby", "Loading bay")]
    # a short, fixed path to show (the fake writes its small files there; removed at the end)
    exports = Path(tempfile.gettempdir()) / "case-2026-117"
    shutil.rmtree(exports, ignore_errors=True)
    exports.mkdir()
    try:
        dialog = ExportDialog(
            backend,
            [(c.id, c.name) for c in cameras],
            selected={cameras[0].id, cameras[1].id, cameras[2].id},
            start_ms=START_MS,
            end_ms=END_MS,
            destination=str(exports),
        )
        dialog.show()
        backend.export_gate = asyncio.Event()
        dialog.start_export()
        await until(lambda: bool(backend.exports))
        job = backend.exports[0].job_id
        await asyncio.sleep(0.1)
        backend.emit(ExportProgress(job, 0.4, "Yard North (2 of 3)"))
        await until(lambda: dialog.progress_bar.value() == 400)
        await settle(dialog, out / "export_progress.png")
        backend.export_gate.set()
        await until(lambda: dialog.result_panel.isVisible())
        await settle(dialog, out / "export_done.png")
        folder = Path(dialog.result_panel.folder)
        dialog.close()

        for valid, name in ((False, "export_verify.png"), (True, "export_verify_valid.png")):
            backend.verifications[folder] = verification(folder, valid=valid)
            verify = VerifyDialog(backend)
            verify.show()
            verify.verify(str(folder))
            await until(lambda v=verify: v.verification is not None)  # type: ignore[misc]
            await settle(verify, out / name)
            verify.close()
    finally:
        shutil.rmtree(exports, ignore_errors=True)
        backend.close_evidence()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("outdir", type=Path, nargs="?", default=Path("docs/screenshots"))
    args = parser.parse_args()
    args.outdir.mkdir(parents=True, exist_ok=True)
    app = QApplication(sys.argv[:1])
    apply_theme(app)
    run_app(main(args.outdir))
