"""WarmFeeds: the live feeds of streams other than main, held so a first viewer starts at once.

A recorded camera's main stream is held by `LiveCapture` (stills need it; decision 22). A camera set to
record its sub stream instead has its recorder's restream of the sub stream flowing anyway: reading it
costs one demux and no camera session, and its relay's GOP cache then answers a wall's first viewer
with a picture at once instead of after the camera's next keyframe. Such recorded streams are held only
while the recorder carries them (`carried`), never as a camera session of their own.

The host may also name streams to hold although no recorder carries them (`follow(also=...)`: the sub
streams of recording cameras, decision 28). Each costs a live-only ingest (stream copy) and one camera
session, the one a wall of sub streams opens anyway.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Collection

from backend_embed.api.dto import StreamRole
from backend_embed.api.errors import NotFoundError
from backend_embed.streams.live_sources import LiveFeed, LiveSources, LiveSourceUnavailableError

logger = logging.getLogger(__name__)

FeedKey = tuple[int, StreamRole]


class WarmFeeds:
    """Holds one feed per recorded (camera, stream) it is told of; runs on the loop."""

    def __init__(
        self,
        sources: LiveSources,
        read: Callable[[LiveFeed], object],
        carried: Callable[[int, StreamRole], bool],
    ) -> None:
        """Args:
        sources: the live feeds (acquired like a viewer's).
        read: starts the feed's reader (the live service's relay), so its GOP cache fills.
        carried: whether the recorder's restream carries this stream now.
        """
        self._sources = sources
        self._read = read
        self._carried = carried
        self._feeds: dict[FeedKey, LiveFeed] = {}

    def held(self) -> list[FeedKey]:
        return sorted(self._feeds)

    async def follow(self, recorded: Collection[FeedKey], also: Collection[FeedKey] = ()) -> None:
        """Hold exactly the `recorded` non-main streams the recorder carries, and the non-main streams
        `also` names whoever carries them; let the others go."""
        wanted = {key for key in recorded if key[1] is not StreamRole.MAIN and self._carried(*key)}
        extra = {key for key in also if key[1] is not StreamRole.MAIN} - wanted
        wanted |= extra
        for key in [k for k, feed in self._feeds.items() if k not in wanted or feed.closed]:
            self._let_go(key)
        for key in sorted(wanted - self._feeds.keys()):
            try:
                feed = await self._sources.acquire(*key)
            except (LiveSourceUnavailableError, NotFoundError) as exc:
                logger.debug("Not keeping camera %d %s warm: %s", key[0], key[1].value, exc)
                continue
            self._feeds[key] = feed
            self._read(feed)
            why = "for the wall" if key in extra else "recorded"
            logger.info("Live feed of camera %d %s kept warm (%s)", key[0], key[1].value, why)

    def release_all(self) -> None:
        for key in list(self._feeds):
            self._let_go(key)

    def _let_go(self, key: FeedKey) -> None:
        feed = self._feeds.pop(key)
        if not feed.closed:
            self._sources.release(feed)


__all__ = ["WarmFeeds"]
