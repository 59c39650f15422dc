"""Tests for backend_embed.cameras.urls: credential splitting, every rejection class, rebuilding for ffmpeg."""

from __future__ import annotations

import pytest

from backend_embed.api.errors import CameraUrlError
from backend_embed.cameras.urls import parse_camera_url, with_credentials


@pytest.mark.parametrize(
    ("text", "url", "username", "password"),
    [
        pytest.param(
            "rtsp://10.0.0.5:554/Streaming/101",
            "rtsp://10.0.0.5:554/Streaming/101",
            "",
            "",
            id="plain",
        ),
        pytest.param(
            "  rtsp://cam.local/live  ", "rtsp://cam.local/live", "", "", id="surrounding-spaces"
        ),
        pytest.param("RTSP://Cam/x", "rtsp://Cam/x", "", "", id="upper-case-scheme"),
        pytest.param("rtsps://cam.local:322/x", "rtsps://cam.local:322/x", "", "", id="rtsps"),
        pytest.param("rtsp://[::1]:8554/x", "rtsp://[::1]:8554/x", "", "", id="ipv6"),
        pytest.param(
            "rtsp://admin:secret@cam/x", "rtsp://cam/x", "admin", "secret", id="credentials"
        ),
        pytest.param("rtsp://admin@cam/x", "rtsp://cam/x", "admin", "", id="user-only"),
        pytest.param("rtsp://:secret@cam/x", "rtsp://cam/x", "", "secret", id="password-only"),
        pytest.param(
            "rtsp://admin:p@ss@cam/x", "rtsp://cam/x", "admin", "p@ss", id="raw-at-in-password"
        ),
        pytest.param(
            "rtsp://admin:p@ss:w/rd@10.0.0.5:554/Streaming/101",
            "rtsp://10.0.0.5:554/Streaming/101",
            "admin",
            "p@ss:w/rd",
            id="raw-at-colon-slash-in-password",
        ),
        pytest.param(
            "rtsp://admin:pa#ss@cam/x", "rtsp://cam/x", "admin", "pa#ss", id="raw-hash-in-password"
        ),
        pytest.param(
            "rtsp://admin:pa?ss@cam/x",
            "rtsp://cam/x",
            "admin",
            "pa?ss",
            id="raw-question-in-password",
        ),
        pytest.param(
            "rtsp://ad%20min:p%40ss%3Aw%2Frd%25@cam/x?a=1",
            "rtsp://cam/x?a=1",
            "ad min",
            "p@ss:w/rd%",
            id="percent-escapes-decoded",
        ),
        pytest.param("rtsp://cam/x#frag", "rtsp://cam/x", "", "", id="fragment-dropped"),
        pytest.param(
            "rtsp://cam/path@part/x",
            "rtsp://cam/path@part/x",
            "",
            "",
            id="at-in-path-is-not-userinfo",
        ),
        pytest.param(
            "rtsp://user@cam/a:b@c", "rtsp://cam/a:b@c", "user", "", id="user-and-at-in-path"
        ),
        pytest.param(
            "rtsp://cam/live?tag=a@b",
            "rtsp://cam/live?tag=a@b",
            "",
            "",
            id="at-in-query-is-not-userinfo",
        ),
    ],
)
def test_parse_camera_url_splits_credentials_out(
    text: str, url: str, username: str, password: str
) -> None:
    parsed = parse_camera_url(text)
    assert (parsed.url, parsed.username, parsed.password) == (url, username, password)


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        pytest.param("", "is empty", id="empty"),
        pytest.param("   ", "is empty", id="blank"),
        pytest.param("rtsp://cam/live stream", "contains spaces", id="space"),
        pytest.param("cam.local/live", "Not a URL", id="no-scheme"),
        pytest.param("rtsp:/cam/live", "Not a URL", id="one-slash"),
        pytest.param("http://cam/live", "Not an RTSP URL (http://)", id="http"),
        pytest.param("rtmp://cam/live", "Not an RTSP URL (rtmp://)", id="rtmp"),
        pytest.param("rtsp:///live", "has no host", id="no-host"),
        pytest.param("rtsp://user:pw@/live", "has no host", id="credentials-no-host"),
        pytest.param("rtsp://cam_1/live", "not a valid host name", id="underscore-host"),
        pytest.param("rtsp://-cam/live", "not a valid host name", id="leading-hyphen"),
        pytest.param("rtsp://999.1.1.1/live", "not a valid host name", id="bad-ipv4"),
        pytest.param("rtsp://cam:0/live", "not a number from 1 to 65535", id="port-zero"),
        pytest.param("rtsp://cam:65536/live", "not a number from 1 to 65535", id="port-too-big"),
        pytest.param("rtsp://cam:abc/live", "not a number from 1 to 65535", id="port-not-a-number"),
        pytest.param("rtsp://[::1/live", "not a valid address", id="unclosed-ipv6"),
    ],
)
def test_parse_camera_url_rejects_with_a_message_naming_the_problem(
    text: str, fragment: str
) -> None:
    with pytest.raises(CameraUrlError) as info:
        parse_camera_url(text, field_name="main_url")
    assert fragment in info.value.user_message
    assert info.value.field == "main_url"


@pytest.mark.parametrize(
    "text",
    [
        pytest.param("rtsp://admin:hunter two@cam/live", id="space-in-password"),
        pytest.param('rtsp://admin:hun"ter2@cam:0/live', id="quote-in-password-bad-port"),
        pytest.param("rtsp://admin:hunter2@-cam/live", id="bad-host"),
        pytest.param("rtsp://admin:hunter2@cam:99999/live", id="bad-port"),
        pytest.param("rtsp://admin:hunter2@/live", id="no-host"),
        pytest.param("rtsp://admin:hunter2@[::1/live", id="unclosed-ipv6"),
    ],
)
def test_rejection_messages_never_contain_the_password(text: str) -> None:
    with pytest.raises(CameraUrlError) as info:
        parse_camera_url(text)
    password = text.partition("admin:")[2].rpartition("@")[0]
    assert password not in str(info.value)
    assert "hunter" not in str(info.value)


@pytest.mark.parametrize(
    ("username", "password"),
    [
        pytest.param("admin", "secret", id="simple"),
        pytest.param("ad min", "p@ss:w/rd", id="reserved-characters"),
        pytest.param("admin", "100%  ?#&=+", id="percent-and-query-characters"),
        pytest.param("admin", "пароль✓", id="non-ascii"),
        pytest.param("admin", "", id="no-password"),
    ],
)
def test_with_credentials_round_trips_through_parse(username: str, password: str) -> None:
    full = with_credentials("rtsp://cam:554/live?x=1", username, password)
    parsed = parse_camera_url(full)
    assert (parsed.url, parsed.username, parsed.password) == (
        "rtsp://cam:554/live?x=1",
        username,
        password,
    )


def test_with_credentials_leaves_a_url_without_credentials_unchanged() -> None:
    assert with_credentials("rtsp://cam/live", "", "") == "rtsp://cam/live"
