"""The installation's Ed25519 signing key: created on first use, kept as a 0600 PEM file, never shown.

Only the public key leaves this module: base64 of the 32 raw bytes (what a manifest carries and what an
operator passes to the verifier) and a short fingerprint for reading aloud or comparing on screen.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import hashlib
import logging
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from backend_embed.api.errors import BackendError
from backend_embed.private_files import create_private, read_private

logger = logging.getLogger(__name__)

KEY_FILE_NAME = "evidence-signing.pem"
_RAW = serialization.Encoding.Raw
_RAW_PUBLIC = serialization.PublicFormat.Raw


class SigningKeyError(BackendError):
    """The installation's signing key cannot be created or used safely."""


def fingerprint(public_key: bytes) -> str:
    """A short fingerprint of raw public key bytes: the first 8 bytes of its SHA-256, as `ab12:cd34:…`."""
    digest = hashlib.sha256(public_key).hexdigest()[:16]
    return ":".join(digest[i : i + 4] for i in range(0, 16, 4))


def decode_public_key(text: str) -> bytes:
    """The raw 32 bytes of a public key given as base64, or as `public_key_text()` shows it.

    Raises:
        ValueError: the text is not an Ed25519 public key.
    """
    words = text.split()
    if len(words) >= 2 and words[0].lower() == "ed25519":
        words = words[1:]
    if not words:
        raise ValueError("empty public key")
    try:
        raw = base64.b64decode(words[0], validate=True)
    except binascii.Error as exc:
        raise ValueError("the public key is not base64") from exc
    if len(raw) != 32:
        raise ValueError("an Ed25519 public key has 32 bytes")
    return raw


def verify(public_key: str | bytes, data: bytes, signature: bytes) -> bool:
    """True when `signature` is a valid Ed25519 signature of `data` by `public_key` (base64 text or raw)."""
    try:
        raw = decode_public_key(public_key) if isinstance(public_key, str) else public_key
        key = Ed25519PublicKey.from_public_bytes(raw)
    except ValueError:
        return False
    try:
        key.verify(signature, data)
    except InvalidSignature:
        return False
    return True


class InstallationKey:
    """The installation's signing key. The private key never appears in `repr()`, logs or errors."""

    __slots__ = ("_key", "path")

    def __init__(self, key: Ed25519PrivateKey, path: Path) -> None:
        self._key = key
        self.path = path

    def __repr__(self) -> str:
        return f"InstallationKey({str(self.path)!r}, {self.fingerprint})"

    @classmethod
    def load_or_create(cls, config_dir: Path) -> InstallationKey:
        """The key in `<config_dir>/evidence-signing.pem`, created (0600, atomically) if there is none.

        Blocking (file I/O): call it from a thread in async code. If another process creates the key at the
        same moment, its key is used.

        Raises:
            SigningKeyError: the key file cannot be read or written, is damaged, or others may read it.
        """
        path = config_dir / KEY_FILE_NAME
        pem = _read_private(path)
        if pem is None:
            with contextlib.suppress(FileExistsError):
                _save_new(path, Ed25519PrivateKey.generate())
            pem = _read_private(path)
        if pem is None:
            raise SigningKeyError(
                f"The new evidence signing key could not be read back from {path}."
            )
        try:
            key = serialization.load_pem_private_key(pem, password=None)
        except (ValueError, TypeError) as exc:
            raise SigningKeyError(
                f"The evidence signing key file {path} is damaged. Move it away to create a new key "
                "(exports signed with the old key stay verifiable with its public key)."
            ) from exc
        if not isinstance(key, Ed25519PrivateKey):
            raise SigningKeyError(
                f"The evidence signing key file {path} does not hold an Ed25519 key."
            )
        return cls(key, path)

    @property
    def public_key(self) -> str:
        """The raw public key, base64 (44 characters)."""
        return base64.b64encode(self._key.public_key().public_bytes(_RAW, _RAW_PUBLIC)).decode(
            "ascii"
        )

    @property
    def fingerprint(self) -> str:
        """The short fingerprint of the public key (`fingerprint()`)."""
        return fingerprint(self._key.public_key().public_bytes(_RAW, _RAW_PUBLIC))

    def public_key_text(self) -> str:
        """The public key for the console: `Ed25519 <base64> (fingerprint ab12:cd34:ef56:7890)`."""
        return f"Ed25519 {self.public_key} (fingerprint {self.fingerprint})"

    def sign(self, data: bytes) -> bytes:
        """The 64-byte Ed25519 signature of `data`."""
        return self._key.sign(data)


def _read_private(path: Path) -> bytes | None:
    """The key file's bytes, or None if it does not exist; refuses a file others may read."""
    return read_private(
        path,
        what="The evidence signing key file",
        remedy="move it away so a new key is created",
        error=SigningKeyError,
    )


def _save_new(path: Path, key: Ed25519PrivateKey) -> None:
    """Write the key (PKCS#8 PEM) to a new 0600 file without replacing one another process made."""
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    create_private(path, pem, what="The evidence signing key", error=SigningKeyError)
    logger.info("Created a new evidence signing key %s", path)
