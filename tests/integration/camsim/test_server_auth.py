"""Basic and Digest authentication of the real camera server, as ffprobe sees it."""

from __future__ import annotations

import subprocess

import pytest

from camsim.config import AuthMethod, CameraConfig, Credentials
from tests.helpers.camsim_fixtures import CamSimFactory, ffprobe_stream
from tests.helpers.components import require_binary

pytestmark = [pytest.mark.requires_rtsp_server, pytest.mark.requires_ffmpeg]


@pytest.mark.parametrize("method", ["basic", "digest"])
def test_right_password_is_served_and_wrong_or_missing_one_gets_401(
    camsim_factory: CamSimFactory, method: AuthMethod
) -> None:
    credentials = Credentials("operator", "p@ss:w/rd", method)
    cameras = camsim_factory(
        [CameraConfig("a", main_size=(320, 240), sub_size=(160, 120))], credentials=credentials
    )
    good = cameras.url("a", "sub")
    wrong = good.replace("p%40ss%3Aw%2Frd", "nope")
    missing = cameras.url("a", "sub", credentials=False)
    assert wrong != good

    assert ffprobe_stream(good)["width"] == 160
    for url in (wrong, missing):
        result = subprocess.run(
            [require_binary("ffprobe"), "-v", "error", "-rtsp_transport", "tcp", url],
            capture_output=True, text=True, timeout=20, check=False,
        )  # fmt: skip
        assert result.returncode != 0
        assert "401" in result.stderr
