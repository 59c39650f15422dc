"""The control channel's settings and line framing."""

from __future__ import annotations

from pathlib import Path

import pytest

from camsim.config import CameraConfig, Credentials
from camsim.control import ServerSettings, decode_line, encode_line


def test_settings_round_trip_through_one_json_line() -> None:
    settings = ServerSettings(
        cameras=(CameraConfig("a"), CameraConfig("b", "mjpeg", source="loop")),
        credentials=Credentials("u", "p\nw", "digest"),
        host="127.0.0.1",
        workdir=Path("/tmp/x"),
    )

    line = encode_line(settings.to_json())

    assert line.count(b"\n") == 1
    assert line.endswith(b"\n")
    assert ServerSettings.from_json(decode_line(line)) == settings


def test_decode_line_rejects_non_objects() -> None:
    with pytest.raises(TypeError, match="not a JSON object"):
        decode_line(b"[1, 2]\n")
    with pytest.raises(ValueError, match=r"."):
        decode_line(b"{not json\n")
