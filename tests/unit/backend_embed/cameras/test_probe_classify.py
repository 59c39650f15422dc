"""Tests for backend_embed.cameras.probe without a camera: stderr classification and ffprobe output reading.

The stderr table holds real ffprobe 5.1.9 (Debian 12) output, captured against the simulated cameras, local
sockets and hand-made RTSP replies; the one line marked "ffmpeg source" is the message ffmpeg's tcp.c
builds for a connect timeout, which no loopback test can provoke. A fake ffprobe (a small script written
per test) drives probe_stream through the output cases no simulated camera produces.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from backend_embed.api.dto import ProbeOutcome, StreamRole
from backend_embed.cameras.probe import classify_failure, ffprobe_argv, last_line, probe_stream

PO = ProbeOutcome

STDERR_TABLE = [
    pytest.param(
        "[rtsp @ 0x55ddebc79240] method DESCRIBE failed: 401 Unauthorized\n"
        "rtsp://admin:wrong@127.0.0.1:33335/main: Server returned 401 Unauthorized (authorization failed)\n",
        PO.AUTH_FAILED, "user name or password", id="401-digest-wrong-password",
    ),
    pytest.param(
        "[rtsp @ 0x55dc80615240] method DESCRIBE failed: 401 Unauthorized\n"
        "rtsp://127.0.0.1:33335/main: Server returned 401 Unauthorized (authorization failed)\n",
        PO.AUTH_FAILED, "user name or password", id="401-no-credentials",
    ),
    pytest.param(
        "[rtsp @ 0x556ee4862280] method DESCRIBE failed: 403 Forbidden\n"
        "rtsp://127.0.0.1:40017/x: Server returned 403 Forbidden (access denied)\n",
        PO.AUTH_FAILED, "403 Forbidden", id="403",
    ),
    pytest.param(
        "[rtsp @ 0x55cbf98f7240] method DESCRIBE failed: 404 Not Found\n"
        "rtsp://127.0.0.1:46493/nope: Server returned 404 Not Found\n",
        PO.NOT_FOUND, "no stream at this path", id="404",
    ),
    pytest.param(
        "[tcp @ 0x56227a5fc480] Connection to tcp://127.0.0.1:59001?timeout=3000000 failed: Connection refused\n"
        "rtsp://127.0.0.1:59001/x: Connection refused\n",
        PO.UNREACHABLE, "connection refused", id="refused",
    ),
    pytest.param(
        "[tcp @ 0x5557806c2480] Failed to resolve hostname no-such-camera.invalid: Name or service not known\n"
        "rtsp://no-such-camera.invalid/x: Input/output error\n",
        PO.UNREACHABLE, "host name cannot be resolved", id="dns",
    ),
    pytest.param(
        "[tcp @ 0x5563760b1480] Connection to tcp://[2001:db8::1]:554?timeout=3000000 failed: No route to host\n"
        "rtsp://[2001:db8::1]:554/x: No route to host\n",
        PO.UNREACHABLE, "no route to host", id="no-route",
    ),
    pytest.param(
        "[tcp @ 0x55d0c0a8e480] Connection to tcp://10.1.2.3:554?timeout=3000000 failed: Connection timed out\n"
        "rtsp://10.1.2.3:554/x: Connection timed out\n",
        PO.TIMEOUT, "did not answer", id="connect-timeout-ffmpeg-source",
    ),
    pytest.param(
        "rtsp://127.0.0.1:46585/x: Invalid data found when processing input\n",
        PO.NOT_RTSP, "does not speak RTSP", id="http-server",
    ),
    pytest.param(
        "[tls @ 0x55b1bc8f30c0] An unexpected TLS packet was received.\n"
        "rtsps://127.0.0.1:46493/main: Input/output error\n",
        PO.NOT_RTSP, "RTSP over TLS", id="rtsps-to-plain-rtsp",
    ),
    pytest.param(
        "[rtsp @ 0x563cd12e2280] method SETUP failed: 461 Unsupported Transport\n"
        "rtsp://127.0.0.1:41077/x: Protocol not supported\n",
        PO.ERROR, "refused to stream over TCP", id="461",
    ),
    pytest.param(
        "[rtsp @ 0x5590574e8280] method DESCRIBE failed: 500 Internal Server Error\n"
        "rtsp://127.0.0.1:37475/x: Server returned 5XX Server Error reply\n",
        PO.ERROR, "failed: Server returned 5XX Server Error reply", id="500",
    ),
    pytest.param(
        "rtsp://127.0.0.1:51687/x: Server returned 400 Bad Request\n",
        PO.ERROR, "failed: Server returned 400 Bad Request", id="400",
    ),
    pytest.param(
        "[tcp @ 0x55943e772480] Connection to tcp://[fe80::1]:554?timeout=3000000 failed: Invalid argument\n"
        "rtsp://[fe80::1]:554/x: Invalid argument\n",
        PO.ERROR, "failed: Invalid argument", id="link-local-without-scope",
    ),
    pytest.param("", PO.ERROR, "without saying why", id="no-stderr"),
]  # fmt: skip


@pytest.mark.parametrize(("stderr", "outcome", "fragment"), STDERR_TABLE)
def test_classify_failure_maps_real_ffprobe_stderr(
    stderr: str, outcome: ProbeOutcome, fragment: str
) -> None:
    got, message = classify_failure(stderr)
    assert got is outcome
    assert fragment in message


def test_classify_failure_redacts_the_error_line() -> None:
    stderr = "rtsp://admin:Sekr3t@cam:554/x: Server returned 400 Bad Request (Sekr3t)\n"
    outcome, message = classify_failure(stderr, ["Sekr3t"])
    assert outcome is PO.ERROR
    assert "Sekr3t" not in message


def test_last_line_drops_ffmpeg_prefixes_and_redacts() -> None:
    stderr = "first\n[rtsp @ 0x5590574e8280] rtsp://u:pw%40x@cam/x: odd reply from pw@x\n\n"
    assert last_line(stderr, ["pw@x"]) == "odd reply from ***"


def test_ffprobe_argv_sets_tcp_the_socket_timeout_and_a_short_probe() -> None:
    argv = ffprobe_argv("ffprobe", "rtsp://cam/x", io_timeout=2.5)
    assert (argv[0], argv[-1]) == ("ffprobe", "rtsp://cam/x")
    pairs = {opt: argv[i + 1] for i, opt in enumerate(argv[:-1]) if opt.startswith("-")}
    assert pairs["-rtsp_transport"] == "tcp"
    assert pairs["-timeout"] == "2500000"
    assert (pairs["-probesize"], pairs["-analyzeduration"]) == ("32768", "0")
    assert pairs["-select_streams"] == "v:0"


def _fake_ffprobe(tmp_path: Path, *, fast: object, slow: object = None, exit_code: int = 0) -> str:
    """Write an executable that prints `fast` (or `slow`, for the long-analysis form) as ffprobe's JSON."""
    script = tmp_path / "ffprobe"
    script.write_text(
        f"#!{sys.executable}\n"
        "import sys\n"
        f"fast, slow = {json.dumps(fast)!r}, {json.dumps(slow)!r}\n"
        "print(fast if '32768' in sys.argv else slow)\n"
        "sys.stderr.write('some warning\\n')\n"
        f"sys.exit({exit_code})\n",
        encoding="utf-8",
    )
    script.chmod(0o755)
    return str(script)


