"""Public values for watching video: live endpoints (WHEP) and recorded playback (VOD playlists, previews)."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from backend_embed.api.dto import StreamRole


class LiveCodecPath(StrEnum):
    """How a live stream reaches viewers."""

    PASSTHROUGH = "passthrough"  # H.264 from the camera, untouched
    TRANSCODED = (
        "transcoded"  # one shared encoder for codecs WebRTC viewers cannot take (H.265, MJPEG)
    )


@dataclass(frozen=True, slots=True)
class LiveEndpoint:
    """Where a console or browser gets one camera stream live: POST an SDP offer to `whep_url` (WHEP).

    Attributes:
        width, height: the stream's picture size if known (from the camera's probe), for choosing the
            smallest stream at least as large as a tile.
        bearer_token: the serving host's access token, to send as `Authorization: Bearer <token>` with
            the POST and the DELETE. A secret: `repr` leaves it out; never log or show it.
        warm: the host reads this stream already and holds its newest GOP, so a new viewer's first
            picture comes at once; otherwise the first picture may wait up to one GOP for a keyframe.
            A snapshot of the moment the endpoint was asked for.
    """

    camera_id: int
    stream: StreamRole
    whep_url: str
    codec_path: LiveCodecPath
    width: int | None = None
    height: int | None = None
    bearer_token: str = field(kw_only=True, repr=False)
    warm: bool = field(default=False, kw_only=True)


@dataclass(frozen=True, slots=True)
class PlaylistEntry:
    """One segment of a VOD playlist: its wall-clock span and where it starts in the playlist's own time.

    `offset_ms` is the playlist time (what libVLC's clock shows) at which `start_ms` is played. Gaps in the
    recording are not in the playlist: an entry after a gap has `discontinuity=True` and its offset continues
    right after the previous entry's end.
    """

    start_ms: int
    end_ms: int
    offset_ms: int
    discontinuity: bool


@dataclass(frozen=True, slots=True)
class PlaybackSource:
    """A VOD playlist (HLS, MPEG-TS segments, EXT-X-DISCONTINUITY at gaps) for one camera stream and range.

    `entries` map wall-clock time to playlist offset and back; every position the UI shows or seeks to goes
    through them (libVLC's own clock starts at 0 and ignores program date times).
    """

    camera_id: int
    stream: StreamRole
    start_ms: int
    end_ms: int
    playlist_path: str
    entries: tuple[PlaylistEntry, ...]

    @property
    def duration_ms(self) -> int:
        if not self.entries:
            return 0
        last = self.entries[-1]
        return last.offset_ms + (last.end_ms - last.start_ms)


@dataclass(frozen=True, slots=True)
class Preview:
    """A small keyframe image made while recording, for the timeline's hover preview."""

    camera_id: int
    time_ms: int
    path: str
    width: int
    height: int


@dataclass(frozen=True, slots=True)
class OfflineCamera:
    """A camera found in a recordings folder opened for offline review.

    Attributes:
        id: the camera's id in the installation that recorded it (its folder's name).
        name: from the folder's `camera.json`, else "Camera <id>".
        start_ms, end_ms: the first and last recorded moment (approximate until a day is indexed), or None
            when the folder holds no segment of the camera.
        streams: the streams recorded in the folder.
    """

    id: int
    name: str
    start_ms: int | None
    end_ms: int | None
    streams: tuple[StreamRole, ...]


@dataclass(frozen=True, slots=True)
class OfflineReview:
    """A recordings folder opened without the installation's database (a copied root or an export).

    Nothing in the folder is ever written, moved or deleted; its index lives in a temporary database until
    `BackendApi.close_offline(id)`.
    """

    id: str
    folder: str
    cameras: tuple[OfflineCamera, ...]
