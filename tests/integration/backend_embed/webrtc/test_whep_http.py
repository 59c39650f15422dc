"""The WHEP endpoint's HTTP behaviour on 127.0.0.1 (draft-ietf-wish-whep, on WHIP's RFC 9725 rules):
status codes, headers, sessions' lifecycle, the bearer token every request but OPTIONS must carry.

Real: aiohttp, aiortc peers, LiveSources. No camera: camera 1 is "recorded" (its feed is a silent
recorder restream port, so no ffmpeg starts) and camera 2 has not been probed yet.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Sequence

import httpx
import pytest
from aiortc import RTCPeerConnection, RTCRtpSender, RTCSessionDescription

from backend_embed.api.dto import StreamRole
from backend_embed.api.errors import NotFoundError
from backend_embed.streams.controller import free_udp_port
from backend_embed.streams.live_sources import LiveSources
from backend_embed.webrtc.ice import peer_configuration, restricted_host_addresses
from backend_embed.webrtc.service import LiveService

CODECS = {1: "h264", 2: None}
TOKEN = "whep-http-test-token-" + "t" * 22
CHALLENGE = 'Bearer realm="vas-whep"'


@pytest.fixture
async def service() -> AsyncIterator[LiveService]:
    """A started LiveService over two cameras that exist only as callables (see the module docstring)."""
    port = free_udp_port()

    async def stream_url(camera_id: int, stream: StreamRole) -> tuple[str, Sequence[str]]:
        if camera_id not in CODECS:
            raise NotFoundError(f"Camera {camera_id} does not exist.")
        return f"rtsp://127.0.0.1:9/{camera_id}", ()

    sources = LiveSources(
        stream_url=stream_url,
        recorder_port=lambda camera_id, stream: port,
        codec_of=lambda camera_id, stream: CODECS.get(camera_id),
        idle_grace_s=0.2,
    )
    live = LiveService(
        sources,
        allowed_origins=("http://console.example",),
        bearer_token=TOKEN,
        setup_timeout_s=1.5,
    )
    await live.start()
    try:
        yield live
    finally:
        await live.stop()
        await sources.stop()


async def _offer(*, codec: str = "video/H264", direction: str = "recvonly") -> str:
    pc = RTCPeerConnection(peer_configuration())
    try:
        transceiver = pc.addTransceiver("video", direction=direction)
        caps = RTCRtpSender.getCapabilities("video").codecs
        transceiver.setCodecPreferences([c for c in caps if c.mimeType == codec])
        with restricted_host_addresses(["127.0.0.1"]):
            await pc.setLocalDescription(await pc.createOffer())
        return pc.localDescription.sdp
    finally:
        await pc.close()


async def _post(
    http: httpx.AsyncClient, path: str, body: str, content_type: str = "application/sdp"
) -> httpx.Response:
    return await http.post(path, content=body, headers={"Content-Type": content_type})


@pytest.fixture
async def http(service: LiveService) -> AsyncIterator[httpx.AsyncClient]:
    """A client that sends the service's token with every request."""
    headers = {"Authorization": f"Bearer {TOKEN}"}
    async with httpx.AsyncClient(base_url=service.base_url, headers=headers, timeout=10) as client:
        yield client


@pytest.fixture
async def anon(service: LiveService) -> AsyncIterator[httpx.AsyncClient]:
    """A client that sends no Authorization header (tests add their own)."""
    async with httpx.AsyncClient(base_url=service.base_url, timeout=10) as client:
        yield client


async def test_an_offer_is_answered_with_201_a_location_and_loopback_candidates_only(
    service: LiveService, http: httpx.AsyncClient
) -> None:
    response = await _post(http, "/whep/1/main", await _offer())

    assert response.status_code == 201, response.text
    assert response.headers["content-type"] == "application/sdp"
    location = response.headers["location"]
    assert location.startswith("/whep/session/")
    candidates = {
        line.split()[4] for line in response.text.splitlines() if line.startswith("a=candidate:")
    }
    assert candidates == {"127.0.0.1"}
    assert "a=rtpmap:" in response.text
    assert "VP8" not in response.text, "only H.264 may be negotiated"
    (session,) = service.sessions()
    assert session.feed.viewers == 1

    assert (await http.delete(location)).status_code == 200
    assert service.sessions() == []
    assert session.connection_state == "closed"
    assert (await http.delete(location)).status_code == 404