def _stream(codec: str, avg: str = "25/1", **extra: object) -> dict[str, object]:
    return {
        "streams": [
            {"codec_name": codec, "width": 1280, "height": 720, "avg_frame_rate": avg, **extra}
        ]
    }


@pytest.mark.asyncio
@pytest.mark.parametrize(
    ("output", "outcome", "summary"),
    [
        pytest.param(_stream("h264"), PO.OK, "H264 1280x720 @ 25 fps", id="h264"),
        pytest.param(
            _stream("hevc", "30000/1001"), PO.OK, "HEVC 1280x720 @ 29.97 fps", id="hevc-ntsc"
        ),
        pytest.param(_stream("vp8"), PO.UNSUPPORTED_CODEC, "unsupported codec", id="vp8"),
        pytest.param({"streams": []}, PO.UNSUPPORTED_CODEC, "unsupported codec", id="no-video"),
        pytest.param({}, PO.UNSUPPORTED_CODEC, "unsupported codec", id="no-streams-key"),
        pytest.param("not json", PO.ERROR, "error", id="garbage-output"),
    ],
)
async def test_probe_stream_reads_ffprobe_output(
    tmp_path: Path, output: object, outcome: ProbeOutcome, summary: str
) -> None:
    ffprobe = _fake_ffprobe(tmp_path, fast=output)
    result = await probe_stream("rtsp://cam/x", ffprobe=ffprobe, stream=StreamRole.SUB)
    assert result.outcome is outcome
    assert result.summary() == summary
    assert result.stream is StreamRole.SUB


@pytest.mark.asyncio
async def test_probe_stream_names_an_unsupported_codec(tmp_path: Path) -> None:
    result = await probe_stream(
        "rtsp://cam/x", ffprobe=_fake_ffprobe(tmp_path, fast=_stream("vp8"))
    )
    assert "VP8" in result.message
    assert result.codec == "vp8"


@pytest.mark.asyncio
async def test_probe_stream_probes_again_for_an_mjpeg_frame_rate(tmp_path: Path) -> None:
    # what ffprobe 5.1 really prints for a 720p MJPEG camera with a 32 KiB probe: no measured rate
    fast = _stream("mjpeg", "0/0", r_frame_rate="90000/1")
    ffprobe = _fake_ffprobe(tmp_path, fast=fast, slow=_stream("mjpeg", "10/1"))
    result = await probe_stream("rtsp://cam/x", ffprobe=ffprobe)
    assert (result.outcome, result.fps) == (PO.OK, 10.0)


@pytest.mark.asyncio
async def test_probe_stream_keeps_an_unknown_rate_when_the_second_probe_fails(
    tmp_path: Path,
) -> None:
    ffprobe = _fake_ffprobe(tmp_path, fast=_stream("mjpeg", "0/0"), slow="broken")
    result = await probe_stream("rtsp://cam/x", ffprobe=ffprobe)
    assert (result.outcome, result.fps, result.summary()) == (PO.OK, None, "MJPEG 1280x720")


@pytest.mark.asyncio
@pytest.mark.parametrize(
    "url",
    [
        pytest.param("http://admin:Sekr3t@cam/x", id="http"),
        pytest.param("cam.local/x", id="no-scheme"),
        pytest.param("-i /etc/passwd", id="option-like"),
    ],
)
async def test_probe_stream_refuses_a_non_rtsp_url_without_running_ffprobe(url: str) -> None:
    result = await probe_stream(url, ffprobe="/nonexistent/ffprobe", secrets=["Sekr3t"])
    assert result.outcome is PO.NOT_RTSP
    assert "Sekr3t" not in result.message


@pytest.mark.asyncio
async def test_probe_stream_reports_a_missing_ffprobe_as_an_error(tmp_path: Path) -> None:
    result = await probe_stream("rtsp://cam/x", ffprobe=str(tmp_path / "no-ffprobe"))
    assert result.outcome is PO.ERROR
    assert "not installed" in result.message
