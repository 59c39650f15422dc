"""Tests for backend_embed.cameras.credentials: the cipher, the key file, the keyring store and key selection."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path
from typing import ClassVar

import pytest
from cryptography.fernet import Fernet
from keyring.backend import KeyringBackend
from keyring.errors import KeyringLocked

from backend_embed.api.errors import CredentialError
from backend_embed.cameras.credentials import (
    KEY_FILE_NAME,
    KEYRING_SERVICE,
    FernetCipher,
    FileKeyStore,
    KeyringKeyStore,
    detect_keyring_backend,
    keyring_entry_for,
    load_or_create_cipher,
)

MEMORY_KEYRING = f"{__name__}.MemoryKeyring"


class MemoryKeyring(KeyringBackend):
    """A real keyring backend (keyring's own base class) that keeps entries in memory.

    Entries are class-wide because keyring instantiates a fresh backend on every detection.
    """

    priority = (
        5  # keyring reads priority as a class attribute (a classproperty in its own backends)
    )
    entries: ClassVar[dict[tuple[str, str], str]] = {}
    locked: ClassVar[bool] = False

    def get_password(self, service: str, username: str) -> str | None:
        if self.locked:
            raise KeyringLocked("locked")
        return self.entries.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.entries[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        self.entries.pop((service, username), None)


@pytest.fixture
def memory_keyring(monkeypatch: pytest.MonkeyPatch) -> Iterator[type[MemoryKeyring]]:
    """Make the in-memory keyring the detected OS keyring (through keyring's own env variable)."""
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", MEMORY_KEYRING)
    MemoryKeyring.entries.clear()
    MemoryKeyring.locked = False
    yield MemoryKeyring
    MemoryKeyring.entries.clear()
    MemoryKeyring.locked = False


@pytest.mark.parametrize(
    "plain",
    [
        pytest.param("s3cret", id="ascii"),
        pytest.param("pä:ss@/w%41rd ✓", id="unicode-and-url-chars"),
        "",
    ],
)
def test_cipher_round_trips_a_password(plain: str) -> None:
    cipher = FernetCipher(Fernet.generate_key())
    token = cipher.encrypt(plain)
    assert plain.encode() not in token or not plain
    assert cipher.decrypt(token) == plain


def test_decrypt_with_another_key_raises_credential_error_telling_to_reenter() -> None:
    token = FernetCipher(Fernet.generate_key()).encrypt("s3cret")
    with pytest.raises(CredentialError) as info:
        FernetCipher(Fernet.generate_key()).decrypt(token)
    assert "re-enter" in info.value.user_message.lower()
    assert "key is missing or was replaced" in info.value.user_message


def test_decrypt_of_a_tampered_token_raises_credential_error() -> None:
    cipher = FernetCipher(Fernet.generate_key())
    token = bytearray(cipher.encrypt("s3cret"))
    token[-5] = ord("A") if token[-5] != ord("A") else ord("B")
    with pytest.raises(CredentialError):
        cipher.decrypt(bytes(token))


def test_cipher_rejects_a_damaged_key_and_never_shows_it() -> None:
    with pytest.raises(CredentialError) as info:
        FernetCipher(b"not-a-fernet-key")
    assert "not-a-fernet-key" not in str(info.value)


def test_cipher_repr_hides_the_key() -> None:
    key = Fernet.generate_key()
    assert key.decode() not in repr(FernetCipher(key))


def test_first_load_creates_a_0600_key_file_and_the_next_load_reuses_it(tmp_path: Path) -> None:
    config_dir = tmp_path / "config"
    token = load_or_create_cipher(config_dir).encrypt("s3cret")
    key_file = config_dir / KEY_FILE_NAME
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert stat.S_IMODE(config_dir.stat().st_mode) == 0o700
    assert list(config_dir.iterdir()) == [key_file], "no temp file may be left behind"
    assert load_or_create_cipher(config_dir).decrypt(token) == "s3cret"


def test_key_never_appears_in_logs(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level("DEBUG")
    load_or_create_cipher(tmp_path)
    load_or_create_cipher(tmp_path)
    key = (tmp_path / KEY_FILE_NAME).read_text().strip()
    assert caplog.records, "creating a key is a lifecycle event and must be logged"
    assert key not in caplog.text


@pytest.mark.parametrize("mode", [0o640, 0o604, 0o644, 0o660], ids=oct)
def test_key_file_readable_by_others_is_refused_with_the_fix(tmp_path: Path, mode: int) -> None:
    load_or_create_cipher(tmp_path)
    key_file = tmp_path / KEY_FILE_NAME
    key = key_file.read_text().strip()
    key_file.chmod(mode)
    with pytest.raises(CredentialError) as info:
        load_or_create_cipher(tmp_path)
    assert f"chmod 600 {key_file}" in info.value.user_message
    assert key not in str(info.value)
    assert stat.S_IMODE(key_file.stat().st_mode) == mode, (
        "the mode must be left for the operator to judge"
    )


def test_empty_key_file_is_refused(tmp_path: Path) -> None:
    key_file = tmp_path / KEY_FILE_NAME
    key_file.touch(mode=0o600)
    with pytest.raises(CredentialError, match="empty"):
        FileKeyStore(key_file).load()


def test_symlinked_key_file_is_refused(tmp_path: Path) -> None:
    real = tmp_path / "elsewhere.key"
    FileKeyStore(real).save(Fernet.generate_key())
    (tmp_path / KEY_FILE_NAME).symlink_to(real)
    with pytest.raises(CredentialError, match="cannot be read"):
        FileKeyStore(tmp_path / KEY_FILE_NAME).load()


def test_file_store_never_replaces_an_existing_key(tmp_path: Path) -> None:
    store = FileKeyStore(tmp_path / KEY_FILE_NAME)
    first = Fernet.generate_key()
    store.save(first)
    with pytest.raises(FileExistsError):
        store.save(Fernet.generate_key())
    assert store.load() == first
    assert sorted(p.name for p in tmp_path.iterdir()) == [KEY_FILE_NAME]


def test_file_store_returns_none_when_there_is_no_key(tmp_path: Path) -> None:
    assert FileKeyStore(tmp_path / "missing.key").load() is None


@pytest.mark.parametrize(
    "backend",
    ["keyring.backends.fail.Keyring", "keyring.backends.null.Keyring"],
    ids=["fail", "null"],
)
def test_detect_keyring_backend_treats_fail_and_null_backends_as_none(
    monkeypatch: pytest.MonkeyPatch, backend: str
) -> None:
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", backend)
    assert detect_keyring_backend() is None


def test_detect_keyring_backend_finds_a_real_backend(memory_keyring: type[MemoryKeyring]) -> None:
    assert isinstance(detect_keyring_backend(), memory_keyring)


def test_with_a_keyring_the_key_goes_there_and_no_key_file_is_written(
    tmp_path: Path, memory_keyring: type[MemoryKeyring]
) -> None:
    token = load_or_create_cipher(tmp_path).encrypt("s3cret")
    assert not (tmp_path / KEY_FILE_NAME).exists()
    assert list(memory_keyring.entries) == [(KEYRING_SERVICE, keyring_entry_for(tmp_path))]
    assert load_or_create_cipher(tmp_path).decrypt(token) == "s3cret"


def test_an_existing_key_file_wins_over_a_keyring_that_appeared_later(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, memory_keyring: type[MemoryKeyring]
) -> None:
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "keyring.backends.fail.Keyring")
    token = load_or_create_cipher(tmp_path).encrypt("s3cret")
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", MEMORY_KEYRING)
    assert load_or_create_cipher(tmp_path).decrypt(token) == "s3cret"
    assert memory_keyring.entries == {}


def test_prefer_keyring_false_uses_the_key_file(
    tmp_path: Path, memory_keyring: type[MemoryKeyring]
) -> None:
    load_or_create_cipher(tmp_path, prefer_keyring=False)
    assert (tmp_path / KEY_FILE_NAME).exists()
    assert memory_keyring.entries == {}


def test_locked_keyring_raises_credential_error_instead_of_making_a_new_key(
    tmp_path: Path, memory_keyring: type[MemoryKeyring]
) -> None:
    load_or_create_cipher(tmp_path)
    memory_keyring.locked = True
    with pytest.raises(CredentialError, match="locked"):
        load_or_create_cipher(tmp_path)
    assert not (tmp_path / KEY_FILE_NAME).exists()


def test_keyring_store_never_replaces_an_existing_key(memory_keyring: type[MemoryKeyring]) -> None:
    store = KeyringKeyStore(memory_keyring(), "entry")
    store.save(b"first")
    with pytest.raises(FileExistsError):
        store.save(b"second")
    assert store.load() == b"first"


def test_keyring_entries_differ_per_config_dir(tmp_path: Path) -> None:
    assert keyring_entry_for(tmp_path / "a") != keyring_entry_for(tmp_path / "b")
    assert keyring_entry_for(tmp_path / "a") == keyring_entry_for(tmp_path / "x" / ".." / "a")


def test_key_file_of_another_user_is_refused(tmp_path: Path) -> None:
    if os.getuid() != 0:
        pytest.fail("this check needs root to chown the file (the project's CI runs as root)")
    key_file = tmp_path / KEY_FILE_NAME
    FileKeyStore(key_file).save(Fernet.generate_key())
    os.chown(key_file, 65534, 65534)
    with pytest.raises(CredentialError, match="another user"):
        FileKeyStore(key_file).load()