@pytest.mark.parametrize(
    ("path", "status", "words"),
    [
        pytest.param("/whep/99/main", 404, "does not exist", id="unknown-camera"),
        pytest.param("/whep/1/side", 404, "No stream 'side'", id="unknown-stream"),
        pytest.param("/whep/abc/main", 404, "No WHEP endpoint", id="not-a-camera-id"),
        pytest.param("/whep/2/main", 503, "format is unknown", id="codec-not-probed"),
    ],
)
async def test_requests_for_what_cannot_be_served_get_a_clear_error(
    service: LiveService, http: httpx.AsyncClient, path: str, status: int, words: str
) -> None:
    response = await _post(http, path, await _offer())

    assert response.status_code == status
    assert words in response.text
    assert service.sessions() == []
    if status == 503:
        assert response.headers["retry-after"] == "2"


async def test_unusable_offers_are_refused_with_400_or_415_before_any_feed_starts(
    service: LiveService, http: httpx.AsyncClient
) -> None:
    h264 = await _offer()
    cases = [
        (await _post(http, "/whep/1/main", h264, "text/plain"), 415, "application/sdp"),
        (await _post(http, "/whep/1/main", "hello"), 400, "not an SDP offer"),
        (await _post(http, "/whep/1/main", await _offer(codec="video/VP8")), 400, "H.264"),
        (await _post(http, "/whep/1/main", await _offer(direction="sendonly")), 400, "receive"),
        (await _post(http, "/whep/1/main", h264.replace("m=video", "m=audio")), 400, "no video"),
    ]
    for response, status, words in cases:
        assert (response.status_code, words in response.text) == (status, True), response.text
    assert service.sessions() == []


async def test_other_methods_get_405_with_allow_and_options_describes_the_endpoint(
    http: httpx.AsyncClient,
) -> None:
    get = await http.get("/whep/1/main")
    patch = await http.patch("/whep/session/abc", content=b"a=candidate")
    options = await http.options("/whep/1/main")

    assert get.status_code == 405
    assert "POST" in get.headers["allow"]
    assert patch.status_code == 405
    assert "Trickle ICE is not supported" in patch.text
    assert options.status_code == 204
    assert options.headers["accept-post"] == "application/sdp"
    assert "POST" in options.headers["allow"]


async def test_cors_headers_go_only_to_allowed_origins(http: httpx.AsyncClient) -> None:
    preflight = await http.options(
        "/whep/1/main",
        headers={"Origin": "http://console.example", "Access-Control-Request-Method": "POST"},
    )
    stranger = await http.options("/whep/1/main", headers={"Origin": "http://evil.example"})

    assert preflight.headers["access-control-allow-origin"] == "http://console.example"
    assert "Location" in preflight.headers["access-control-expose-headers"]
    assert "POST" in preflight.headers["access-control-allow-methods"]
    assert "access-control-allow-origin" not in stranger.headers


async def test_a_session_that_never_connects_is_closed_after_the_setup_timeout(
    service: LiveService, http: httpx.AsyncClient
) -> None:
    response = await _post(http, "/whep/1/main", await _offer())  # that peer is already closed
    assert response.status_code == 201
    (session,) = service.sessions()

    # the session leaves the list when its closing starts; the viewer is released when it ends
    async with asyncio.timeout(5):
        while service.sessions() or session.feed.viewers:  # noqa: ASYNC110  # no event for this
            await asyncio.sleep(0.05)

    assert session.connection_state == "closed"
    assert session.feed.viewers == 0
    await asyncio.wait_for(session.feed.wait_closed(), timeout=3)


async def test_a_viewer_that_closes_its_peer_without_delete_ends_its_session(
    service: LiveService, http: httpx.AsyncClient
) -> None:
    pc = RTCPeerConnection(peer_configuration())
    try:
        pc.addTransceiver("video", direction="recvonly")
        with restricted_host_addresses(["127.0.0.1"]):
            await pc.setLocalDescription(await pc.createOffer())
        response = await _post(http, "/whep/1/main", pc.localDescription.sdp)
        await pc.setRemoteDescription(RTCSessionDescription(response.text, "answer"))
        async with asyncio.timeout(5):
            while pc.connectionState != "connected":  # noqa: ASYNC110
                await asyncio.sleep(0.05)
    finally:
        await pc.close()  # sends DTLS close_notify: the server's connection closes too

    async with asyncio.timeout(5):
        while service.sessions():  # noqa: ASYNC110
            await asyncio.sleep(0.05)


