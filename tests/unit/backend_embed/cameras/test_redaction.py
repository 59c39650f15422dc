"""Tests for backend_embed.cameras.redaction: URL userinfo, query-string secrets and known secrets are masked."""

from __future__ import annotations

import pytest

from backend_embed.cameras.redaction import MASK, redact
from backend_embed.cameras.urls import with_credentials


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param("rtsp://admin:secret@cam/x", f"rtsp://admin:{MASK}@cam/x", id="userinfo"),
        pytest.param("rtsp://admin:p@ss@cam/x", f"rtsp://admin:{MASK}@cam/x", id="raw-at"),
        pytest.param(
            "rtsp://admin:p@ss:w/rd@10.0.0.5:554/Streaming/101",
            f"rtsp://admin:{MASK}@10.0.0.5:554/Streaming/101",
            id="raw-at-colon-slash",
        ),
        pytest.param(
            "rtsp://admin:p%40ss%3Aw%2Frd@cam/x", f"rtsp://admin:{MASK}@cam/x", id="percent-escaped"
        ),
        pytest.param(
            "[rtsp @ 0x55d0] method DESCRIBE failed: rtsp://u:pw@cam:554/main: 401 Unauthorized",
            f"[rtsp @ 0x55d0] method DESCRIBE failed: rtsp://u:{MASK}@cam:554/main: 401 Unauthorized",
            id="ffmpeg-line",
        ),
        pytest.param(
            "a rtsp://u:one@cam/1 and rtsps://v:two@cam/2 end",
            f"a rtsp://u:{MASK}@cam/1 and rtsps://v:{MASK}@cam/2 end",
            id="two-urls-in-one-line",
        ),
        pytest.param("rtsp://admin@cam/x", "rtsp://admin@cam/x", id="user-only-unchanged"),
        pytest.param("rtsp://cam:554/x", "rtsp://cam:554/x", id="no-credentials-unchanged"),
        pytest.param(
            "mail me at ops@example.com", "mail me at ops@example.com", id="email-unchanged"
        ),
        pytest.param("", "", id="empty"),
    ],
)
def test_redact_masks_the_password_in_urls(text: str, expected: str) -> None:
    assert redact(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param("rtsp://cam/x?password=abc", f"rtsp://cam/x?password={MASK}", id="password"),
        pytest.param(
            "rtsp://cam/x?user=a&pwd=abc&ch=1", f"rtsp://cam/x?user=a&pwd={MASK}&ch=1", id="pwd"
        ),
        pytest.param(
            "http://cam/x?TOKEN=abc#f", f"http://cam/x?TOKEN={MASK}#f", id="token-any-case"
        ),
        pytest.param("rtsp://cam/x?a=1&auth=abc", f"rtsp://cam/x?a=1&auth={MASK}", id="auth"),
        pytest.param(
            "rtsp://cam/x?a=1;secret=abc", f"rtsp://cam/x?a=1;secret={MASK}", id="semicolon"
        ),
        pytest.param(
            "rtsp://cam/x?access_token=abc&b=2",
            f"rtsp://cam/x?access_token={MASK}&b=2",
            id="access-token",
        ),
        pytest.param("rtsp://cam/x?api_key=abc", f"rtsp://cam/x?api_key={MASK}", id="api-key"),
        pytest.param(
            "rtsp://cam/x?channel=1&subtype=0", "rtsp://cam/x?channel=1&subtype=0", id="harmless"
        ),
    ],
)
def test_redact_masks_query_string_secrets(text: str, expected: str) -> None:
    assert redact(text) == expected


@pytest.mark.parametrize(
    "shown",
    [
        pytest.param("login failed for p@ss:w/rd", id="raw"),
        pytest.param("login failed for p%40ss%3Aw%2Frd", id="percent-encoded"),
    ],
)
def test_redact_masks_a_known_secret_anywhere(shown: str) -> None:
    assert redact(shown, ["p@ss:w/rd"]) == f"login failed for {MASK}"


def test_redact_masks_a_known_secret_given_percent_encoded() -> None:
    assert redact("password p@ss was wrong", ["p%40ss"]) == f"password {MASK} was wrong"


def test_redact_ignores_known_secrets_shorter_than_three_characters() -> None:
    assert redact("a camera named a1", ["a1"]) == "a camera named a1"


@pytest.mark.parametrize(
    "password",
    [
        pytest.param("s3cret", id="plain"),
        pytest.param("p@ss:w/rd?#&", id="reserved"),
        pytest.param("hunter two", id="space"),
        pytest.param('quo"te', id="quote"),
        pytest.param("100%", id="percent"),
    ],
)
def test_a_url_built_for_ffmpeg_never_shows_its_password(password: str) -> None:
    url = with_credentials("rtsp://cam:554/main", "admin", password)
    line = f"{url}: Server returned 401 Unauthorized (authorization failed)"
    for text in (redact(line), redact(line, [password])):
        assert password not in text
        assert url.split("@")[0].split(":")[-1] not in text
