"""WarmFeeds: recorded streams other than main are held (their GOP cache fills) and let go when no longer.

Real: `LiveSources` on the recorder route (no ffmpeg starts on it). Fake: the reader, a list of feeds.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from backend_embed.api.dto import StreamRole
from backend_embed.streams.live_sources import LiveFeed, LiveSources
from backend_embed.streams.warm_feeds import WarmFeeds
from tests.helpers.recorded_sources import recorded_sources

MAIN, SUB = StreamRole.MAIN, StreamRole.SUB


@pytest.fixture
async def sources() -> AsyncIterator[LiveSources]:
    live = recorded_sources(idle_grace_s=0.0)
    yield live
    await live.stop()


def _viewers(sources: LiveSources) -> dict[tuple[int, StreamRole], int]:
    """The feeds somebody holds (a released one closes after the grace, in a task of its own)."""
    return {(f.camera_id, f.stream): f.viewers for f in sources.feeds() if f.viewers}


async def test_recorded_sub_streams_are_held_and_read_and_main_streams_left_to_live_capture(
    sources: LiveSources,
) -> None:
    read: list[LiveFeed] = []
    warm = WarmFeeds(sources, read.append, carried=lambda _camera, _stream: True)

    await warm.follow({(1, SUB), (2, MAIN), (3, SUB)})

    assert warm.held() == [(1, SUB), (3, SUB)]
    assert [(f.camera_id, f.stream) for f in read] == [(1, SUB), (3, SUB)]
    assert _viewers(sources) == {(1, SUB): 1, (3, SUB): 1}

    await warm.follow({(1, SUB), (3, SUB)})  # asked again: nothing more acquired
    assert _viewers(sources) == {(1, SUB): 1, (3, SUB): 1}

    await warm.follow({(3, SUB)})  # camera 1 stopped recording
    assert warm.held() == [(3, SUB)]
    assert _viewers(sources) == {(3, SUB): 1}

    warm.release_all()
    assert warm.held() == []
    assert _viewers(sources) == {}


async def test_a_stream_the_recorder_does_not_carry_is_never_opened(sources: LiveSources) -> None:
    carried = {(1, SUB)}
    warm = WarmFeeds(sources, lambda _feed: None, carried=lambda c, s: (c, s) in carried)

    await warm.follow({(1, SUB), (2, SUB)})
    assert warm.held() == [(1, SUB)]

    carried.clear()  # its recorder stopped: the feed would become a camera session of its own
    await warm.follow({(1, SUB)})
    assert warm.held() == []
    assert _viewers(sources) == {}
