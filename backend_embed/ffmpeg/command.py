"""Pure ffmpeg command lines (recorder, live restream), the recording file-name scheme, argv redaction."""

from __future__ import annotations

import calendar
import re
import shlex
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Final

from backend_embed.api.dto import StreamRole
from backend_embed.cameras.redaction import redact

#: the chosen segment length; why 4 s is in docs/recording.md ("Recorder")
DEFAULT_SEGMENT_S: Final = 4
MIN_SEGMENT_S: Final = 2
MAX_SEGMENT_S: Final = 6
#: entries in the rolling live playlist the indexer reads (24 s at 4 s: it may lag that much)
DEFAULT_LIST_SIZE: Final = 6
#: RTSP socket I/O timeout: a camera silent this long makes ffmpeg exit, and the supervisor reconnects
DEFAULT_IO_TIMEOUT_S: Final = 5.0
#: seven 188-byte MPEG-TS packets: one UDP datagram below any MTU
RESTREAM_PKT_SIZE: Final = 1316
RESTREAM_HOST: Final = "127.0.0.1"
#: seconds between the recorder's stats lines (`backend_embed/streams/progress.py` reads them)
RECORDER_STATS_PERIOD_S: Final = 0.5
#: ffmpeg expands segment names with strftime in its local time zone: names must be UTC
RECORDER_ENV: Final[Mapping[str, str]] = {"TZ": "UTC"}
HLS_FLAGS: Final = (
    "program_date_time",  # EXT-X-PROGRAM-DATE-TIME before each segment: wall-clock time for the index
    "independent_segments",  # every segment starts on a keyframe (true with -c copy and forced keyframes)
    "discont_start",  # a new run starts with EXT-X-DISCONTINUITY: the indexer sees the restart
    "temp_file",  # written as NAME.ts.tmp, renamed when complete: a bare .ts on disk is whole
    "second_level_segment_index",  # %%d in the strftime name: the sequence number, for uniqueness
)

#: characters the tee muxer's option-list and output-list parsers treat specially (besides "\\")
_VALUE_SPECIALS: Final = ":]'"
_SPLIT_SPECIALS: Final = "|'"
_DATE_DIR: Final = "%Y-%m-%d"
_STAMP: Final = "%Y%m%dT%H%M%SZ"
_SEGMENT_NAME = re.compile(
    r"^(?P<stream>[a-z]+)-(?P<stamp>\d{8}T\d{6}Z)-(?P<sequence>\d+)\.ts(?P<tmp>\.tmp)?$"
)


@dataclass(frozen=True, slots=True)
class RecorderCommand:
    """Everything that decides one recorder's ffmpeg command line.

    Layout under `recordings_root` (UTC, see docs/recording.md):
    `<camera_id>/<stream>.m3u8` (rolling live playlist) and
    `<camera_id>/<YYYY-MM-DD>/<stream>-<YYYYmmddTHHMMSSZ>-<sequence>.ts` (segments).

    Attributes:
        input_url: the RTSP URL with credentials. Never logged or shown: not even in `repr`.
        recordings_root: the folder holding every camera's recordings.
        camera_id: the camera's id; names its folder.
        stream: which of the camera's streams; prefixes its files.
        segment_s: target segment length in seconds (segments are cut at the first keyframe after it).
        restream_port: UDP port on 127.0.0.1 that receives an MPEG-TS copy for the live path, or None.
        transcode: encode to H.264 (MJPEG cameras) instead of copying the camera's stream.
        ffmpeg: the ffmpeg executable.
        io_timeout_s: seconds of RTSP silence after which ffmpeg gives up.
        list_size: entries in the rolling live playlist.
    """

    input_url: str = field(repr=False)
    recordings_root: Path
    camera_id: int
    stream: StreamRole = StreamRole.MAIN
    segment_s: int = DEFAULT_SEGMENT_S
    restream_port: int | None = None
    transcode: bool = False
    ffmpeg: str = "ffmpeg"
    io_timeout_s: float = DEFAULT_IO_TIMEOUT_S
    list_size: int = DEFAULT_LIST_SIZE

    def __post_init__(self) -> None:
        if not MIN_SEGMENT_S <= self.segment_s <= MAX_SEGMENT_S:
            raise ValueError(f"segment_s {self.segment_s} must be {MIN_SEGMENT_S}..{MAX_SEGMENT_S}")
        if self.camera_id < 0:
            raise ValueError(f"camera_id {self.camera_id} must not be negative")
        if self.restream_port is not None and not 1 <= self.restream_port <= 65535:
            raise ValueError(f"restream_port {self.restream_port} must be 1..65535")
        if self.io_timeout_s <= 0:
            raise ValueError("io_timeout_s must be positive")
        if self.list_size < 2:
            raise ValueError("list_size must be at least 2")
        if "%" in str(self.recordings_root):
            # ffmpeg expands the whole segment path with strftime and then its own %d
            raise ValueError(f"the recordings folder must not contain '%': {self.recordings_root}")

    @property
    def camera_dir(self) -> Path:
        """The folder holding this camera's playlists and date folders."""
        return self.recordings_root / str(self.camera_id)

    @property
    def playlist_path(self) -> Path:
        """The rolling live playlist ffmpeg rewrites after every segment."""
        return self.camera_dir / f"{self.stream.value}.m3u8"

    @property
    def segment_pattern(self) -> str:
        """The strftime pattern of segment paths (`%%d` becomes the sequence number)."""
        name = f"{self.stream.value}-{_STAMP}-%%d.ts"
        return str(self.camera_dir / _DATE_DIR / name)

    @property
    def restream_url(self) -> str | None:
        """The loopback UDP URL of the live restream, or None."""
        if self.restream_port is None:
            return None
        return restream_url(self.restream_port)


