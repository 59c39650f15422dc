"""Camera passwords at rest: Fernet encryption and where its key lives (the OS keyring or a 0600 key file)."""

from __future__ import annotations

import errno
import hashlib
import logging
import os
import sys
from pathlib import Path
from typing import Protocol

import keyring.core
from cryptography.fernet import Fernet, InvalidToken
from keyring.backend import KeyringBackend
from keyring.errors import KeyringError

from backend_embed.api.errors import CredentialError
from backend_embed.private_files import create_private, read_private

logger = logging.getLogger(__name__)

KEYRING_SERVICE = "vas-console"
KEY_FILE_NAME = "credentials.key"

_UNREADABLE = (
    "Stored camera passwords cannot be read: the encryption key is missing or was replaced. "
    "Re-enter the camera passwords."
)


class FernetCipher:
    """Encrypts and decrypts camera passwords with one Fernet key (AES-128-CBC + HMAC-SHA256).

    The key is held privately and never appears in `repr()`, logs or error messages.
    """

    __slots__ = ("_fernet",)

    def __init__(self, key: bytes) -> None:
        """Wrap a urlsafe-base64 Fernet key, as made by `Fernet.generate_key()`.

        Raises:
            CredentialError: the key is not a valid Fernet key (a damaged key file or keyring entry).
        """
        try:
            self._fernet = Fernet(key)
        except (ValueError, TypeError) as exc:
            raise CredentialError(
                "The credentials key is damaged, so stored camera passwords cannot be read. "
                "Re-enter the camera passwords."
            ) from exc

    def __repr__(self) -> str:
        return "FernetCipher(<key hidden>)"

    def encrypt(self, plain: str) -> bytes:
        """Return an authenticated token holding `plain`."""
        return self._fernet.encrypt(plain.encode("utf-8"))

    def decrypt(self, token: bytes) -> str:
        """Return the text inside `token`.

        Raises:
            CredentialError: the token was made with another key, or was altered.
        """
        try:
            plain = self._fernet.decrypt(token)
        except InvalidToken as exc:
            raise CredentialError(_UNREADABLE) from exc
        try:
            return plain.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise CredentialError(_UNREADABLE) from exc


class KeyStore(Protocol):
    """Where the credentials key is kept."""

    def load(self) -> bytes | None:
        """Return the stored key, or None if there is none yet.

        Raises:
            CredentialError: a key may exist but cannot be read safely.
        """
        ...

    def save(self, key: bytes) -> None:
        """Store a new key. Never replaces an existing one (that would orphan every stored password).

        Raises:
            FileExistsError: a key already exists (another process created it first).
            CredentialError: the key cannot be stored.
        """
        ...


class FileKeyStore:
    """A key in a file that only its owner can read (mode 0600), written atomically.

    A key file that group or others can read, or that belongs to another user, is refused with a
    `CredentialError`, as OpenSSH refuses such a private key: the key decrypts every camera password, so a
    loose mode means it may already have been copied. Fixing the mode silently would hide that; the operator
    decides whether to tighten it (the message says how) or to replace the key and re-enter the passwords.
    """

    def __init__(self, path: Path) -> None:
        self.path = path

    def __repr__(self) -> str:
        return f"FileKeyStore({str(self.path)!r})"

    def load(self) -> bytes | None:
        """Read the key file; None if it does not exist."""
        raw = read_private(self.path, what=_KEY_FILE, remedy=_REMEDY, error=CredentialError)
        if raw is None:
            return None
        key = raw.strip()
        if not key:
            raise CredentialError(
                f"The credentials key file {self.path} is empty. Delete it and re-enter the camera passwords."
            )
        return key

    def save(self, key: bytes) -> None:
        """Write the key to a new 0600 file atomically; FileExistsError if another process made one first."""
        create_private(self.path, key, what="The credentials key", error=CredentialError)
        logger.info("Created a new credentials key file %s", self.path)


_KEY_FILE = "The credentials key file"
_REMEDY = "delete it and re-enter the camera passwords"


