"""The WHEP access token: created once 0600 and reused, refused when loose or damaged; header matching;
a configured token is validated and never printed; the live endpoint DTO hides it."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from backend_embed.api import InvalidInputError, LiveCodecPath, LiveEndpoint, StreamRole
from backend_embed.config import BackendConfig
from backend_embed.webrtc.access_token import (
    TOKEN_FILE_NAME,
    LiveTokenError,
    bearer_matches,
    load_or_create_token,
)

TOKEN = "A" * 20 + "-_" + "b" * 21


def test_token_is_created_once_in_a_private_file_and_reused_across_restarts(
    tmp_path: Path,
) -> None:
    config_dir = tmp_path / "config"
    first = load_or_create_token(config_dir)
    path = config_dir / TOKEN_FILE_NAME

    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert len(first) == 43
    assert path.read_text() == f"{first}\n"
    assert load_or_create_token(config_dir) == first, "a restart keeps the token"
    assert not [p for p in config_dir.iterdir() if p.name != TOKEN_FILE_NAME], "no temporary left"
    assert load_or_create_token(tmp_path / "other") != first, "each host has its own"


@pytest.mark.parametrize("mode", [0o640, 0o604], ids=["group", "world"])
def test_a_token_file_readable_by_others_is_refused(tmp_path: Path, mode: int) -> None:
    token = load_or_create_token(tmp_path)
    (tmp_path / TOKEN_FILE_NAME).chmod(mode)

    with pytest.raises(LiveTokenError, match="can be read by other users") as info:
        load_or_create_token(tmp_path)
    assert token not in str(info.value)


@pytest.mark.parametrize(
    "content",
    [b"", b"short\n", b"\xff" * 40, b"has spaces " * 4],
    ids=["empty", "short", "binary", "spaces"],
)
def test_a_damaged_token_file_is_refused_without_quoting_it(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / TOKEN_FILE_NAME
    path.write_bytes(content)
    path.chmod(0o600)

    with pytest.raises(LiveTokenError, match="damaged") as info:
        load_or_create_token(tmp_path)
    assert "delete it" in info.value.user_message


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        pytest.param(None, None, id="missing"),
        pytest.param(f"Bearer {TOKEN}", True, id="right"),
        pytest.param(f"bearer {TOKEN}", True, id="scheme-any-case"),
        pytest.param(f"Bearer {TOKEN[:-1]}", False, id="prefix"),
        pytest.param(f"Bearer {TOKEN}x", False, id="longer"),
        pytest.param("Bearer wrong", False, id="wrong"),
        pytest.param("Bearer caf\u00e9", False, id="non-ascii"),
        pytest.param(f"Basic {TOKEN}", None, id="other-scheme"),
        pytest.param("Bearer", None, id="no-token"),
    ],
)
def test_bearer_matches_only_the_exact_token(header: str | None, expected: bool | None) -> None:
    assert bearer_matches(header, TOKEN) is expected


def test_a_configured_token_is_checked_and_left_out_of_the_config_repr(tmp_path: Path) -> None:
    config = BackendConfig.local(tmp_path, tmp_path, live_token=TOKEN)

    assert config.live_token == TOKEN
    assert TOKEN not in repr(config)
    with pytest.raises(InvalidInputError, match="at least 32 characters") as info:
        BackendConfig.local(tmp_path, tmp_path, live_token="too-short")
    assert info.value.field == "live_token"
    with pytest.raises(InvalidInputError, match="may only hold"):
        BackendConfig.local(tmp_path, tmp_path, live_token=TOKEN + " x")


def test_the_live_endpoint_repr_hides_the_token() -> None:
    endpoint = LiveEndpoint(
        1, StreamRole.MAIN, "http://127.0.0.1:8/whep/1/main", LiveCodecPath.PASSTHROUGH,
        bearer_token=TOKEN,
    )  # fmt: skip

    assert TOKEN not in repr(endpoint)
    assert TOKEN not in str(endpoint)
    assert "whep/1/main" in repr(endpoint)
    assert endpoint.bearer_token == TOKEN