def recorder_argv(spec: RecorderCommand) -> list[str]:
    """The ffmpeg command line of one recorder: one RTSP input, HLS segments plus an optional restream.

    Both outputs go through the tee muxer; the restream has `onfail=ignore`, so a failing UDP output never
    stops the recording. The argv holds the camera's credentials: log it only through `redacted_argv`.
    """
    return [
        spec.ffmpeg, "-hide_banner", "-loglevel", "info",
        # a stats line twice a second: its output time against the wall clock dates the recording
        # (backend_embed/recording/clock.py)
        "-stats", "-stats_period", str(RECORDER_STATS_PERIOD_S),
        "-rtsp_transport", "tcp", "-timeout", str(round(spec.io_timeout_s * 1_000_000)),
        # half a second of analysis: enough for H.264/H.265 from the SDP and for the first MJPEG frame,
        # and about 0.5 s faster to the first packet than the default (measured on camsim)
        "-analyzeduration", "500000",
        "-i", spec.input_url,
        "-map", "0:v:0", "-an", "-sn", "-dn",
        *_video_codec_args(spec),
        "-f", "tee", _tee_outputs(spec),
    ]  # fmt: skip


def _video_codec_args(spec: RecorderCommand) -> list[str]:
    if not spec.transcode:
        # copytb 1: keep the demuxer's 90 kHz time base; the tee muxer would otherwise get 1/fps and
        # rewrite every RTSP timestamp ("Non-monotonous DTS" on every packet, measured with ffmpeg 5.1)
        return ["-c:v", "copy", "-copytb", "1"]
    return [
        "-c:v", "libx264", "-preset", "veryfast", "-tune", "zerolatency", "-pix_fmt", "yuv420p",
        # a keyframe at every segment boundary: the GOP matches the segment length at any frame rate
        "-force_key_frames", f"expr:gte(t,n_forced*{spec.segment_s})",
    ]  # fmt: skip


def _tee_outputs(spec: RecorderCommand) -> str:
    hls = _tee_slave(
        {
            "f": "hls",
            "hls_time": str(spec.segment_s),
            "hls_list_size": str(spec.list_size),
            "hls_segment_type": "mpegts",
            "hls_flags": "+".join(HLS_FLAGS),
            # unique across restarts within one second: each run numbers from its start in microseconds
            "hls_start_number_source": "epoch_us",
            "strftime": "1",
            "strftime_mkdir": "1",
            "hls_segment_filename": spec.segment_pattern,
        },
        str(spec.playlist_path),
    )
    url = spec.restream_url
    if url is None:
        return hls
    return hls + "|" + _tee_slave({"f": "mpegts", "onfail": "ignore", **RESTREAM_MUX_OPTIONS}, url)


