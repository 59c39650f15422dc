"""The WHEP access token: one random bearer token per backend host, kept in a 0600 file in its config directory.

Every POST and DELETE on the WHEP endpoint must carry it (`Authorization: Bearer <token>`, as RFC
9725 §4.5 asks of WHIP and the WHEP draft of WHEP); the host hands it to its console inside each `LiveEndpoint`. It is
required on loopback too: any local user could otherwise pull camera video.
"""

from __future__ import annotations

import contextlib
import hmac
import logging
import re
import secrets
from pathlib import Path
from typing import Final

from backend_embed.api.errors import BackendError
from backend_embed.private_files import create_private, read_private

logger = logging.getLogger(__name__)

TOKEN_FILE_NAME: Final = "whep-token"
#: a configured token must be at least this long (a generated one has 43 characters: 256 random bits)
MIN_TOKEN_LENGTH: Final = 32
# RFC 6750 §2.1 b64token: what may follow "Bearer " in an Authorization header
_B64TOKEN: Final = re.compile(r"[A-Za-z0-9\-._~+/]+=*")
_BEARER: Final = re.compile(r"bearer +(?P<token>\S+) *", re.IGNORECASE)
_FILE: Final = "The WHEP access token file"
_REMEDY: Final = (
    "delete it so a new token is created (consoles get the new one with their next endpoint)"
)


class LiveTokenError(BackendError):
    """The WHEP access token cannot be read or written, is malformed, or others may read its file."""


def new_token() -> str:
    """A new random token: 32 bytes, URL-safe base64 (43 characters)."""
    return secrets.token_urlsafe(32)


def check_token(token: str) -> str | None:
    """Why `token` cannot be used as the access token (an operator sentence), or None if it can."""
    if len(token) < MIN_TOKEN_LENGTH:
        return f"The live-video access token must have at least {MIN_TOKEN_LENGTH} characters."
    if not _B64TOKEN.fullmatch(token):
        return "The live-video access token may only hold letters, digits and - . _ ~ + / (= at the end)."
    return None


def load_or_create_token(config_dir: Path) -> str:
    """The token in `<config_dir>/whep-token`, created (0600, atomically) if there is none.

    Blocking (file I/O): call it from a thread in async code. If another process creates the file at the
    same moment, its token is used.

    Raises:
        LiveTokenError: the file cannot be read or written, is damaged, or others may read it.
    """
    path = config_dir / TOKEN_FILE_NAME
    raw = _read(path)
    if raw is None:
        with contextlib.suppress(FileExistsError):
            data = f"{new_token()}\n".encode("ascii")
            create_private(path, data, what="The WHEP access token", error=LiveTokenError)
            logger.info("Created a new WHEP access token file %s", path)
        raw = _read(path)
    if raw is None:
        raise LiveTokenError(f"The new WHEP access token could not be read back from {path}.")
    try:
        token = raw.decode("ascii").strip()
    except UnicodeDecodeError:
        token = ""
    if check_token(token) is not None:  # the reason would quote nothing useful: the file is damaged
        raise LiveTokenError(f"{_FILE} {path} is damaged; {_REMEDY}.")
    return token


def bearer_matches(authorization: str | None, token: str) -> bool | None:
    """Whether an `Authorization` header carries `token` (compared in constant time).

    Returns:
        None when the header is missing or is not a bearer credential (no token was offered), else
        whether the token sent is `token`.
    """
    if authorization is None:
        return None
    match = _BEARER.fullmatch(authorization)
    if match is None:
        return None
    # bytes: compare_digest refuses str with non-ASCII characters, which a client may send
    sent = match.group("token").encode("utf-8", "surrogateescape")
    return hmac.compare_digest(sent, token.encode("ascii"))


def _read(path: Path) -> bytes | None:
    return read_private(path, what=_FILE, remedy=_REMEDY, error=LiveTokenError)
