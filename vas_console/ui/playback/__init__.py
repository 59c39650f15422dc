"""Recorded video: the timeline, single-camera playback and synchronised playback of up to four cameras."""

from vas_console.ui.playback.playback_view import PlaybackView
from vas_console.ui.playback.sync_playback import SyncPlayback
from vas_console.ui.playback.timeline_widget import TimelineWidget

__all__ = ["PlaybackView", "SyncPlayback", "TimelineWidget"]
