"""Per-camera behaviour of the real camera server: faults and session counts."""

from __future__ import annotations

import socket
import subprocess
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import pytest

from camsim.config import CameraConfig
from camsim.launcher import SimulatedCameras
from tests.helpers.camsim_fixtures import CamSimFactory, ffprobe_stream
from tests.helpers.components import require_binary

pytestmark = [pytest.mark.requires_rtsp_server, pytest.mark.requires_ffmpeg]


def _small(name: str) -> CameraConfig:
    return CameraConfig(name, main_size=(320, 240), sub_size=(160, 120))


def _accepts(port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(1)
        return sock.connect_ex(("127.0.0.1", port)) == 0


def _wait_for(predicate: Callable[[], bool], timeout: float) -> float:
    """Return the seconds it took until `predicate()` held; fail after `timeout`."""
    start = time.monotonic()
    while not predicate():
        if time.monotonic() - start > timeout:
            pytest.fail(f"condition not met within {timeout} s")
        time.sleep(0.05)
    return time.monotonic() - start


@contextmanager
def _playing(url: str) -> Iterator[subprocess.Popen[bytes]]:
    """Run an ffmpeg client that plays `url` (over TCP) until the block ends; always reaped."""
    ffmpeg = require_binary("ffmpeg")
    client = subprocess.Popen(
        [ffmpeg, "-v", "error", "-rtsp_transport", "tcp", "-i", url, "-f", "null", "-"],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        yield client
    finally:
        client.kill()
        client.wait(10)


def test_fault_refuses_connections_for_its_duration_then_serves_again(
    camsim_factory: CamSimFactory,
) -> None:
    cameras = camsim_factory([_small("a"), _small("b")])
    port = cameras.ports["a"]

    cameras.fault("a", 1.5)
    refused_at = time.monotonic()

    assert not _accepts(port)
    assert _accepts(cameras.ports["b"]), "a fault must only affect its own camera"
    _wait_for(lambda: _accepts(port), timeout=6)
    assert 1.0 <= time.monotonic() - refused_at <= 3.0
    assert ffprobe_stream(cameras.url("a", "sub"))["width"] == 160


def test_fault_closes_existing_sessions(camsim_factory: CamSimFactory) -> None:
    cameras = camsim_factory([_small("a")])
    with _playing(cameras.url("a", "sub")) as client:
        _wait_for(lambda: cameras.sessions("a", "sub") == 1, timeout=10)

        cameras.fault("a", 1.0)

        assert client.wait(10) is not None, "the client was not disconnected"
        assert cameras.sessions("a", "sub") == 0


def test_sessions_counts_the_clients_of_each_stream(camsim_factory: CamSimFactory) -> None:
    cameras: SimulatedCameras = camsim_factory([_small("a")])
    assert cameras.sessions("a", "sub") == 0

    # one client after the other: two joining a shared media in the same instant can trip an assertion
    # inside GStreamer's RTSP server (gst_rtsp_media_get_rates, Debian 12's 1.22) and kill the simulator
    with _playing(cameras.url("a", "sub")):
        _wait_for(lambda: cameras.sessions("a", "sub") == 1, timeout=10)
        with _playing(cameras.url("a", "sub")):
            _wait_for(lambda: cameras.sessions("a", "sub") == 2, timeout=10)
            assert cameras.sessions("a", "main") == 0

    _wait_for(lambda: cameras.sessions("a", "sub") == 0, timeout=5)
