"""Camera spec validation of the registry: credentials out of URLs, names, tags and limits (pure)."""

from __future__ import annotations

import pytest

from backend_embed.api.dto import CameraSpec, RecordingSettings, StreamRole
from backend_embed.api.errors import CameraUrlError, InvalidInputError
from backend_embed.cameras import specs
from backend_embed.cameras.registry import PasswordCipher
from backend_embed.cameras.specs import validate_name, validate_spec
from backend_embed.db import models

MAIN = "rtsp://10.0.0.5:554/main"
SUB = "rtsp://10.0.0.5:554/sub"


class ReversingCipher:
    """A hand-written PasswordCipher: reversible, and never stores the plain text as it was given."""

    def encrypt(self, plain: str) -> bytes:
        return b"enc:" + plain[::-1].encode()

    def decrypt(self, token: bytes) -> str:
        return token.removeprefix(b"enc:").decode()[::-1]


def test_a_hand_written_cipher_satisfies_the_protocol() -> None:
    cipher: PasswordCipher = ReversingCipher()
    assert cipher.decrypt(cipher.encrypt("pässword")) == "pässword"


def test_credentials_in_the_url_move_into_username_and_password() -> None:
    valid = validate_spec(
        CameraSpec(name="Gate", main_url="rtsp://admin:p%40ss:w@10.0.0.5:554/main")
    )
    assert valid.main_url == MAIN
    assert (valid.username, valid.password) == ("admin", "p@ss:w")


def test_matching_credentials_in_url_and_fields_are_accepted() -> None:
    spec = CameraSpec(
        name="Gate",
        main_url="rtsp://admin:pw@10.0.0.5:554/main",
        sub_url="rtsp://admin@10.0.0.5:554/sub",
        username=" admin ",
        password="pw",
    )
    valid = validate_spec(spec)
    assert (valid.main_url, valid.sub_url, valid.username, valid.password) == (
        MAIN,
        SUB,
        "admin",
        "pw",
    )


@pytest.mark.parametrize(
    ("spec", "field"),
    [
        pytest.param(
            CameraSpec(name="G", main_url="rtsp://root@10.0.0.5/main", username="admin"),
            "main_url",
            id="username-main",
        ),
        pytest.param(
            CameraSpec(name="G", main_url="rtsp://a:one@10.0.0.5/main", password="two"),
            "main_url",
            id="password-main",
        ),
        pytest.param(
            CameraSpec(
                name="G", main_url="rtsp://a:one@10.0.0.5/main", sub_url="rtsp://a:two@10.0.0.5/s"
            ),
            "sub_url",
            id="password-sub-vs-main",
        ),
    ],
)
def test_differing_credentials_name_the_url_field(spec: CameraSpec, field: str) -> None:
    with pytest.raises(InvalidInputError) as caught:
        validate_spec(spec)
    assert caught.value.field == field
    assert "differs" in caught.value.user_message
    assert "one" not in caught.value.user_message
    assert "two" not in caught.value.user_message


@pytest.mark.parametrize(
    ("password", "url", "expected"),
    [
        pytest.param(None, MAIN, None, id="none-keeps"),
        pytest.param("", MAIN, "", id="empty-clears"),
        pytest.param("", "rtsp://a:fromurl@10.0.0.5:554/main", "fromurl", id="url-wins-over-empty"),
        pytest.param(None, "rtsp://a:fromurl@10.0.0.5:554/main", "fromurl", id="url-sets"),
    ],
)
def test_password_semantics(password: str | None, url: str, expected: str | None) -> None:
    assert validate_spec(CameraSpec(name="G", main_url=url, password=password)).password == expected


@pytest.mark.parametrize(
    ("sub_url", "field"),
    [
        pytest.param("http://10.0.0.5/sub", "sub_url", id="sub-not-rtsp"),
        pytest.param("rtsp://", "sub_url", id="sub-no-host"),
    ],
)
def test_bad_sub_url_is_a_url_error_naming_the_field(sub_url: str, field: str) -> None:
    with pytest.raises(CameraUrlError) as caught:
        validate_spec(CameraSpec(name="G", main_url=MAIN, sub_url=sub_url))
    assert caught.value.field == field


