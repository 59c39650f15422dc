"""The simulated cameras' configuration values and their JSON form on the control channel."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Literal, get_args

Codec = Literal["h264", "h265", "mjpeg"]
Source = Literal["live", "loop"]
AuthMethod = Literal["basic", "digest"]
StreamName = Literal["main", "sub"]

CODECS: tuple[str, ...] = get_args(Codec)
SOURCES: tuple[str, ...] = get_args(Source)
AUTH_METHODS: tuple[str, ...] = get_args(AuthMethod)
STREAMS: tuple[StreamName, ...] = ("main", "sub")

_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,31}$")


class CamSimError(Exception):
    """The simulated cameras failed to start, answer or stop.

    Attributes:
        user_message: a short, secret-free sentence for an operator or a test report.
    """

    def __init__(self, message: str, *, user_message: str | None = None) -> None:
        super().__init__(message)
        self.user_message = user_message or message


@dataclass(frozen=True, slots=True)
class CameraConfig:
    """One simulated camera: a main and a sub stream on its own RTSP port.

    Attributes:
        name: 1-32 characters of letters, digits, `_`, `.` or `-`; burned into every frame.
        codec: the encoding of both streams.
        main_size: width and height of `/main`; both even (multiples of 8 for MJPEG).
        sub_size: width and height of `/sub`; both even.
        fps: frames per second of both streams.
        gop: frames from one keyframe to the next.
        source: "live" encodes a live picture with the wall clock and a timestamp code in every frame;
            "loop" serves a pre-encoded clip in a loop (cheap; its timestamp code is the clip position).
    """

    name: str
    codec: Codec = "h264"
    main_size: tuple[int, int] = (1280, 720)
    sub_size: tuple[int, int] = (640, 360)
    fps: int = 25
    gop: int = 50
    source: Source = "live"

    def __post_init__(self) -> None:
        if not _NAME.match(self.name):
            raise ValueError(f"camera name {self.name!r} must match {_NAME.pattern}")
        if self.codec not in CODECS:
            raise ValueError(f"codec {self.codec!r} is not one of {CODECS}")
        if self.source not in SOURCES:
            raise ValueError(f"source {self.source!r} is not one of {SOURCES}")
        for label, (width, height) in (("main_size", self.main_size), ("sub_size", self.sub_size)):
            if not (64 <= width <= 4096 and 64 <= height <= 4096) or width % 2 or height % 2:
                raise ValueError(f"{label} {width}x{height} must be even and within 64..4096")
            if self.codec == "mjpeg" and (width % 8 or height % 8):
                # RTP/JPEG (RFC 2435) carries sizes in units of 8 pixels
                raise ValueError(f"{label} {width}x{height} must be multiples of 8 for MJPEG")
        if not 1 <= self.fps <= 120:
            raise ValueError(f"fps {self.fps} must be within 1..120")
        if not 1 <= self.gop <= 1000:
            raise ValueError(f"gop {self.gop} must be within 1..1000")

    def size(self, stream: StreamName) -> tuple[int, int]:
        """Return the (width, height) of `stream`."""
        return self.main_size if stream == "main" else self.sub_size

    def to_json(self) -> dict[str, Any]:
        """Return the JSON object the server reads back with `from_json`."""
        return {
            "name": self.name,
            "codec": self.codec,
            "main_size": list(self.main_size),
            "sub_size": list(self.sub_size),
            "fps": self.fps,
            "gop": self.gop,
            "source": self.source,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> CameraConfig:
        """Build a config from `to_json`'s output; raises ValueError or KeyError on a bad object."""
        main_w, main_h = data["main_size"]
        sub_w, sub_h = data["sub_size"]
        return cls(
            name=str(data["name"]),
            codec=data["codec"],
            main_size=(int(main_w), int(main_h)),
            sub_size=(int(sub_w), int(sub_h)),
            fps=int(data["fps"]),
            gop=int(data["gop"]),
            source=data["source"],
        )


@dataclass(frozen=True, slots=True)
class Credentials:
    """The one user every camera of a server accepts, and how it must authenticate."""

    username: str
    password: str
    method: AuthMethod = "digest"

    def __post_init__(self) -> None:
        if not self.username or ":" in self.username:
            raise ValueError("username must be non-empty and must not contain ':'")
        if not self.password:
            raise ValueError("password must be non-empty")
        if self.method not in AUTH_METHODS:
            raise ValueError(f"auth method {self.method!r} is not one of {AUTH_METHODS}")

    def __repr__(self) -> str:
        return f"Credentials(username={self.username!r}, password='***', method={self.method!r})"

    def to_json(self) -> dict[str, Any]:
        """Return the JSON object the server reads back with `from_json`."""
        return {"username": self.username, "password": self.password, "method": self.method}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Credentials:
        """Build credentials from `to_json`'s output."""
        return cls(str(data["username"]), str(data["password"]), data["method"])
