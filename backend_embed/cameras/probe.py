"""Camera connection tests: run ffprobe against an RTSP URL and turn what happened into a ProbeResult."""

from __future__ import annotations

import json
import logging
import re
import time
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any, Final

from backend_embed.api.dto import ProbeOutcome, ProbeResult, StreamRole
from backend_embed.cameras.redaction import redact
from backend_embed.cameras.urls import SCHEMES
from backend_embed.ffmpeg.runner import ToolResult, run_tool

logger = logging.getLogger(__name__)

SUPPORTED_CODECS: Final = frozenset({"h264", "hevc", "mjpeg"})
#: a second, slower probe only runs if at least this much of the time budget is left
_MIN_FPS_PROBE_S: Final = 1.5
#: "Invalid data" this close to the socket timeout means the server said nothing, not something else
_SILENCE_RATIO: Final = 0.9
_MAX_FPS: Final = 240.0
_CONTEXT_PREFIX = re.compile(r"^\[[\w-]+ @ (?:0x)?[0-9a-fA-F]+\]\s*")
_URL_PREFIX = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.\-]*://\S*: ")


class _UnreadableOutputError(Exception):
    """ffprobe exited 0 but its stdout is not the JSON it should print."""


@dataclass(frozen=True, slots=True)
class _Rule:
    pattern: re.Pattern[str]
    outcome: ProbeOutcome
    message: str


def _rule(pattern: str, outcome: ProbeOutcome, message: str) -> _Rule:
    return _Rule(re.compile(pattern, re.IGNORECASE), outcome, message)


# First match wins, so specific server replies come before the generic socket errors.
_RULES: Final = (
    _rule(r"\b401 Unauthorized\b", ProbeOutcome.AUTH_FAILED,
          "The camera rejected the user name or password."),
    _rule(r"\b403 Forbidden\b", ProbeOutcome.AUTH_FAILED,
          "The camera refused access for this user (403 Forbidden). Check the user's rights on the camera."),
    _rule(r"\b(404 Not Found|454 Session Not Found)\b", ProbeOutcome.NOT_FOUND,
          "The camera has no stream at this path. Check the path part of the URL."),
    _rule(r"\b461 Unsupported Transport\b", ProbeOutcome.ERROR,
          "The camera refused to stream over TCP (461 Unsupported Transport)."),
    _rule(r"Connection refused", ProbeOutcome.UNREACHABLE,
          "Nothing accepts connections at this address and port (connection refused). "
          "Check the host and the port."),
    _rule(r"Failed to resolve hostname|Name or service not known|name resolution|nodename nor servname",
          ProbeOutcome.UNREACHABLE,
          "The camera's host name cannot be resolved. Check its spelling, or use the camera's IP address."),
    _rule(r"No route to host|Network is unreachable|Host is unreachable", ProbeOutcome.UNREACHABLE,
          "The camera's network cannot be reached (no route to host)."),
    _rule(r"Connection timed out|Operation timed out", ProbeOutcome.TIMEOUT,
          "The camera did not answer in time."),
    _rule(r"\[tls @|TLS|SSL", ProbeOutcome.NOT_RTSP,
          "The server at this address does not speak RTSP over TLS (rtsps). Try rtsp:// instead."),
    _rule(r"Invalid data found when processing input|Protocol not found", ProbeOutcome.NOT_RTSP,
          "Something answers at this address but it does not speak RTSP. Check the port "
          "(RTSP is usually 554)."),
)  # fmt: skip


def classify_failure(stderr: str, secrets: Sequence[str] = ()) -> tuple[ProbeOutcome, str]:
    """Classify a failed ffprobe run by its stderr.

    Pure: no I/O. ffprobe 5.1 with `-v error` prints one or two lines, the last naming the URL.

    Returns:
        The outcome and a redacted operator sentence; ERROR carries the last stderr line.
    """
    for rule in _RULES:
        if rule.pattern.search(stderr):
            return rule.outcome, rule.message
    last = last_line(stderr, secrets)
    if not last:
        return ProbeOutcome.ERROR, "The connection test failed without saying why."
    return ProbeOutcome.ERROR, f"The connection test failed: {last}"


