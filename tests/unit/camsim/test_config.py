"""Camera and credential configs validate their values and survive the JSON round trip."""

from __future__ import annotations

from typing import Any

import pytest

from camsim.config import CameraConfig, Credentials


def test_camera_config_round_trips_through_json() -> None:
    config = CameraConfig("lobby-2", "h265", (800, 600), (400, 300), fps=15, gop=30, source="loop")

    assert CameraConfig.from_json(config.to_json()) == config


@pytest.mark.parametrize(
    "kwargs",
    [
        {"name": "has space"},
        {"name": ""},
        {"name": "x", "codec": "vp8"},
        {"name": "x", "main_size": (641, 360)},
        {"name": "x", "sub_size": (32, 32)},
        {"name": "x", "codec": "mjpeg", "sub_size": (320, 180)},
        {"name": "x", "fps": 0},
        {"name": "x", "gop": 0},
        {"name": "x", "source": "file"},
    ],
    ids=["space", "empty", "codec", "odd-width", "tiny", "mjpeg-not-8", "fps", "gop", "source"],
)
def test_camera_config_rejects_invalid_values(kwargs: dict[str, Any]) -> None:
    with pytest.raises(ValueError, match=r"."):
        CameraConfig(**kwargs)


def test_credentials_round_trip_and_hide_the_password_in_repr() -> None:
    credentials = Credentials("admin", "s3cret", "basic")

    assert Credentials.from_json(credentials.to_json()) == credentials
    assert "s3cret" not in repr(credentials)


@pytest.mark.parametrize(
    ("username", "password", "method"),
    [("", "p", "digest"), ("a:b", "p", "digest"), ("a", "", "digest"), ("a", "p", "ntlm")],
    ids=["no-user", "colon", "no-password", "method"],
)
def test_credentials_reject_invalid_values(username: str, password: str, method: Any) -> None:
    with pytest.raises(ValueError, match=r"."):
        Credentials(username, password, method)
