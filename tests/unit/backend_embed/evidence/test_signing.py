"""The installation key: created once 0600, reused, refused when others may read it; signatures verify."""

from __future__ import annotations

import base64
import stat
from pathlib import Path

import pytest

from backend_embed.evidence.signing import (
    KEY_FILE_NAME,
    InstallationKey,
    SigningKeyError,
    decode_public_key,
    verify,
)


def test_key_is_created_once_as_a_private_pem_file_and_reused(tmp_path: Path) -> None:
    first = InstallationKey.load_or_create(tmp_path / "config")
    path = tmp_path / "config" / KEY_FILE_NAME
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert path.read_bytes().startswith(b"-----BEGIN PRIVATE KEY-----")
    assert InstallationKey.load_or_create(tmp_path / "config").public_key == first.public_key
    assert not [p for p in path.parent.iterdir() if p.name != KEY_FILE_NAME]


@pytest.mark.parametrize("mode", [0o640, 0o604, 0o644], ids=["group", "world", "both"])
def test_key_readable_by_others_is_refused(tmp_path: Path, mode: int) -> None:
    InstallationKey.load_or_create(tmp_path)
    (tmp_path / KEY_FILE_NAME).chmod(mode)
    with pytest.raises(SigningKeyError, match="can be read by other users") as info:
        InstallationKey.load_or_create(tmp_path)
    assert "chmod 600" in info.value.user_message


def test_damaged_key_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / KEY_FILE_NAME
    path.write_bytes(b"not a key")
    path.chmod(0o600)
    with pytest.raises(SigningKeyError, match="damaged"):
        InstallationKey.load_or_create(tmp_path)


def test_signature_verifies_only_for_the_same_data_and_key(tmp_path: Path) -> None:
    key = InstallationKey.load_or_create(tmp_path / "a")
    other = InstallationKey.load_or_create(tmp_path / "b")
    signature = key.sign(b"manifest")
    assert verify(key.public_key, b"manifest", signature)
    assert not verify(key.public_key, b"manifesT", signature)
    assert not verify(other.public_key, b"manifest", signature)
    assert not verify("not a key", b"manifest", signature)


def test_public_key_text_shows_the_key_and_a_fingerprint_and_parses_back(tmp_path: Path) -> None:
    key = InstallationKey.load_or_create(tmp_path)
    text = key.public_key_text()
    assert text.startswith(f"Ed25519 {key.public_key} (fingerprint ")
    assert len(key.fingerprint) == 19
    assert decode_public_key(text) == base64.b64decode(key.public_key)
    assert "PRIVATE" not in repr(key)