def last_line(stderr: str, secrets: Sequence[str] = ()) -> str:
    """The last non-empty stderr line, redacted, without ffmpeg's `[rtsp @ 0x...]` or `<url>: ` prefix."""
    lines = [line.strip() for line in stderr.splitlines() if line.strip()]
    if not lines:
        return ""
    return redact(_URL_PREFIX.sub("", _CONTEXT_PREFIX.sub("", lines[-1])), secrets)


def ffprobe_argv(ffprobe: str, url: str, *, io_timeout: float, fast: bool = True) -> list[str]:
    """The ffprobe command line for one probe.

    `fast` reads 32 KiB with no analysis: enough for H.264/H.265 size and frame rate (from the SDP and SPS)
    in a fraction of the default time. The slow form analyses half a second of video, which MJPEG needs for
    its frame rate (one 720p JPEG is larger than 32 KiB).
    """
    analysis = (
        ["-probesize", "32768", "-analyzeduration", "0"] if fast else ["-analyzeduration", "500000"]
    )
    return [
        ffprobe, "-v", "error", "-rtsp_transport", "tcp", "-timeout", str(int(io_timeout * 1_000_000)),
        *analysis, "-print_format", "json", "-show_streams", "-select_streams", "v:0", url,
    ]  # fmt: skip


async def probe_stream(
    url: str,
    *,
    timeout: float = 8.0,  # noqa: ASYNC109  (a TIMEOUT result, not a cancellation of the caller)
    secrets: Sequence[str] = (),
    ffprobe: str = "ffprobe",
    stream: StreamRole = StreamRole.MAIN,
) -> ProbeResult:
    """Test whether `url` serves a video stream the console can use, within `timeout` seconds overall.

    Never raises for a camera problem: every failure is a ProbeResult whose `message` is redacted with
    `secrets` (the camera's password) and fit for the operator. ffprobe is always killed and reaped, also
    when the caller is cancelled (the CancelledError propagates).

    Args:
        url: the RTSP URL, with credentials if the camera needs them. Never logged unredacted.
        timeout: seconds for the whole test, including a second probe for an MJPEG frame rate.
        secrets: plain-text secrets to mask in every message (the password).
        ffprobe: the ffprobe executable.
        stream: which of the camera's streams `url` is; copied into the result.
    """
    started = time.monotonic()
    scheme = url.partition("://")[0].lower() if "://" in url else ""
    if scheme not in SCHEMES:
        shown = f"{scheme}://" if scheme else redact(url, secrets)
        return ProbeResult(ProbeOutcome.NOT_RTSP, f"Not an RTSP URL ({shown}). Cameras are reached with rtsp://.",
                           stream=stream)  # fmt: skip
    logger.debug("Probing %s", redact(url, secrets))
    result = await _run_probe(ffprobe, url, budget=timeout, fast=True)
    if isinstance(result, ProbeResult):
        return replace(result, stream=stream, elapsed_s=time.monotonic() - started)
    probe = _interpret(result, timeout=timeout, secrets=secrets)
    if (
        probe.ok
        and probe.fps is None
        and timeout - (time.monotonic() - started) >= _MIN_FPS_PROBE_S
    ):
        probe = await _probe_fps(ffprobe, url, probe, timeout - (time.monotonic() - started))
    elapsed = time.monotonic() - started
    logger.debug("Probe of %s: %s in %.2f s", redact(url, secrets), probe.summary(), elapsed)
    return replace(probe, stream=stream, elapsed_s=elapsed)


