"""LiveService: the recorder's WHEP server; one relay per live feed, one peer connection per viewer."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Collection, Coroutine, Iterable
from dataclasses import dataclass
from typing import Final

from aiohttp import web

from backend_embed.api.dto import StreamRole
from backend_embed.api.errors import NotFoundError
from backend_embed.api.media import LiveEndpoint
from backend_embed.streams.live_sources import (
    LiveFeed,
    LiveSources,
    LiveSourceUnavailableError,
)
from backend_embed.webrtc.access_token import new_token
from backend_embed.webrtc.ice import validate_addresses
from backend_embed.webrtc.relay import LiveRelay
from backend_embed.webrtc.session import WhepSession, check_offer, negotiate
from backend_embed.webrtc.whep import build_app

logger = logging.getLogger(__name__)

#: a session whose viewer never completes ICE and DTLS within this is closed
DEFAULT_SETUP_TIMEOUT_S: Final = 30.0
_ENDED_STATES: Final = frozenset({"failed", "closed"})


class LiveServiceNotStartedError(RuntimeError):
    """`base_url` or `endpoint` used before `start()` or after `stop()`: a bug in the caller."""


@dataclass(eq=False)
class _Channel:
    """A feed's relay and the task that retires it when the feed closes."""

    feed: LiveFeed
    relay: LiveRelay
    retire: asyncio.Task[None] | None = None