class KeyringKeyStore:
    """A key in the OS keyring (Secret Service, macOS Keychain, Windows Credential Locker).

    Use `detect_keyring_backend()` first: on a headless machine there usually is none.
    """

    def __init__(self, backend: KeyringBackend, entry: str) -> None:
        """Args:
        backend: a usable keyring backend (from `detect_keyring_backend()` or a test's own).
        entry: the keyring user name the key is stored under, in service "vas-console".
        """
        self._backend = backend
        self.entry = entry

    def __repr__(self) -> str:
        return f"KeyringKeyStore({type(self._backend).__name__}, {self.entry!r})"

    def load(self) -> bytes | None:
        """Read the key from the keyring; None if the entry does not exist."""
        try:
            value = self._backend.get_password(KEYRING_SERVICE, self.entry)
        except KeyringError as exc:
            raise CredentialError(
                "The system keyring holding the credentials key cannot be read (is it locked?). "
                "Unlock it and try again.",
                detail=type(exc).__name__,
            ) from exc
        return value.encode("ascii") if value else None

    def save(self, key: bytes) -> None:
        """Store the key in the keyring unless an entry already exists."""
        if self.load() is not None:
            raise FileExistsError(errno.EEXIST, "keyring entry exists", self.entry)
        try:
            self._backend.set_password(KEYRING_SERVICE, self.entry, key.decode("ascii"))
        except KeyringError as exc:
            raise CredentialError(
                "The credentials key cannot be saved in the system keyring.",
                detail=type(exc).__name__,
            ) from exc
        logger.info("Created a new credentials key in the system keyring (%s)", self.entry)


def detect_keyring_backend() -> KeyringBackend | None:
    """Return the OS keyring backend if a real one is available, else None.

    Honours `PYTHON_KEYRING_BACKEND` and keyring's config file. The fail and null backends, a chainer with
    nothing to chain, and keyring's own "not recommended" backends (priority below 1, e.g. plain-text files)
    count as none. Detection is repeated on every call (keyring caches it process-wide otherwise).

    On Linux without a D-Bus session bus no keyring can work (Secret Service and KWallet both need it), so
    detection is skipped there: loading every backend makes keyring's macOS backend run `gcc` through
    ctypes' find_library, which costs start-up time on a headless workstation for nothing.
    """
    if (
        sys.platform.startswith("linux")
        and not os.environ.get("DBUS_SESSION_BUS_ADDRESS")
        and not os.environ.get("PYTHON_KEYRING_BACKEND")
    ):
        logger.debug("No D-Bus session bus: no keyring")
        return None
    try:
        keyring.core.init_backend()
        backend = keyring.core.get_keyring()
        priority = float(backend.priority)
    except (KeyringError, RuntimeError, ImportError) as exc:
        logger.debug("No usable keyring: %s", type(exc).__name__)
        return None
    if priority < 1:
        logger.debug(
            "Keyring backend %s is not usable (priority %s)", type(backend).__name__, priority
        )
        return None
    return backend


def keyring_entry_for(config_dir: Path) -> str:
    """The keyring user name for the key of one configuration directory (installs do not share keys)."""
    digest = hashlib.sha256(str(config_dir.resolve()).encode("utf-8")).hexdigest()[:16]
    return f"credentials-key-{digest}"


def load_or_create_cipher(config_dir: Path, *, prefer_keyring: bool = True) -> FernetCipher:
    """Return the cipher for stored camera passwords, creating its key on first use.

    An existing key wins wherever it is: the keyring entry first, then `<config_dir>/credentials.key`, so a
    keyring that appears later never orphans a key file. A new key goes to the keyring when `prefer_keyring`
    and a real keyring exists, else to the key file. If another process creates the key at the same moment,
    its key is used.

    Blocking (file and keyring I/O): call it from a thread in async code.

    Raises:
        CredentialError: a key exists but cannot be used (see the message).
    """
    stores: list[KeyStore] = []
    if prefer_keyring and (backend := detect_keyring_backend()) is not None:
        stores.append(KeyringKeyStore(backend, keyring_entry_for(config_dir)))
    file_store = FileKeyStore(config_dir / KEY_FILE_NAME)
    stores.append(file_store)
    for store in stores:
        key = store.load()
        if key is not None:
            logger.debug("Using the credentials key from %r", store)
            return FernetCipher(key)
    target = stores[0]
    try:
        target.save(Fernet.generate_key())
    except FileExistsError:
        logger.info("Another process created the credentials key first; using it")
    key = target.load()
    if key is None:
        raise CredentialError(f"The new credentials key could not be read back from {target!r}.")
    return FernetCipher(key)
