"""GStreamer media for the simulated cameras: encoder descriptions, live and loop factories, auth.

Server-only (needs gi).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from gi.repository import Gst, GstRtsp, GstRtspServer

from camsim.config import Codec, Credentials, StreamName
from camsim.overlay import format_wall_clock
from camsim.server_frames import TEST_PICTURE, FrameStamper
from camsim.server_loop import Clip, ClipFeeder

logger = logging.getLogger(__name__)

_ROLE = "camsim-user"


@dataclass(frozen=True, slots=True)
class StreamSpec:
    """One stream of one camera: what the encoder must produce."""

    camera: str
    stream: StreamName
    codec: Codec
    width: int
    height: int
    fps: int
    gop: int

    @property
    def raw_caps(self) -> str:
        """Return the caps of the raw frames fed to the encoder."""
        return f"video/x-raw,format=I420,width={self.width},height={self.height},framerate={self.fps}/1"

    @property
    def kbps(self) -> int:
        """Return a target bitrate that keeps a moving test picture clean (about 0.08 bit per pixel)."""
        return max(200, self.width * self.height * self.fps * 8 // 100_000)


def encoder_description(spec: StreamSpec) -> str:
    """Return the gst-launch description of the encoder (named "encoder") plus its output caps."""
    if spec.codec == "h264":
        return (
            "x264enc name=encoder tune=zerolatency speed-preset=ultrafast threads=1 "
            f"key-int-max={spec.gop} bitrate={spec.kbps} ! video/x-h264,profile=baseline"
        )
    if spec.codec == "h265":
        return (
            "x265enc name=encoder tune=zerolatency speed-preset=ultrafast "
            f"key-int-max={spec.gop} bitrate={spec.kbps} "
            'option-string="pools=1:frame-threads=1:lookahead-threads=0" ! video/x-h265,profile=main'
        )
    return "jpegenc name=encoder quality=75"


def payloader_description(codec: Codec) -> str:
    """Return the RTP payloader (named "pay0", as the RTSP server requires)."""
    if codec == "h264":
        # config-interval=-1 corrupts keyframes for every client (PLATFORM_NOTES.md); 1 s is safe.
        return "rtph264pay name=pay0 pt=96 config-interval=1"
    if codec == "h265":
        return "rtph265pay name=pay0 pt=96 config-interval=1"
    return "rtpjpegpay name=pay0 pt=26"


def live_description(spec: StreamSpec) -> str:
    """Return the launch description of a live stream: test picture, stamp, encode, payload."""
    return (
        f"( {TEST_PICTURE} is-live=true ! {spec.raw_caps} ! "
        f"{encoder_description(spec)} ! {payloader_description(spec.codec)} )"
    )


def _restrict(factory: GstRtspServer.RTSPMediaFactory, credentials: Credentials | None) -> None:
    if credentials is None:
        return
    role = Gst.Structure.new_from_string(
        f"{_ROLE}, media.factory.access=(boolean)true, media.factory.construct=(boolean)true"
    )
    factory.add_role_from_structure(role)


class LiveFactory:
    """A shared media factory for one live stream; every pipeline it builds stamps its frames."""

    def __init__(self, spec: StreamSpec, credentials: Credentials | None) -> None:
        """Build the factory for `spec`, restricted to `credentials`' user if given."""
        self.spec = spec
        self.factory = GstRtspServer.RTSPMediaFactory()
        self.factory.set_launch(live_description(spec))
        self.factory.set_shared(True)
        self.factory.connect("media-configure", self._on_media_configure)
        _restrict(self.factory, credentials)

    def _caption(self, ms: int) -> list[str]:
        return [f"{self.spec.camera} {self.spec.stream}", format_wall_clock(ms)]

    def _on_media_configure(
        self, _factory: GstRtspServer.RTSPMediaFactory, media: GstRtspServer.RTSPMedia
    ) -> None:
        encoder = media.get_element().get_by_name("encoder")
        stamper = FrameStamper(self.spec.width, self.spec.height, self._caption)
        stamper.attach(encoder.get_static_pad("sink"))
        logger.info("Camera %s /%s: live pipeline built", self.spec.camera, self.spec.stream)


class LoopFactory:
    """A shared media factory that serves a pre-encoded clip in a loop with increasing timestamps."""

    def __init__(self, spec: StreamSpec, clip: Clip, credentials: Credentials | None) -> None:
        """Build the factory serving `clip` for `spec`, restricted to `credentials`' user if given."""
        self.spec = spec
        self._clip = clip
        parse = {"h264": "h264parse ! ", "h265": "h265parse ! ", "mjpeg": ""}[spec.codec]
        self.factory = GstRtspServer.RTSPMediaFactory()
        self.factory.set_launch(
            f"( appsrc name=clipsrc is-live=false format=time ! {parse}{payloader_description(spec.codec)} )"
        )
        self.factory.set_shared(True)
        self.factory.connect("media-configure", self._on_media_configure)
        _restrict(self.factory, credentials)

    def _on_media_configure(
        self, _factory: GstRtspServer.RTSPMediaFactory, media: GstRtspServer.RTSPMedia
    ) -> None:
        appsrc = media.get_element().get_by_name("clipsrc")
        appsrc.set_property("caps", Gst.Caps.from_string(self._clip.caps))
        feeder = ClipFeeder(self._clip)
        appsrc.connect("need-data", feeder.on_need_data)
        logger.info("Camera %s /%s: loop pipeline built", self.spec.camera, self.spec.stream)


def make_auth(credentials: Credentials) -> GstRtspServer.RTSPAuth:
    """Return an auth object that admits only `credentials`' user, by Basic or Digest."""
    auth = GstRtspServer.RTSPAuth()
    token = GstRtspServer.RTSPToken()
    token.set_string("media.factory.role", _ROLE)
    if credentials.method == "digest":
        auth.set_supported_methods(GstRtsp.RTSPAuthMethod.DIGEST)
        auth.add_digest(credentials.username, credentials.password, token)
    else:
        auth.set_supported_methods(GstRtsp.RTSPAuthMethod.BASIC)
        auth.add_basic(
            GstRtspServer.RTSPAuth.make_basic(credentials.username, credentials.password), token
        )
    return auth
