"""The WHEP HTTP surface over aiohttp: create a viewer session from an SDP offer, end it with DELETE.

WHEP is draft-ietf-wish-whep; it reuses the HTTP rules of WHIP (RFC 9725).

```
POST    /whep/<camera_id>/<main|sub>   application/sdp offer -> 201 Created, SDP answer, Location
DELETE  /whep/session/<id>             -> 200, the session is closed
OPTIONS either path                    -> 204 with Allow (and CORS headers for an allowed origin)
```

Every request but OPTIONS (a CORS preflight carries no credentials) must send the host's access token as
`Authorization: Bearer <token>` (WHIP, RFC 9725 §4.5, which WHEP adopts); without it: 401 with
`WWW-Authenticate`, before any route is looked at, so a caller without the token learns nothing about cameras or sessions.

Errors are plain text an operator can read: 400 unusable offer, 401 no or wrong access token, 404 unknown
camera, stream, session or path, 405 other methods (PATCH too: no trickle ICE, the answer carries every
candidate), 415 a body that is not `application/sdp`, 503 a stream that cannot be served yet (with
Retry-After).
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Collection, MutableMapping
from typing import Final, Protocol

from aiohttp import web

from backend_embed.api.dto import StreamRole
from backend_embed.api.errors import BackendError, NotFoundError
from backend_embed.webrtc.access_token import bearer_matches
from backend_embed.webrtc.session import OfferError, WhepSession

logger = logging.getLogger(__name__)

SDP_TYPE: Final = "application/sdp"
ENDPOINT_PATH: Final = "/whep/{camera_id:\\d+}/{stream}"
SESSION_PATH: Final = "/whep/session/{session_id}"
#: the largest offer accepted; a browser's offer is a few kilobytes
MAX_OFFER_BYTES: Final = 64 * 1024
RETRY_AFTER_S: Final = 2
REALM: Final = "vas-whep"
_ENDPOINT_METHODS: Final = "OPTIONS, POST"
_SESSION_METHODS: Final = "DELETE, OPTIONS"

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


class SessionHost(Protocol):
    """What the WHEP endpoint needs from the live service."""

    async def open_session(
        self, camera_id: int, stream: StreamRole, offer_sdp: str
    ) -> WhepSession: ...

    async def close_session(self, session_id: str) -> None:
        """Raises NotFoundError for an unknown session."""
        ...


def session_location(session_id: str) -> str:
    """The `Location` of a session (relative to the server, as WHIP (RFC 9725) and WHEP allow)."""
    return f"/whep/session/{session_id}"


def build_app(
    host: SessionHost, *, bearer_token: str, allowed_origins: Collection[str] = ()
) -> web.Application:
    """The aiohttp application serving WHEP for `host`.

    Args:
        host: opens and closes sessions.
        bearer_token: the access token every request but OPTIONS must carry (never logged).
        allowed_origins: web origins allowed to call the endpoint from a page (CORS), or "*" for any.
            Empty (the default): only same-origin pages and non-browser clients, so no web page the
            operator happens to visit can pull camera video from a recorder on 127.0.0.1.
    """
    handlers = _Handlers(host)
    app = web.Application(
        client_max_size=MAX_OFFER_BYTES,
        middlewares=[
            _cors_middleware(frozenset(allowed_origins)),  # outermost: a browser may read a 401 too
            _auth_middleware(bearer_token),
            _error_middleware,
        ],
    )
    app.router.add_route("OPTIONS", SESSION_PATH, handlers.options_session)
    app.router.add_route("DELETE", SESSION_PATH, handlers.delete)
    app.router.add_route("OPTIONS", ENDPOINT_PATH, handlers.options_endpoint)
    app.router.add_route("POST", ENDPOINT_PATH, handlers.post)
    return app


class _Handlers:
    def __init__(self, host: SessionHost) -> None:
        self._host = host

    async def post(self, request: web.Request) -> web.Response:
        camera_id = int(request.match_info["camera_id"])
        stream = _stream_role(request.match_info["stream"])
        if request.content_type != SDP_TYPE:
            raise _text(web.HTTPUnsupportedMediaType, f"Send the SDP offer as {SDP_TYPE}.")
        offer = await request.text()
        try:
            session = await self._host.open_session(camera_id, stream, offer)
        except OfferError as exc:
            raise _text(web.HTTPBadRequest, exc.user_message) from exc
        except NotFoundError as exc:
            raise _text(web.HTTPNotFound, exc.user_message) from exc
        except BackendError as exc:  # LiveSourceUnavailableError: codec not known yet, stopping
            logger.info("Live session for camera %d refused: %s", camera_id, exc.user_message)
            raise _text(
                web.HTTPServiceUnavailable,
                exc.user_message,
                headers={"Retry-After": str(RETRY_AFTER_S)},
            ) from exc
        return web.Response(
            status=201,
            body=session.answer_sdp.encode(),
            content_type=SDP_TYPE,
            headers={"Location": session_location(session.id)},
        )

    async def delete(self, request: web.Request) -> web.Response:
        try:
            await self._host.close_session(request.match_info["session_id"])
        except NotFoundError as exc:
            raise _text(web.HTTPNotFound, exc.user_message) from exc
        return web.Response(status=200, text="Session ended.\n")

    async def options_endpoint(self, request: web.Request) -> web.Response:
        _stream_role(request.match_info["stream"])
        return web.Response(
            status=204, headers={"Allow": _ENDPOINT_METHODS, "Accept-Post": SDP_TYPE}
        )

    async def options_session(self, request: web.Request) -> web.Response:
        return web.Response(status=204, headers={"Allow": _SESSION_METHODS})


def _stream_role(text: str) -> StreamRole:
    try:
        return StreamRole(text)
    except ValueError:
        streams = " or ".join(role.value for role in StreamRole)
        raise _text(web.HTTPNotFound, f"No stream {text!r}; use {streams}.") from None


def _text(
    error: type[web.HTTPError], message: str, *, headers: dict[str, str] | None = None
) -> web.HTTPError:
    return error(text=message.rstrip() + "\n", headers=headers)


@web.middleware
async def _error_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Give the router's own 404 and 405 a sentence instead of aiohttp's bare status line."""
    try:
        return await handler(request)
    except web.HTTPNotFound as exc:
        if exc.text and not exc.text.startswith("404:"):
            raise
        raise _text(web.HTTPNotFound, f"No WHEP endpoint at {request.path}.") from None
    except web.HTTPMethodNotAllowed as exc:
        allowed = ", ".join(sorted(exc.allowed_methods))
        message = f"{request.method} is not supported here; use {allowed}."
        if request.method == "PATCH":
            message += " Trickle ICE is not supported: the answer carries every candidate."
        raise web.HTTPMethodNotAllowed(
            request.method, exc.allowed_methods, text=message + "\n"
        ) from None


