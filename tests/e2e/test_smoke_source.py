"""The console from source (the .venv's `vas-console`) starts, shows its window under Xvfb and exits cleanly."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from tests.e2e.console_process import assert_clean_smoke_run, run_console
from tests.helpers.components import require_file

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
