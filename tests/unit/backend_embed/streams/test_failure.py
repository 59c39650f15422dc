"""Tests for backend_embed.streams.failure: classifying how a recorder's ffmpeg ended."""

from __future__ import annotations

from pathlib import Path

import pytest

from backend_embed.streams.failure import (
    FailureKind,
    cannot_start,
    classify_exit,
    folder_unusable,
    stalled,
)

URL = "rtsp://admin:***@127.0.0.1:8554/main"


@pytest.mark.parametrize(
    ("returncode", "lines", "kind"),
    [
        pytest.param(1, ["[rtsp @ 0x1] method DESCRIBE failed: 401 Unauthorized",
                         f"{URL}: Server returned 401 Unauthorized (authorization failed)"],
                     FailureKind.AUTH_FAILED, id="401"),
        pytest.param(1, [f"{URL}: Server returned 403 Forbidden (access denied)"],
                     FailureKind.AUTH_FAILED, id="403"),
        pytest.param(1, ["[rtsp @ 0x1] method DESCRIBE failed: 404 Not Found",
                         f"{URL}: Server returned 404 Not Found"], FailureKind.NOT_FOUND, id="404"),
        pytest.param(1, ["[tcp @ 0x1] Connection to tcp://127.0.0.1:8554?timeout=5000000 failed: "
                         "Connection refused", f"{URL}: Connection refused"],
                     FailureKind.UNREACHABLE, id="refused"),
        pytest.param(1, [f"{URL}: Connection timed out"], FailureKind.UNREACHABLE, id="timeout"),
        pytest.param(0, ["[hls @ 0x1] Opening '/rec/1/main.m3u8.tmp' for writing",
                         "video:569kB audio:0kB subtitle:0kB other streams:0kB"],
                     FailureKind.STREAM_ENDED, id="ended"),
        pytest.param(1, ["[hls @ 0x1] Failed to open file '/rec/1/x.ts.tmp': No space left on device"],
                     FailureKind.DISK_FULL, id="disk-full"),
        pytest.param(1, ["[hls @ 0x1] Failed to open file '/rec/1/x.ts.tmp': Permission denied"],
                     FailureKind.CONFIGURATION, id="permission"),
        pytest.param(1, ["Unrecognized option 'copytb'.", "Error splitting the argument list: "
                         "Option not found"], FailureKind.CONFIGURATION, id="old-ffmpeg"),
        pytest.param(1, ["Could not write header for output file #0 (incorrect codec parameters ?)"],
                     FailureKind.CONFIGURATION, id="codec"),
        pytest.param(-9, [], FailureKind.OTHER, id="killed"),
        pytest.param(1, ["something odd happened"], FailureKind.OTHER, id="unknown"),
    ],
)  # fmt: skip
def test_exits_are_classified(returncode: int, lines: list[str], kind: FailureKind) -> None:
    assert classify_exit(returncode, lines).kind is kind


def test_an_authentication_failure_says_so_first_and_retries_slowly() -> None:
    failure = classify_exit(1, [f"{URL}: Server returned 401 Unauthorized (authorization failed)"])
    assert failure.reason.startswith("authentication failed: ")
    assert "user name or password" in failure.reason
    assert failure.slow_retry
    assert not failure.permanent


def test_only_configuration_errors_are_permanent() -> None:
    assert classify_exit(1, ["Unrecognized option 'x'."]).permanent
    assert not classify_exit(1, [f"{URL}: Connection refused"]).permanent
    assert not classify_exit(0, []).permanent
    assert not stalled(17).permanent


def test_connection_failures_retry_on_the_fast_policy() -> None:
    assert not classify_exit(1, [f"{URL}: Connection refused"]).slow_retry
    assert not classify_exit(0, []).slow_retry
    assert not classify_exit(-9, []).slow_retry


def test_an_unknown_error_shows_its_last_line_redacted() -> None:
    failure = classify_exit(
        1, ["[rtsp @ 0x1] rtsp://admin:hunter2@10.0.0.9/x: weird reply"], secrets=["hunter2"]
    )
    assert failure.kind is FailureKind.OTHER
    assert "weird reply" in failure.message
    assert "hunter2" not in failure.reason


def test_a_killed_ffmpeg_names_the_signal() -> None:
    assert classify_exit(-9, []).message == "ffmpeg was killed (signal 9)."


def test_stalled_cannot_start_and_folder_unusable_read_as_sentences() -> None:
    assert stalled(17).reason == (
        "recording stalled: No new recording for 17 s; the recorder was restarted."
    )
    error = FileNotFoundError(2, "No such file or directory")
    assert cannot_start("/opt/ffmpeg", error).reason == (
        "recorder misconfigured: The recorder cannot start /opt/ffmpeg: No such file or directory."
    )
    assert (
        "Permission denied"
        in folder_unusable(Path("/rec/3"), PermissionError(13, "Permission denied")).message
    )