def _auth_middleware(token: str) -> Callable[..., Awaitable[web.StreamResponse]]:
    @web.middleware
    async def auth(request: web.Request, handler: Handler) -> web.StreamResponse:
        if request.method == "OPTIONS":  # CORS preflight: browsers send it without credentials
            return await handler(request)
        matches = bearer_matches(request.headers.get("Authorization"), token)
        if matches:
            return await handler(request)
        # Neither the token sent nor the header is logged: the sender may hold another host's token.
        logger.info("WHEP %s %s from %s refused: %s", request.method, request.path,
                    request.remote, "no access token" if matches is None else "wrong access token")  # fmt: skip
        if matches is None:
            challenge = f'Bearer realm="{REALM}"'
            message = (
                "This recorder's live video needs its access token: "
                "send it as 'Authorization: Bearer <token>'."
            )
        else:
            challenge = f'Bearer realm="{REALM}", error="invalid_token"'
            message = "The access token sent is not this recorder's live-video token."
        raise _text(web.HTTPUnauthorized, message, headers={"WWW-Authenticate": challenge})

    return auth


def _cors_middleware(allowed: frozenset[str]) -> Callable[..., Awaitable[web.StreamResponse]]:
    @web.middleware
    async def cors(request: web.Request, handler: Handler) -> web.StreamResponse:
        origin = request.headers.get("Origin")
        permitted = origin is not None and ("*" in allowed or origin in allowed)
        try:
            response = await handler(request)
        except web.HTTPException as exc:
            if permitted:
                _add_cors(exc.headers, origin or "", request)
            raise
        if permitted:
            _add_cors(response.headers, origin or "", request)
        return response

    return cors


def _add_cors(headers: MutableMapping[str, str], origin: str, request: web.Request) -> None:
    headers["Access-Control-Allow-Origin"] = origin
    headers["Access-Control-Expose-Headers"] = "Location, WWW-Authenticate"
    headers["Vary"] = "Origin"
    if request.method == "OPTIONS":
        headers["Access-Control-Allow-Methods"] = "POST, DELETE, OPTIONS"
        headers["Access-Control-Allow-Headers"] = "Content-Type, Authorization"


__all__ = ["SDP_TYPE", "SessionHost", "build_app", "session_location"]
