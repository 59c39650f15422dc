"""The console's one libVLC instance, the arguments it starts with, and the player events it wires."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import vlc

from vas_console.media.vlc_types import Listener, PlayerState, Post

if TYPE_CHECKING:
    from vas_console.media.vlc_player import VlcPlayer

DEFAULT_ARGS = (
    "--quiet",
    "--no-xlib",  # libVLC must not use Xlib from its threads next to Qt; its xcb outputs still work
    "--no-video-title-show",
    "--no-osd",
    "--no-snapshot-preview",
    "--no-audio",  # recordings play muted: up to four at once, at up to 16x
    "--avcodec-hw=none",  # VA-API decoding falls back noisily on machines without a GPU
)


class VlcInstance:
    """The console's one libVLC instance (loading libVLC's plugins once costs ~100 ms and memory)."""

    def __init__(self, args: Sequence[str] = DEFAULT_ARGS) -> None:
        self._instance: Any = vlc.Instance(list(args))
        if self._instance is None:
            raise RuntimeError(
                "libVLC could not start (are libvlc5 and vlc-plugin-base installed?)"
            )

    def new_player(self, post: Post, listener: Listener) -> VlcPlayer:
        from vas_console.media.vlc_player import VlcPlayer  # it imports this module

        return VlcPlayer(self._instance, post, listener)

    def close(self) -> None:
        """Release libVLC; every player must be closed first."""
        self._instance.release()


EVENT_STATES = {
    vlc.EventType.MediaPlayerPlaying: PlayerState.PLAYING,
    vlc.EventType.MediaPlayerPaused: PlayerState.PAUSED,
    vlc.EventType.MediaPlayerEndReached: PlayerState.ENDED,
    vlc.EventType.MediaPlayerEncounteredError: PlayerState.ERROR,
}
OTHER_EVENTS = (vlc.EventType.MediaPlayerTimeChanged, vlc.EventType.MediaPlayerVout)
