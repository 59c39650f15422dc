"""The one redaction function: every URL and every child-process line passes through it before it is shown.

It masks the password part of any `scheme://user:password@host` in free text, password-like query parameters,
and any known secret passed in. It works on text, not on parsed URLs, because what needs redacting is usually
a log line or an ffmpeg error that merely contains a URL.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from urllib.parse import quote, unquote

MASK = "***"

# userinfo is greedy up to the last "@" of the token, so raw "@", ":" and "/" inside a password are covered
# (parse_camera_url accepts those). A path that contains "@" is over-masked, which is the safe direction.
_USERINFO = re.compile(r"(?P<scheme>\b[a-zA-Z][a-zA-Z0-9+.\-]*://)(?P<userinfo>[^\s'\"<>]*)@")
# any key ending in password/token/secret/api key (access_token, user_password, x-api-key), or a short one
_QUERY_SECRET = re.compile(
    r"(?P<key>[?&;](?:[a-z0-9_.\-]*(?:password|passwd|token|secret|api[_\-]?key)|pass|pwd|auth|key|sig|signature)=)"
    r"(?P<value>[^&#\s]*)",
    re.IGNORECASE,
)


def _mask_userinfo(match: re.Match[str]) -> str:
    userinfo = match.group("userinfo")
    user, sep, _password = userinfo.partition(":")
    if not sep:
        return match.group(0)
    return f"{match.group('scheme')}{user}:{MASK}@"


def redact(text: str, secrets: Iterable[str] = ()) -> str:
    """Return `text` with every credential masked.

    Args:
        text: any text: a URL, a log message, an ffmpeg stderr line, an exception string.
        secrets: plain-text secrets known to the caller (a camera's password); each is masked wherever it
            appears, raw or percent-encoded. Secrets shorter than 3 characters are masked only inside URLs,
            to avoid masking every "a" in a message.
    """
    if not text:
        return text
    out = _USERINFO.sub(_mask_userinfo, text)
    out = _QUERY_SECRET.sub(lambda m: f"{m.group('key')}{MASK}", out)
    for secret in secrets:
        if len(secret) < 3:
            continue
        for form in {secret, quote(secret, safe=""), unquote(secret)}:
            if form:
                out = out.replace(form, MASK)
    return out