def _tee_slave(options: Mapping[str, str], target: str) -> str:
    """One tee output, escaped for both of the tee muxer's parsing levels.

    The tee muxer first splits its argument at "|" (av_get_token: backslash escapes, quotes), then reads
    each `[key=value:...]` list (av_opt_get_key_value, the same escapes again). So a value is escaped for
    the option list and then, like the target, for the split.
    """
    listed = ":".join(f"{key}={_escape(value, _VALUE_SPECIALS)}" for key, value in options.items())
    return _escape(f"[{listed}]", _SPLIT_SPECIALS) + _escape(target, _SPLIT_SPECIALS)


def _escape(text: str, specials: str) -> str:
    return "".join(f"\\{char}" if char in specials or char == "\\" else char for char in text)


#: the live path's GOP when it encodes: a new viewer of a stream without a GOP cache waits at most this
#: long, and the GOP cache a viewer receives at once holds at most this much video (docs/live.md)
DEFAULT_LIVE_GOP_S: Final = 1.0
#: a reader of a loopback restream gives up after this much silence (then its supervisor restarts it)
RESTREAM_READ_TIMEOUT_S: Final = 5.0


#: how a loopback restream is muxed so that its reader gets each frame as soon as ffmpeg has it:
#: omit_video_pes_length=0 writes each video PES's length (when it fits in 16 bits, i.e. all but large
#: keyframes), so the demuxer can hand a frame on when its last TS packet arrives instead of waiting for
#: the next frame's first one (one frame interval); flush_packets=1 sends the datagram holding a frame's
#: tail at once instead of when the next frame fills it.
RESTREAM_MUX_OPTIONS: Final = {"omit_video_pes_length": "0", "flush_packets": "1"}


def restream_url(port: int) -> str:
    """The URL an ffmpeg writes a loopback MPEG-TS restream to (one UDP datagram per 7 TS packets)."""
    return f"udp://{RESTREAM_HOST}:{port}?pkt_size={RESTREAM_PKT_SIZE}"


#: the receive ring of a restream reader, in 188-byte TS packets: 1.5 MB, 0.75 s of a 16 Mbit/s main
#: stream should the reading thread be held up (the host's reader threads drain it as datagrams come).
#: libavformat allocates the ring whole and its pages become resident as the stream wraps around it, so
#: this is each reader's memory after its first minutes. It was 1,000,000 packets (188 MB): a host's RSS
#: grew by every stream's bitrate for hours (16 cameras: 1.8 MB/s, found by `bench/live_soak.py`).
RESTREAM_FIFO_PACKETS: Final = 8192


def restream_source_url(port: int, *, timeout_s: float = RESTREAM_READ_TIMEOUT_S) -> str:
    """The URL that reads a loopback MPEG-TS restream (binds 127.0.0.1:`port`; one reader per port).

    `timeout` ends the read after `timeout_s` of silence instead of blocking forever, and
    `overrun_nonfatal` keeps a slow reader alive when its receive ring (`RESTREAM_FIFO_PACKETS`)
    overflows.
    """
    return (
        f"udp://{RESTREAM_HOST}:{port}?timeout={round(timeout_s * 1_000_000)}"
        f"&overrun_nonfatal=1&fifo_size={RESTREAM_FIFO_PACKETS}"
    )