@pytest.mark.parametrize(
    ("authorization", "challenge", "words"),
    [
        pytest.param(None, CHALLENGE, "needs its access token", id="missing"),
        pytest.param("Basic dXNlcjpwYXNz", CHALLENGE, "needs its access token", id="basic-scheme"),
        pytest.param(
            "Bearer wrong-token", f'{CHALLENGE}, error="invalid_token"', "is not", id="wrong-token"
        ),
        pytest.param(
            f"Bearer {TOKEN[:-1]}", f'{CHALLENGE}, error="invalid_token"', "is not", id="prefix"
        ),
    ],
)
@pytest.mark.parametrize("path", ["/whep/1/main", "/whep/99/main"], ids=["camera", "no-camera"])
async def test_a_post_without_the_right_token_gets_401_with_a_bearer_challenge(
    service: LiveService,
    anon: httpx.AsyncClient,
    path: str,
    authorization: str | None,
    challenge: str,
    words: str,
) -> None:
    headers = {"Content-Type": "application/sdp"}
    if authorization is not None:
        headers["Authorization"] = authorization

    response = await anon.post(path, content=await _offer(), headers=headers)

    assert response.status_code == 401, "no 404 either: a caller without the token learns nothing"
    assert response.headers["www-authenticate"] == challenge
    assert response.headers["content-type"].startswith("text/plain")
    assert words in response.text
    assert TOKEN not in response.text
    assert service.sessions() == []


async def test_the_right_token_opens_a_session_whatever_the_schemes_case(
    service: LiveService, anon: httpx.AsyncClient
) -> None:
    headers = {"Content-Type": "application/sdp", "Authorization": f"bearer {TOKEN}"}

    response = await anon.post("/whep/1/main", content=await _offer(), headers=headers)

    assert response.status_code == 201, response.text
    assert len(service.sessions()) == 1


async def test_a_delete_without_the_right_token_gets_401_and_the_session_stays_open(
    service: LiveService, http: httpx.AsyncClient, anon: httpx.AsyncClient
) -> None:
    location = (await _post(http, "/whep/1/main", await _offer())).headers["location"]

    missing = await anon.delete(location)
    wrong = await anon.delete(location, headers={"Authorization": "Bearer nope"})

    assert (missing.status_code, wrong.status_code) == (401, 401)
    assert missing.headers["www-authenticate"] == CHALLENGE
    assert wrong.headers["www-authenticate"] == f'{CHALLENGE}, error="invalid_token"'
    (session,) = service.sessions()
    assert session.connection_state != "closed"
    assert (await http.delete(location)).status_code == 200
    assert service.sessions() == []


async def test_options_and_the_cors_preflight_need_no_token_and_a_401_keeps_cors(
    anon: httpx.AsyncClient,
) -> None:
    origin = {"Origin": "http://console.example"}
    preflight = await anon.options(
        "/whep/1/main",
        headers={
            **origin,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "authorization, content-type",
        },
    )
    session_options = await anon.options("/whep/session/abc")
    refused = await anon.post("/whep/1/main", content="v=0", headers=origin)

    assert preflight.status_code == 204
    assert "Authorization" in preflight.headers["access-control-allow-headers"]
    assert preflight.headers["access-control-allow-origin"] == "http://console.example"
    assert session_options.status_code == 204
    assert refused.status_code == 401
    assert refused.headers["access-control-allow-origin"] == "http://console.example"
    assert "WWW-Authenticate" in refused.headers["access-control-expose-headers"]


async def test_refused_requests_are_logged_without_any_token(
    anon: httpx.AsyncClient, caplog: pytest.LogCaptureFixture
) -> None:
    sent = "Bearer another-hosts-token-" + "z" * 20
    caplog.set_level(logging.DEBUG)

    await anon.post("/whep/1/main", content="v=0", headers={"Authorization": sent})
    await anon.post("/whep/1/main", content="v=0")
    await anon.delete("/whep/session/abc", headers={"Authorization": sent})

    refused = [r for r in caplog.records if "refused" in r.getMessage()]
    assert len(refused) == 3, [r.getMessage() for r in caplog.records]
    assert "wrong access token" in refused[0].getMessage()
    assert "no access token" in refused[1].getMessage()
    for record in caplog.records:
        text = f"{record.getMessage()} {record.exc_text or ''}"
        assert TOKEN not in text
        assert sent.split()[1] not in text
