"""The console killed mid-write: at the next start no recording is orphaned and no index row dangles."""

from __future__ import annotations

import asyncio
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest

from backend_embed.config import BackendConfig
from backend_embed.host import BackendHost
from camsim.config import CameraConfig
from tests.helpers.camsim_fixtures import CamSimFactory

pytestmark = [pytest.mark.requires_rtsp_server, pytest.mark.requires_ffmpeg, pytest.mark.slow]

REPO = Path(__file__).resolve().parents[3]


def _recorders_of(data_dir: Path) -> list[psutil.Process]:
    found = []
    for proc in psutil.process_iter(["name", "cmdline"]):
        cmdline = proc.info["cmdline"] or []
        if proc.info["name"] == "ffmpeg" and any(str(data_dir) in arg for arg in cmdline):
            found.append(proc)
    return found


def _index(data_dir: Path) -> set[str]:
    with sqlite3.connect(data_dir / "vas.sqlite3") as db:
        return {row[0] for row in db.execute("SELECT path FROM recording_segments")}


def _start_killable_host(config_dir: Path, data_dir: Path, url: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "tests.integration.backend_embed.host_process",
            str(config_dir),
            str(data_dir),
            url,
        ],
        cwd=REPO,
        stdout=subprocess.PIPE,
        text=True,
    )


async def test_sigkill_of_the_app_mid_write_is_recovered_at_the_next_start(
    tmp_path: Path, camsim_factory: CamSimFactory
) -> None:
    cameras = camsim_factory([CameraConfig("yard", source="loop")])
    config_dir, data_dir = tmp_path / "config", tmp_path / "data"
    app = _start_killable_host(config_dir, data_dir, cameras.url("yard", "main"))
    try:
        assert app.stdout is not None
        line = await asyncio.wait_for(asyncio.to_thread(app.stdout.readline), 60)
        assert line.strip() == "RECORDING"
        await asyncio.sleep(1.5)  # mid-segment
        app.send_signal(signal.SIGKILL)
        app.wait(10)
    finally:
        app.kill()
        app.wait()
        if app.stdout is not None:
            app.stdout.close()
    deadline = time.monotonic() + 10
    # the kernel sends each ffmpeg its parent-death signal; poll the process table until they are gone
    while _recorders_of(data_dir) and time.monotonic() < deadline:  # noqa: ASYNC110
        await asyncio.sleep(0.1)
    assert _recorders_of(data_dir) == []

    config = BackendConfig.local(config_dir, data_dir, recheck_interval_s=0, record=True)
    host = BackendHost(config)
    await host.start()  # recovery runs before anything records
    await host.stop()

    root = data_dir / "recordings"
    on_disk = {
        p.relative_to(root).as_posix() for p in root.rglob("*.ts") if "quarantine" not in p.parts
    }
    indexed = _index(data_dir)  # paths relative to the recordings root
    assert on_disk, "the killed recorder wrote segments"
    assert on_disk - indexed == set(), f"orphans {sorted(on_disk - indexed)} of {sorted(on_disk)}"
    assert {p for p in indexed if not (root / p).exists()} == set(), "rows whose files vanished"
