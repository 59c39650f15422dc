"""RTSP URL validation: split credentials out of a URL, reject what cannot be a camera, rebuild it for ffmpeg.

URLs are stored without credentials; the password lives encrypted beside them. `with_credentials` puts them
back, percent-encoded, only where a child process needs them.
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass, field
from urllib.parse import quote, unquote, urlsplit, urlunsplit

from backend_embed.api.errors import CameraUrlError
from backend_embed.cameras.redaction import MASK, redact

SCHEMES = ("rtsp", "rtsps")
_HOSTNAME = re.compile(r"^(?!-)[A-Za-z0-9-]{1,63}(?<!-)(\.(?!-)[A-Za-z0-9-]{1,63}(?<!-))*\.?$")


@dataclass(frozen=True, slots=True)
class CameraUrl:
    """A validated camera URL: `url` has no credentials; `username`/`password` are decoded plain text."""

    url: str
    username: str = ""
    password: str = field(default="", repr=False)


def _split_authority(rest: str) -> tuple[str, str]:
    """Split `userinfo@hostport/path...` (the part after "://") into the userinfo and the rest.

    The userinfo ends at the last "@", so raw "@", ":", "/", "?" and "#" in a password work
    (`admin:p@ss:w/rd@host/x`). A userinfo with a raw "/", "?" or "#" must look like `user:password` (a ":"
    before them); otherwise that "@" belongs to the path or query (`host/a@b`) and the authority ends where
    RFC 3986 says, at the first "/", "?" or "#".
    """
    userinfo, at, hostpart = rest.rpartition("@")
    if at:
        cut = _first_delimiter(userinfo)
        if cut == len(userinfo) or ":" in userinfo[:cut]:
            return userinfo, hostpart
    end = _first_delimiter(rest)
    userinfo, at, hostport = rest[:end].rpartition("@")
    if not at:
        return "", rest
    return userinfo, hostport + rest[end:]


def _first_delimiter(text: str) -> int:
    """Index of the first "/", "?" or "#" in `text`, or its length."""
    return min((i for i in (text.find(c) for c in "/?#") if i != -1), default=len(text))


def parse_camera_url(text: str, *, field_name: str = "url") -> CameraUrl:
    """Validate an RTSP URL and split its credentials out.

    Accepts `rtsp://[user[:password]@]host[:port][/path][?query]`; credentials may be raw (even with "@" or
    ":" in the password) or percent-encoded.

    Raises:
        CameraUrlError: with a message naming the problem and the field; the URL in it is redacted.
    """
    raw = text.strip()
    scheme, sep, rest = raw.partition("://")
    userinfo, remainder = _split_authority(rest) if sep else ("", rest)
    username, _, password = userinfo.partition(":")
    # masked here, not only by redact(): its regex stops at spaces and quotes, which a password may hold
    shown = redact(f"{scheme}://{username}:{MASK}@{remainder}" if password else raw)
    if not raw:
        raise CameraUrlError("The camera URL is empty.", field=field_name)
    if any(c.isspace() for c in raw):
        raise CameraUrlError(f"The camera URL contains spaces: {shown}", field=field_name)
    if not sep:
        raise CameraUrlError(
            f"Not a URL: {shown}. Camera URLs look like rtsp://host:554/stream.", field=field_name
        )
    if scheme.lower() not in SCHEMES:
        raise CameraUrlError(
            f"Not an RTSP URL ({scheme}://). Cameras are reached with rtsp:// or rtsps://.",
            field=field_name,
        )
    try:
        parts = urlsplit(f"{scheme.lower()}://{remainder}")
    except ValueError as exc:  # an unclosed "[" of an IPv6 address
        raise CameraUrlError(
            f"The host in {shown} is not a valid address.", field=field_name
        ) from exc
    try:
        port = parts.port
    except ValueError as exc:
        raise CameraUrlError(
            f"The port in {shown} is not a number from 1 to 65535.", field=field_name
        ) from exc
    host = parts.hostname or ""
    if not host:
        raise CameraUrlError(f"The camera URL has no host: {shown}", field=field_name)
    if not _valid_host(host):
        raise CameraUrlError(f"'{host}' is not a valid host name or IP address.", field=field_name)
    if port == 0:
        raise CameraUrlError(
            f"The port in {shown} is not a number from 1 to 65535.", field=field_name
        )
    clean = urlunsplit((parts.scheme, parts.netloc, parts.path, parts.query, ""))
    return CameraUrl(url=clean, username=unquote(username), password=unquote(password))


def _valid_host(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return bool(_HOSTNAME.match(host)) and not host.replace(".", "").isdigit()
    return True


def with_credentials(url: str, username: str, password: str) -> str:
    """Put percent-encoded credentials into a clean URL, for a child process only. Never log the result."""
    if not username and not password:
        return url
    parts = urlsplit(url)
    userinfo = quote(username, safe="")
    if password:
        userinfo += ":" + quote(password, safe="")
    return urlunsplit((parts.scheme, f"{userinfo}@{parts.netloc}", parts.path, parts.query, ""))
