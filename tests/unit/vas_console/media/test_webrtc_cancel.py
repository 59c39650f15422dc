"""WhepSession's wait for news from the decoder never loses a cancellation, and reports the stream's end."""

from __future__ import annotations

import asyncio
import ssl
import threading

import pytest

from vas_console.media import whep_http
from vas_console.media.live import LiveState, LiveStatus
from vas_console.media.webrtc_client import WhepError, WhepSession, _Signals


@pytest.mark.parametrize("steps", [0, 1, 2, 3], ids=lambda n: f"{n}-steps")
async def test_a_cancel_that_arrives_with_a_picture_is_not_swallowed(steps: int) -> None:
    # Regression: asyncio.wait_for on 3.11 returned the result and dropped the cancellation (gh-86296),
    # and close() then waited forever for the session's task.
    signals = _Signals(asyncio.get_running_loop())
    waiting = asyncio.create_task(signals.wait(5.0))
    for _ in range(3):
        await asyncio.sleep(0)
    signals.post_picture()
    for _ in range(steps):
        await asyncio.sleep(0)
    if not waiting.cancel():
        return  # the news was taken before the cancellation: nothing to lose
    with pytest.raises(asyncio.CancelledError):
        await waiting


async def test_news_from_another_thread_wakes_the_wait() -> None:
    signals = _Signals(asyncio.get_running_loop())
    waiting = asyncio.create_task(signals.wait(5.0))
    await asyncio.sleep(0)

    threading.Thread(target=signals.post_picture).start()

    assert await waiting is True
    assert await signals.wait(0.01) is False  # consumed: a second wait times out


async def test_the_streams_end_is_an_error_with_the_operators_reason() -> None:
    signals = _Signals(asyncio.get_running_loop())
    waiting = asyncio.create_task(signals.wait(5.0))
    await asyncio.sleep(0)

    threading.Thread(target=signals.post_end).start()

    with pytest.raises(WhepError, match="the recorder ended the stream"):
        await waiting


async def test_news_after_the_loop_closed_is_dropped_quietly() -> None:
    loop = asyncio.new_event_loop()
    signals = _Signals(loop)
    loop.close()

    signals.post_picture()  # no RuntimeError: nobody is waiting any more
    signals.post_end()


async def test_a_session_closed_while_its_http_client_is_being_made_leaves_no_client(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    building = threading.Event()
    release = threading.Event()
    build = whep_http.tls_context

    def slow_tls_context() -> ssl.SSLContext:
        building.set()
        release.wait(5.0)  # the CA bundle still loading
        return build()

    monkeypatch.setattr(whep_http, "_context", None)
    monkeypatch.setattr(whep_http, "tls_context", slow_tls_context)
    statuses: list[LiveStatus] = []
    session = WhepSession(
        "http://127.0.0.1:9/whep/1/sub", (320, 180), statuses.append, bearer_token="t"
    )
    await session.start()
    assert await asyncio.to_thread(building.wait, 5.0)

    await session.close()  # returns without waiting for the context
    release.set()

    assert session._http is None
    assert statuses[-1].state is LiveState.CLOSED
    assert session.attempts == 0  # no offer was ever sent


async def test_a_session_without_an_http_client_is_offline_for_good_and_says_so(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def unreadable_bundle() -> ssl.SSLContext:
        raise OSError("certifi's cacert.pem: permission denied")

    monkeypatch.setattr(whep_http, "_context", None)
    monkeypatch.setattr(whep_http, "tls_context", unreadable_bundle)
    statuses: list[LiveStatus] = []
    session = WhepSession(
        "http://admin:secret@127.0.0.1:9/whep/1/sub", (320, 180), statuses.append, bearer_token="t"
    )
    await session.start()
    for _ in range(100):
        if statuses:
            break
        await asyncio.sleep(0.01)
    await session.close()

    offline = statuses[0]
    assert (offline.state, offline.reason) == (LiveState.OFFLINE, "internal error (see the log)")
    assert offline.retry_in_s is None  # nothing is scheduled: the tile feeds treat it as final
    assert session.attempts == 0
    assert "permission denied" in caplog.text
    assert "secret" not in caplog.text  # the URL in the log is redacted
