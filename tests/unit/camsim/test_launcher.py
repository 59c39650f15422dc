"""The launcher's pure parts: URLs with quoted credentials, argument checks, and the server's path."""

from __future__ import annotations

from pathlib import Path

import pytest

import camsim
from camsim.channel import package_root, server_environment
from camsim.config import CameraConfig, CamSimError, Credentials
from camsim.launcher import SimulatedCameras


def test_url_quotes_credentials_and_can_leave_them_out() -> None:
    cameras = SimulatedCameras([CameraConfig("a")], credentials=Credentials("op", "p@ss:w/rd"))
    cameras.ports = {"a": 8554}

    assert cameras.url("a", "sub") == "rtsp://op:p%40ss%3Aw%2Frd@127.0.0.1:8554/sub"
    assert cameras.url("a", credentials=False) == "rtsp://127.0.0.1:8554/main"
    with pytest.raises(ValueError, match="no stream"):
        cameras.url("a", "third")  # type: ignore[arg-type]
    with pytest.raises(KeyError):
        cameras.url("b")


def test_commands_before_start_raise_camsim_error() -> None:
    cameras = SimulatedCameras([CameraConfig("a")])

    with pytest.raises(CamSimError, match="not running"):
        cameras.sessions("a", "main")
    with pytest.raises(KeyError):
        cameras.fault("nope", 1.0)


def test_server_path_holds_only_the_camsim_package_root(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PYTHONPATH", "/somewhere/site-packages")
    monkeypatch.setenv("PYTHONHOME", "/venv")

    env = server_environment()

    assert env["PYTHONPATH"] == str(package_root())
    assert "PYTHONHOME" not in env
    assert (package_root() / "camsim" / "__init__.py").samefile(Path(camsim.__file__ or ""))


def test_start_with_a_missing_interpreter_raises_and_cleans_up(tmp_path: Path) -> None:
    cameras = SimulatedCameras([CameraConfig("a")], python=str(tmp_path / "no-python"))

    with pytest.raises(CamSimError, match="cannot start the camera server"):
        cameras.start(timeout=5)

    with pytest.raises(CamSimError, match="not running"):
        _ = cameras.pid
