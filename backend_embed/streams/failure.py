"""Why a recorder's ffmpeg stopped: its exit status and stderr tail turned into an operator sentence."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Final

from backend_embed.api.dto import ProbeOutcome
from backend_embed.cameras.probe import classify_failure, last_line


class FailureKind(StrEnum):
    """What went wrong, in words an operator reads first in the reason ("authentication failed: ...")."""

    AUTH_FAILED = "authentication failed"
    UNREACHABLE = "camera unreachable"
    NOT_FOUND = "stream not found"
    STREAM_ENDED = "stream ended"
    DISK_FULL = "disk full"
    STALLED = "recording stalled"
    CONFIGURATION = "recorder misconfigured"
    OTHER = "recorder error"


#: failures that need a person: retried on the slow policy
SLOW_RETRY: Final = frozenset(
    {FailureKind.AUTH_FAILED, FailureKind.NOT_FOUND, FailureKind.DISK_FULL}
)
#: failures no retry can fix: the recorder stops in FAILED until its settings change
PERMANENT: Final = frozenset({FailureKind.CONFIGURATION})


@dataclass(frozen=True, slots=True)
class Failure:
    """One classified stop of a recorder.

    Attributes:
        kind: the class; decides the retry policy.
        message: a redacted sentence for the operator.
    """

    kind: FailureKind
    message: str

    @property
    def reason(self) -> str:
        """What `RecorderStatus.reason` shows: the class, then the sentence."""
        return f"{self.kind.value}: {self.message}"

    @property
    def slow_retry(self) -> bool:
        return self.kind in SLOW_RETRY

    @property
    def permanent(self) -> bool:
        return self.kind in PERMANENT


@dataclass(frozen=True, slots=True)
class _Rule:
    pattern: re.Pattern[str]
    kind: FailureKind
    message: str


def _rule(pattern: str, kind: FailureKind, message: str) -> _Rule:
    return _Rule(re.compile(pattern, re.IGNORECASE), kind, message)


# The recorder's own outputs, checked before the camera-side rules of the connection test. First match wins.
_OUTPUT_RULES: Final = (
    _rule(r"No space left on device|Disk quota exceeded", FailureKind.DISK_FULL,
          "The disk holding the recordings is full."),
    _rule(r"Permission denied|Read-only file system", FailureKind.CONFIGURATION,
          "The recordings folder cannot be written (permission denied or read-only)."),
    _rule(r"Unrecognized option|Option \S+ not found|Error splitting the argument list|Unknown encoder"
          r"|Encoder \S+ not found", FailureKind.CONFIGURATION,
          "This ffmpeg does not accept the recorder's command line. Check the ffmpeg installation."),
    _rule(r"Could not write header|Error initializing output stream|Could not find tag for codec",
          FailureKind.CONFIGURATION,
          "The camera's stream cannot be recorded as it is (its codec does not fit MPEG-TS)."),
)  # fmt: skip

_CAMERA_KINDS: Final = {
    ProbeOutcome.AUTH_FAILED: FailureKind.AUTH_FAILED,
    ProbeOutcome.NOT_FOUND: FailureKind.NOT_FOUND,
    ProbeOutcome.UNREACHABLE: FailureKind.UNREACHABLE,
    ProbeOutcome.TIMEOUT: FailureKind.UNREACHABLE,
}


def classify_exit(
    returncode: int | None, stderr_tail: Sequence[str], secrets: Sequence[str] = ()
) -> Failure:
    """Classify a recorder's ffmpeg that exited by itself.

    Pure. Camera-side causes (401, 404, connection refused, timeouts) are recognised by the connection
    test's own rules (`backend_embed.cameras.probe.classify_failure`), so both speak the same sentences.

    Args:
        returncode: ffmpeg's exit status; negative when a signal killed it.
        stderr_tail: its last stderr lines (already redacted by FfmpegProcess).
        secrets: masked again in the sentence, in case a line slipped through unredacted.
    """
    text = "\n".join(stderr_tail)
    for rule in _OUTPUT_RULES:
        if rule.pattern.search(text):
            return Failure(rule.kind, rule.message)
    outcome, message = classify_failure(text, secrets)
    kind = _CAMERA_KINDS.get(outcome)
    if kind is not None:
        return Failure(kind, message)
    if returncode == 0:
        return Failure(FailureKind.STREAM_ENDED, "The camera closed the stream.")
    if returncode is not None and returncode < 0:
        return Failure(FailureKind.OTHER, f"ffmpeg was killed (signal {-returncode}).")
    shown = last_line(text, secrets)
    if not shown:
        return Failure(FailureKind.OTHER, f"ffmpeg stopped with status {returncode}.")
    return Failure(FailureKind.OTHER, f"ffmpeg stopped: {shown}")


def stalled(seconds: float) -> Failure:
    """The watchdog's verdict: ffmpeg runs but wrote no segment for `seconds`."""
    return Failure(
        FailureKind.STALLED, f"No new recording for {seconds:g} s; the recorder was restarted."
    )


def cannot_start(program: str, error: OSError) -> Failure:
    """ffmpeg could not be started (not installed, not executable): nothing a retry can fix."""
    detail = error.strerror or str(error)
    return Failure(FailureKind.CONFIGURATION, f"The recorder cannot start {program}: {detail}.")


def folder_unusable(folder: Path, error: OSError) -> Failure:
    """The camera's recordings folder cannot be created: a configuration error."""
    detail = error.strerror or str(error)
    return Failure(
        FailureKind.CONFIGURATION, f"The recordings folder {folder} cannot be created: {detail}."
    )
