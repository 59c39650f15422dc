"""The console from source (the .venv's `vas-console`) starts, shows its window under Xvfb and exits cleanly."""

from __future__ import annotations

import sys
import threading
import time
from pathlib import Path

import pytest

from tests.e2e.console_process import assert_clean_smoke_run, run_console
from tests.helpers.components import require_binary, require_file
from tests.helpers.display import XvfbServer
from vas_console.app import CAMERAS_LOADED_MARKER

pytestmark = pytest.mark.slow


def _source_console() -> str:
    """The console script the .venv installed for the project (editable: runs this checkout)."""
    script = Path(sys.executable).parent / "vas-console"
    return str(require_file(script, what="the vas-console console script"))


def test_smoke_test_shows_the_window_and_exits_cleanly(xvfb_display: str, tmp_path: Path) -> None:
    run = run_console(
        [_source_console(), "--temp-basedir", "--smoke-test", "3"],
        display=xvfb_display,
        workdir=tmp_path,
    )

    assert_clean_smoke_run(run)
    assert run.window_shown_ms is not None
    assert run.window_shown_ms >= run.launched_ms


@pytest.mark.requires_rtsp_server
def test_demo_smoke_test_starts_the_simulated_cameras_and_stops_them(
    xvfb_display: str, tmp_path: Path
) -> None:
    run = run_console(
        [_source_console(), "--demo", "--temp-basedir", "--smoke-test", "3"],
        display=xvfb_display,
        workdir=tmp_path,
    )

    assert_clean_smoke_run(run)
    camera_servers = [d for d in run.descendants if "camsim.server" in d.cmdline]
    assert camera_servers, f"no camsim.server process was started: {run.descendants}"
    assert camera_servers[0].cmdline[0] == "/usr/bin/python3"


def test_a_console_whose_display_goes_away_stops_its_recorder_and_exits(tmp_path: Path) -> None:
    # an X server that dies (or a session that ends) under the console: the window's loop stops, and the
    # recording host and the worker thread must not outlive it (the process used to hang at exit)
    server = XvfbServer.start(require_binary("Xvfb"), log_file=tmp_path / "xvfb.log")
    stdout = tmp_path / "stdout.txt"

    def kill_display_once_loaded() -> None:
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            if stdout.exists() and CAMERAS_LOADED_MARKER in stdout.read_text(errors="replace"):
                break
            time.sleep(0.1)
        server.stop()

    killer = threading.Thread(target=kill_display_once_loaded)
    killer.start()
    try:
        run = run_console(
            [_source_console(), "--temp-basedir"],
            display=server.display,
            workdir=tmp_path,
            timeout=45,  # hanging at exit is the failure: it took 4-5 s in all when it did not
        )
    finally:
        killer.join()
        server.stop()

    assert CAMERAS_LOADED_MARKER in run.stdout, run.describe()
    assert "stopping the recorder" in run.output, run.describe()
    hosts = [d for d in run.descendants if "backend_embed.host_process" in " ".join(d.cmdline)]
    assert hosts, f"the recording host never started: {run.descendants}"
    assert run.survivors == (), f"left running: {run.survivors}\n{run.describe()}"