async def _run_probe(
    ffprobe: str, url: str, *, budget: float, fast: bool
) -> ToolResult | ProbeResult:
    try:
        return await run_tool(
            ffprobe_argv(ffprobe, url, io_timeout=budget, fast=fast), timeout=budget
        )
    except FileNotFoundError:
        logger.error("ffprobe not found: %s", ffprobe)  # noqa: TRY400  (no traceback needed)
        return ProbeResult(
            ProbeOutcome.ERROR, f"The connection test cannot run: {ffprobe} is not installed."
        )
    except OSError as exc:
        logger.error("ffprobe cannot start: %s", exc)  # noqa: TRY400
        return ProbeResult(
            ProbeOutcome.ERROR, f"The connection test cannot run: {exc.strerror or exc}."
        )


async def _probe_fps(ffprobe: str, url: str, first: ProbeResult, budget: float) -> ProbeResult:
    """Probe again, slowly, for a frame rate the fast probe could not measure; keep `first` if that fails."""
    result = await _run_probe(ffprobe, url, budget=budget, fast=False)
    if isinstance(result, ProbeResult) or result.timed_out or result.returncode != 0:
        return first
    try:
        stream = _video_stream(result.stdout)
    except _UnreadableOutputError:
        return first
    return replace(first, fps=_fps(stream)) if stream is not None else first


def _interpret(result: ToolResult, *, timeout: float, secrets: Sequence[str]) -> ProbeResult:
    if result.timed_out:
        return ProbeResult(ProbeOutcome.TIMEOUT, f"The camera did not answer within {timeout:g} s.")
    if result.returncode != 0:
        outcome, message = classify_failure(result.stderr, secrets)
        if outcome is ProbeOutcome.NOT_RTSP and result.elapsed_s >= timeout * _SILENCE_RATIO:
            # ffprobe's own socket timeout fired first: the server accepted and then said nothing
            return ProbeResult(
                ProbeOutcome.TIMEOUT, f"The camera did not answer within {timeout:g} s."
            )
        return ProbeResult(outcome, message)
    return _describe(result, secrets)


def _describe(result: ToolResult, secrets: Sequence[str]) -> ProbeResult:
    try:
        stream = _video_stream(result.stdout)
    except _UnreadableOutputError:
        shown = last_line(result.stderr, secrets) or "no readable output"
        return ProbeResult(ProbeOutcome.ERROR, f"The connection test failed: ffprobe gave {shown}.")
    if stream is None:
        return ProbeResult(ProbeOutcome.UNSUPPORTED_CODEC, "The stream has no video.")
    codec = str(stream.get("codec_name") or "unknown")
    width, height = _positive_int(stream.get("width")), _positive_int(stream.get("height"))
    if codec not in SUPPORTED_CODECS:
        return ProbeResult(ProbeOutcome.UNSUPPORTED_CODEC,
                           f"The video is {codec.upper()}; the console supports H.264, H.265 and MJPEG.",
                           codec=codec, width=width, height=height)  # fmt: skip
    fps = _fps(stream)
    return ProbeResult(
        ProbeOutcome.OK, "The camera answers.", codec=codec, width=width, height=height, fps=fps
    )


def _video_stream(stdout: bytes) -> dict[str, Any] | None:
    """The first stream of ffprobe's JSON, or None if it lists none.

    Raises:
        _UnreadableOutputError: not ffprobe's JSON.
    """
    try:
        doc = json.loads(stdout.decode("utf-8", errors="replace") or "null")
    except ValueError as exc:
        raise _UnreadableOutputError from exc
    if not isinstance(doc, dict):
        raise _UnreadableOutputError
    streams = doc.get("streams") or []
    if not isinstance(streams, list) or not streams or not isinstance(streams[0], dict):
        return None
    return streams[0]


def _fps(stream: dict[str, Any]) -> float | None:
    """The measured average frame rate; None when ffprobe did not measure it ("0/0") or it is implausible.

    `r_frame_rate` is not used: with a short probe it is a guess (MJPEG gives 90000/1).
    """
    num, _, den = str(stream.get("avg_frame_rate") or "").partition("/")
    try:
        fps = float(num) / float(den or 1)
    except (ValueError, ZeroDivisionError):
        return None
    return round(fps, 3) if 0 < fps <= _MAX_FPS else None


def _positive_int(value: object) -> int | None:
    return value if isinstance(value, int) and value > 0 else None
