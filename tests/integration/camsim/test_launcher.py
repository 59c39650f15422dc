"""The launcher against the real camera server: ports per camera, ready, stop, orphan safety, failures."""

from __future__ import annotations

import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest

from camsim.config import CameraConfig, CamSimError
from camsim.launcher import SimulatedCameras
from tests.helpers.camsim_fixtures import (
    SESSION_CAMERAS,
    CamSimFactory,
    ffprobe_stream,
    require_camsim_components,
)

pytestmark = [pytest.mark.requires_rtsp_server, pytest.mark.requires_ffmpeg]


def _small(name: str) -> CameraConfig:
    return CameraConfig(name, main_size=(320, 240), sub_size=(160, 120))


def _accepts(port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(1)
        return sock.connect_ex(("127.0.0.1", port)) == 0


def _gone(pid: int) -> bool:
    try:
        return bool(psutil.Process(pid).status() == psutil.STATUS_ZOMBIE)
    except psutil.NoSuchProcess:
        return True


def test_each_camera_listens_on_its_own_port(camsim_cameras: SimulatedCameras) -> None:
    ports = [camsim_cameras.ports[name] for name in SESSION_CAMERAS]

    assert len(set(ports)) == len(SESSION_CAMERAS)
    assert all(_accepts(port) for port in ports)
    assert camsim_cameras.url("cam2", "sub") == f"rtsp://127.0.0.1:{ports[1]}/sub"


@pytest.mark.parametrize(("stream", "size"), [("main", (1280, 720)), ("sub", (640, 360))])
def test_default_camera_serves_h264_main_and_sub_at_their_sizes(
    camsim_cameras: SimulatedCameras, stream: str, size: tuple[int, int]
) -> None:
    info = ffprobe_stream(camsim_cameras.url("cam1", stream))  # type: ignore[arg-type]

    assert (info["codec_name"], info["width"], info["height"]) == ("h264", *size)
    assert info["r_frame_rate"] == "25/1"


def test_stop_kills_and_reaps_the_server(camsim_factory: CamSimFactory) -> None:
    cameras = camsim_factory([_small("a")])
    pid, port = cameras.pid, cameras.ports["a"]

    cameras.stop()

    assert not psutil.pid_exists(pid) or _gone(pid)
    assert not _accepts(port)
    cameras.stop()  # idempotent


def test_server_exits_when_its_launcher_is_killed() -> None:
    require_camsim_components()
    script = (
        "import sys, time\n"
        "from camsim.config import CameraConfig\n"
        "from camsim.launcher import SimulatedCameras\n"
        "cams = SimulatedCameras([CameraConfig('a', main_size=(320, 240), sub_size=(160, 120))])\n"
        "cams.start()\n"
        "print(cams.pid, flush=True)\n"
        "time.sleep(60)\n"
    )
    launcher = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    try:
        assert launcher.stdout is not None
        server_pid = int(launcher.stdout.readline())
        assert psutil.pid_exists(server_pid)
        launcher.kill()
        launcher.wait(10)
        deadline = time.monotonic() + 10
        while not _gone(server_pid) and time.monotonic() < deadline:
            time.sleep(0.05)

        assert _gone(server_pid), "the camera server outlived its launcher"
    finally:
        launcher.kill()
        launcher.wait(10)
        if launcher.stdout is not None:
            launcher.stdout.close()


def test_start_failure_raises_with_the_servers_error(tmp_path: Path) -> None:
    require_camsim_components()
    # 192.0.2.1 (TEST-NET-1) is not an address of this host, so the camera cannot bind it
    cameras = SimulatedCameras([_small("a")], host="192.0.2.1", workdir=tmp_path)

    with pytest.raises(CamSimError, match=r"(?i)address"):
        cameras.start(timeout=20)
    cameras.stop()


def test_duplicate_camera_names_are_rejected() -> None:
    with pytest.raises(ValueError, match="unique"):
        SimulatedCameras([CameraConfig("a"), CameraConfig("a")])


def test_cli_prints_urls_and_stops_its_server_on_ctrl_c() -> None:
    require_camsim_components()
    cli = subprocess.Popen(
        [sys.executable, "-m", "camsim.launcher", "--cameras", "2", "--main-size", "320x240",
         "--sub-size", "160x120", "--user", "u", "--password", "p", "--auth", "basic"],
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
    )  # fmt: skip
    try:
        assert cli.stdout is not None
        lines = [cli.stdout.readline() for _ in range(2)]
        assert [line.split(":")[0] for line in lines] == ["cam1", "cam2"]
        url = lines[0].split()[1]
        assert url.startswith("rtsp://u:p@127.0.0.1:")
        assert ffprobe_stream(url)["width"] == 320
        server_pids = [child.pid for child in psutil.Process(cli.pid).children()]

        cli.send_signal(signal.SIGINT)

        assert cli.wait(15) == 0
        assert server_pids
        assert all(_gone(pid) for pid in server_pids)
    finally:
        cli.kill()
        cli.wait(10)
        if cli.stdout is not None:
            cli.stdout.close()