class LiveService:
    """Serves every camera stream live over WHEP, H.264 passed through, from the one ingest per stream.

    Per stream, all viewers share one `LiveFeed` (from `LiveSources`) and one `LiveRelay`; each viewer
    gets a peer connection with a track of its own. Sessions end on DELETE, when their connection fails
    or closes (ICE consent lost), when they do not connect within `setup_timeout_s`, and on `stop()`.
    A relay lives as long as its feed, so a viewer who returns within the feed's idle grace gets the
    cached GOP at once.

    `stop()` closes sessions and relays and releases the feeds; stopping the feeds' ffmpeg is
    `LiveSources.stop()`'s job (the host stops this service first, then the sources).
    All methods run on the backend's loop.
    """

    def __init__(
        self,
        live_sources: LiveSources,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        ice_addresses: Iterable[str] = ("127.0.0.1",),
        allowed_origins: Collection[str] = (),
        bearer_token: str | None = None,
        setup_timeout_s: float = DEFAULT_SETUP_TIMEOUT_S,
        gop_cache: bool = True,
    ) -> None:
        """Describe the service; nothing listens until `start()`.

        Args:
            live_sources: the feeds.
            host: the address the HTTP server binds (loopback by default: expose it deliberately).
            port: its TCP port; 0 picks a free one (see `base_url`).
            ice_addresses: the only addresses ICE host candidates are gathered on.
            allowed_origins: web origins allowed by CORS (see `whep.build_app`).
            bearer_token: the access token every WHEP request must carry; None: a random one that
                lives as long as this service (the host passes its persistent one).
            setup_timeout_s: how long a new session may take to connect.
            gop_cache: give new viewers the cached GOP (off only to measure what it saves).

        Raises:
            ValueError: an ICE address is not an IP address.
        """
        self._sources = live_sources
        self._host = host
        self._port = port
        self._ice_addresses = validate_addresses(ice_addresses)
        self._allowed_origins = tuple(allowed_origins)
        self._bearer_token = bearer_token if bearer_token is not None else new_token()
        self._setup_timeout_s = setup_timeout_s
        self._gop_cache = gop_cache
        self._runner: web.AppRunner | None = None
        self._base_url: str | None = None
        self._sessions: dict[str, WhepSession] = {}
        self._timers: dict[str, asyncio.TimerHandle] = {}
        self._channels: dict[LiveFeed, _Channel] = {}
        self._tasks: set[asyncio.Task[None]] = set()
        self._accepting = False

    @property
    def base_url(self) -> str:
        """`http://host:port` of the running server."""
        if self._base_url is None:
            raise LiveServiceNotStartedError("the live service is not started")
        return self._base_url

    @property
    def bearer_token(self) -> str:
        """The access token clients must send (`LiveEndpoint.bearer_token`). A secret: never log it."""
        return self._bearer_token

    def accepting(self) -> bool:
        """True between `start()` and `stop()` (a method: it changes across an await)."""
        return self._accepting

    @property
    def ice_addresses(self) -> tuple[str, ...]:
        return self._ice_addresses

    def sessions(self) -> list[WhepSession]:
        """The open sessions (for diagnostics and tests)."""
        return list(self._sessions.values())

    def relay(self, feed: LiveFeed) -> LiveRelay | None:
        """The relay reading `feed`, if one runs (for diagnostics and tests)."""
        channel = self._channels.get(feed)
        return channel.relay if channel is not None else None

    async def start(self) -> None:
        """Listen for WHEP requests. Must be called once, on the backend's loop."""
        runner = web.AppRunner(
            build_app(self, bearer_token=self._bearer_token, allowed_origins=self._allowed_origins),
            access_log=None,
            handle_signals=False,
            shutdown_timeout=1.0,
        )
        await runner.setup()
        try:
            site = web.TCPSite(runner, self._host, self._port)
            await site.start()
        except BaseException:
            await runner.cleanup()
            raise
        self._runner = runner
        host, port = runner.addresses[0][:2]
        self._base_url = f"http://{f'[{host}]' if ':' in host else host}:{port}"
        self._accepting = True
        logger.info("WHEP server listening on %s (ICE on %s)", self._base_url, self._ice_addresses)

    async def stop(self) -> None:
        """Stop listening, close every session and relay, release every feed. Safe to call twice."""
        self._accepting = False
        runner, self._runner = self._runner, None
        try:
            if runner is not None:
                await runner.cleanup()
        finally:
            for session_id in list(self._sessions):
                await self._close(session_id, "the server stops")
            tasks = list(self._tasks)
            for task in tasks:
                task.cancel()
            if tasks:
                await asyncio.wait(tasks)
            for channel in list(self._channels.values()):
                await self._retire(channel)
            self._base_url = None
        logger.info("WHEP server stopped")

    async def endpoint(
        self,
        camera_id: int,
        stream: StreamRole,
        *,
        width: int | None = None,
        height: int | None = None,
    ) -> LiveEndpoint:
        """Where to watch one camera stream, with the access token; the feed starts with the first POST.

        The caller has checked that the camera exists.

        Raises:
            LiveSourceUnavailableError: the stream's codec is not known yet.
            LiveServiceNotStartedError: not started.
        """
        url = f"{self.base_url}/whep/{camera_id}/{stream.value}"
        path = self._sources.codec_path(camera_id, stream)
        return LiveEndpoint(
            camera_id,
            stream,
            url,
            path,
            width=width,
            height=height,
            bearer_token=self._bearer_token,
            warm=self._warm(camera_id, stream),
        )

    def _warm(self, camera_id: int, stream: StreamRole) -> bool:
        return any(
            feed.camera_id == camera_id and feed.stream is stream and channel.relay.has_fresh_gop()
            for feed, channel in self._channels.items()
        )

    async def open_session(self, camera_id: int, stream: StreamRole, offer_sdp: str) -> WhepSession:
        """Answer a viewer's offer: a new session on the stream's shared relay.

        Raises:
            OfferError: the offer is unusable.
            NotFoundError: no such camera.
            LiveSourceUnavailableError: the stream cannot be served now.
        """
        if not self.accepting():
            raise LiveSourceUnavailableError("Live video is shutting down.")
        check_offer(offer_sdp)  # before anything starts for a request that cannot succeed
        feed = await self._sources.acquire(camera_id, stream)
        try:
            track = self._channel(feed).relay.subscribe()
            try:
                session = await negotiate(feed, track, offer_sdp, ice_addresses=self._ice_addresses)
            except BaseException:
                track.stop()
                raise
        except BaseException:
            self._sources.release(feed)
            raise
        if not self.accepting():  # stop() ran while this offer was being answered
            await self._close_unregistered(session)
            raise LiveSourceUnavailableError("Live video is shutting down.")
        self._register(session)
        return session

    async def _close_unregistered(self, session: WhepSession) -> None:
        try:
            await session.close()
        finally:
            self._sources.release(session.feed)

    async def close_session(self, session_id: str) -> None:
        """End a session (WHEP DELETE).

        Raises:
            NotFoundError: no such session (never existed, or already ended).
        """
        if session_id not in self._sessions:
            raise NotFoundError("This live session does not exist or has already ended.")
        await self._close(session_id, "the viewer ended it")

    # -- sessions ----------------------------------------------------------------------------------------

    def _register(self, session: WhepSession) -> None:
        session_id = session.id
        self._sessions[session_id] = session

        @session.pc.on("connectionstatechange")
        def _on_pc_connection_state_changed() -> None:
            state = session.pc.connectionState
            logger.debug("Live session %s: %s", session_id, state)
            if state in _ENDED_STATES and session_id in self._sessions:
                self._spawn(self._close(session_id, f"its connection {state}"), "close session")

        loop = asyncio.get_running_loop()
        self._timers[session_id] = loop.call_later(
            self._setup_timeout_s, self._on_setup_timeout, session_id
        )
        logger.info("Live session %s opened for %s (%d viewers)",
                    session_id, session.feed.name, session.feed.viewers)  # fmt: skip

    def _on_setup_timeout(self, session_id: str) -> None:
        self._timers.pop(session_id, None)
        session = self._sessions.get(session_id)
        if session is not None and session.connection_state != "connected":
            self._spawn(self._close(session_id, "it did not connect in time"), "close session")

    async def _close(self, session_id: str, why: str) -> None:
        session = self._sessions.pop(session_id, None)
        if session is None:
            return
        timer = self._timers.pop(session_id, None)
        if timer is not None:
            timer.cancel()
        try:
            await self._close_unregistered(session)
        finally:
            logger.info("Live session %s closed: %s", session_id, why)

    # -- relays ------------------------------------------------------------------------------------------

    def relay_for(self, feed: LiveFeed) -> LiveRelay:
        """The relay (the one reader) of `feed`, started if no viewer has started it yet."""
        return self._channel(feed).relay

    def _channel(self, feed: LiveFeed) -> _Channel:
        channel = self._channels.get(feed)
        if channel is None:
            relay = LiveRelay(lambda: feed.url, name=f"relay {feed.camera_id}/{feed.stream.value}",
                              gop_cache=self._gop_cache)  # fmt: skip
            relay.start()
            channel = self._channels[feed] = _Channel(feed, relay)
            channel.retire = self._spawn(self._retire_when_closed(channel), "retire relay")
        return channel

    async def _retire_when_closed(self, channel: _Channel) -> None:
        await channel.feed.wait_closed()
        channel.retire = None  # this task ends here: _retire must not wait for it
        await self._retire(channel)

    async def _retire(self, channel: _Channel) -> None:
        if self._channels.get(channel.feed) is channel:
            del self._channels[channel.feed]
        retire, channel.retire = channel.retire, None
        if retire is not None:
            retire.cancel()
        await channel.relay.stop()

    def _spawn(self, coro: Coroutine[object, object, None], name: str) -> asyncio.Task[None]:
        task = asyncio.create_task(coro, name=name)
        self._tasks.add(task)
        task.add_done_callback(self._on_task_done)
        return task

    def _on_task_done(self, task: asyncio.Task[None]) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and (error := task.exception()) is not None:
            logger.error("%s failed", task.get_name(), exc_info=error)