@dataclass(frozen=True, slots=True)
class RestreamCommand:
    """A live-only ffmpeg: one source to a loopback MPEG-TS restream, no recording.

    Used when no recorder holds the camera stream (stream copy, or an H.264 encode for codecs WebRTC
    viewers cannot take), and to encode a recorder's own restream of such a codec (so the camera still
    sees one RTSP session). See docs/live.md.

    Attributes:
        input_url: an RTSP URL with credentials, or a recorder's restream (`restream_source_url`). Never
            logged or shown.
        output_port: UDP port on 127.0.0.1 that receives the MPEG-TS restream.
        transcode: encode H.264 (libx264 veryfast zerolatency, a keyframe every `gop_s`) instead of copying.
        gop_s: seconds between forced keyframes when transcoding.
        ffmpeg: the ffmpeg executable.
        io_timeout_s: seconds of RTSP silence after which ffmpeg gives up.
    """

    input_url: str = field(repr=False)
    output_port: int
    transcode: bool = False
    gop_s: float = DEFAULT_LIVE_GOP_S
    ffmpeg: str = "ffmpeg"
    io_timeout_s: float = DEFAULT_IO_TIMEOUT_S

    def __post_init__(self) -> None:
        if not 1 <= self.output_port <= 65535:
            raise ValueError(f"output_port {self.output_port} must be 1..65535")
        if not 0.2 <= self.gop_s <= 10:
            raise ValueError(f"gop_s {self.gop_s} must be 0.2..10")
        if self.io_timeout_s <= 0:
            raise ValueError("io_timeout_s must be positive")
        if not self.input_url.startswith(("rtsp://", "rtsps://", "udp://")):
            raise ValueError("input_url must be an RTSP URL or a loopback restream")

    @property
    def reads_restream(self) -> bool:
        """True when the input is another ffmpeg's loopback restream rather than the camera."""
        return self.input_url.startswith("udp://")

    @property
    def output_url(self) -> str:
        return restream_url(self.output_port)


def restream_argv(spec: RestreamCommand) -> list[str]:
    """The ffmpeg command line of a live-only restream: one input, one loopback MPEG-TS output.

    The argv may hold the camera's credentials: log it only through `redacted_argv`.
    """
    if spec.reads_restream:
        source = ["-f", "mpegts", "-i", spec.input_url]
    else:
        timeout = str(round(spec.io_timeout_s * 1_000_000))
        source = ["-rtsp_transport", "tcp", "-timeout", timeout, "-i", spec.input_url]
    if spec.transcode:
        codec = [
            "-c:v", "libx264", "-preset", "veryfast", "-tune", "zerolatency", "-pix_fmt", "yuv420p",
            # a keyframe every gop_s whatever the frame rate: bounds a new viewer's wait and the GOP cache
            "-force_key_frames", f"expr:gte(t,n_forced*{spec.gop_s:g})",
        ]  # fmt: skip
    else:
        codec = ["-c:v", "copy", "-copytb", "1"]  # copytb: see _video_codec_args
    return [
        spec.ffmpeg, "-hide_banner", "-nostats", "-loglevel", "info",
        "-analyzeduration", "500000",  # as the recorder: about 0.5 s sooner to the first packet
        *source,
        "-map", "0:v:0", "-an", "-sn", "-dn",
        *codec,
        "-f", "mpegts",
        *(arg for key, value in RESTREAM_MUX_OPTIONS.items() for arg in (f"-{key}", value)),
        spec.output_url,
    ]  # fmt: skip


def recorder_environment(base: Mapping[str, str]) -> dict[str, str]:
    """The environment for a recorder: `base` with TZ=UTC, so strftime segment names are UTC."""
    return {**base, **RECORDER_ENV}


def redacted_argv(argv: Sequence[str], secrets: Iterable[str] = ()) -> str:
    """A shell-quoted command line with every credential masked, fit for a log line."""
    return redact(shlex.join(argv), list(secrets))


@dataclass(frozen=True, slots=True)
class SegmentName:
    """What a segment's file name says.

    Attributes:
        stream: the camera stream it belongs to.
        start_ms: the wall-clock second (UTC, ms) at which ffmpeg opened it; its EXT-X-PROGRAM-DATE-TIME
            is usually within a second or two of this.
        sequence: its media sequence number; unique per camera stream, increasing with time.
        complete: False for a `.ts.tmp` file: ffmpeg was still writing it (or was killed while it did).
    """

    stream: StreamRole
    start_ms: int
    sequence: int
    complete: bool


def parse_segment_name(name: str) -> SegmentName | None:
    """Date a segment file found on disk from its name alone; None if the name is not a segment's."""
    match = _SEGMENT_NAME.match(name)
    if match is None:
        return None
    try:
        stream = StreamRole(match["stream"])
        moment = time.strptime(match["stamp"], _STAMP)
    except ValueError:
        return None
    return SegmentName(
        stream=stream,
        start_ms=calendar.timegm(moment) * 1000,
        sequence=int(match["sequence"]),
        complete=match["tmp"] is None,
    )