def test_bad_main_url_is_a_url_error_naming_the_field() -> None:
    with pytest.raises(CameraUrlError) as caught:
        validate_spec(CameraSpec(name="G", main_url="10.0.0.5/main"))
    assert caught.value.field == "main_url"


def test_blank_sub_url_means_no_sub_stream() -> None:
    assert validate_spec(CameraSpec(name="G", main_url=MAIN, sub_url="  ")).sub_url is None


@pytest.mark.parametrize(
    ("name", "message"),
    [
        pytest.param("   ", "is empty", id="blank"),
        pytest.param("x" * 101, "longer than 100", id="too-long"),
        pytest.param("Gate\n2", "control characters", id="newline"),
    ],
)
def test_unusable_names_are_rejected(name: str, message: str) -> None:
    with pytest.raises(InvalidInputError, match=message) as caught:
        validate_spec(CameraSpec(name=name, main_url=MAIN))
    assert caught.value.field == "name"


def test_name_is_trimmed_and_100_characters_fit() -> None:
    assert validate_name("  Gate  ") == "Gate"
    assert validate_name("x" * 100) == "x" * 100
    assert specs.NAME_MAX == models.NAME_MAX


def test_tags_are_trimmed_deduplicated_and_empties_dropped() -> None:
    spec = CameraSpec(name="G", main_url=MAIN, tags=(" outdoor", "", "entrance ", "outdoor", "  "))
    assert validate_spec(spec).tags == ("outdoor", "entrance")


@pytest.mark.parametrize(
    "tag", [pytest.param("a;b", id="separator"), pytest.param("t" * 51, id="too-long")]
)
def test_unusable_tags_are_rejected(tag: str) -> None:
    with pytest.raises(InvalidInputError) as caught:
        validate_spec(CameraSpec(name="G", main_url=MAIN, tags=(tag,)))
    assert caught.value.field == "tags"


@pytest.mark.parametrize(
    ("recording", "field"),
    [
        pytest.param(RecordingSettings(max_age_days=0), "recording_max_age_days", id="age-zero"),
        pytest.param(RecordingSettings(max_age_days=-3), "recording_max_age_days", id="age-neg"),
        pytest.param(RecordingSettings(max_age_days=True), "recording_max_age_days", id="age-bool"),
        pytest.param(RecordingSettings(max_bytes=0), "recording_max_bytes", id="bytes-zero"),
        pytest.param(RecordingSettings(stream=StreamRole.SUB), "recording_stream", id="sub-no-url"),
    ],
)
def test_unusable_recording_settings_name_the_field(
    recording: RecordingSettings, field: str
) -> None:
    with pytest.raises(InvalidInputError) as caught:
        validate_spec(CameraSpec(name="G", main_url=MAIN, recording=recording))
    assert caught.value.field == field


def test_positive_limits_and_no_limit_are_accepted() -> None:
    recording = RecordingSettings(stream=StreamRole.SUB, max_age_days=None, max_bytes=1)
    valid = validate_spec(CameraSpec(name="G", main_url=MAIN, sub_url=SUB, recording=recording))
    assert valid.recording == recording


def test_location_is_trimmed_and_group_id_must_be_positive() -> None:
    assert validate_spec(CameraSpec(name="G", main_url=MAIN, location=" Roof ")).location == "Roof"
    with pytest.raises(InvalidInputError) as caught:
        validate_spec(CameraSpec(name="G", main_url=MAIN, group_id=0))
    assert caught.value.field == "group_id"


def test_password_is_not_in_the_repr_of_a_validated_camera() -> None:
    valid = validate_spec(CameraSpec(name="G", main_url="rtsp://a:hunter22@10.0.0.5/main"))
    assert "hunter22" not in repr(valid)
