"""PictureSink: a live session's decoded pictures, scaled to its tile and stored in its latest-frame slot.

It runs on the decode pool's thread (`ReceiverDecoder`), so a picture goes from the decoder to the slot
without touching the worker loop. swscale and the decoder release the GIL; what is left per picture is a
few attribute writes. The loop reads the counters (`sequence`, `fps()`, `latency_ms`) for the tile's
figures, and asks to be told of the next picture once per attempt (`notify_next`).
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable

from av import VideoFrame
from av.video.reformatter import VideoReformatter

from vas_console.media.frames import LatestFrameSlot
from vas_console.media.live import LiveFrame, fit_size

CaptureProbe = Callable[[VideoFrame], int | None]
"""Reads when the camera took a frame (epoch ms) from the frame itself, or None."""

_FPS_WINDOW_S = 2.0


class PictureSink:
    """Scales each wanted picture to fit the output size and puts it in `slot` as a `LiveFrame`.

    `on_picture` runs on one decode thread at a time (a reconnect's new thread starts after the old one
    ended; the lock covers an overlap anyway). Everything else is safe from any thread.
    """

    def __init__(
        self,
        output_size: tuple[int, int],
        capture_probe: CaptureProbe | None = None,
        probe_interval_s: float = 1.0,
    ) -> None:
        # two deep: a picture ready just before the next is shown a tick later, not replaced unseen
        self.slot: LatestFrameSlot[LiveFrame] = LatestFrameSlot(depth=2)
        self._output = output_size
        self._probe_fn = capture_probe
        self._probe_interval_s = probe_interval_s
        self._lock = threading.Lock()
        # One scaler and one converter for the session: a frame's own reformat() builds new ones per
        # frame (2.5x the cost).
        self._scaler = VideoReformatter()
        self._converter = VideoReformatter()
        self._received: deque[float] = deque()
        self._next_probe = 0.0
        self._notify: Callable[[], None] | None = None
        # the next picture is the session's first: stored however far behind
        self._first_wanted = False
        # the last stored picture was such a first one, stored far behind (a burst's keyframe): stale
        self._stale_stored = False
        #: pictures stored so far (the tile's frame count)
        self.sequence = 0
        #: decoded pictures not scaled because more newer frames waited than the slot holds (far behind)
        self.skipped = 0
        #: the latest measured capture-to-ready latency (ms), when a capture probe is set
        self.latency_ms: float | None = None
        #: time.monotonic() of the latest stored picture (None before the first)
        self.last_picture_s: float | None = None

    def set_output_size(self, width: int, height: int) -> None:
        """Scale the next pictures to fit `width` x `height` device pixels (aspect kept)."""
        self._output = (max(2, width), max(2, height))

    def notify_next(self, callback: Callable[[], None]) -> None:
        """Call `callback` (on the decode thread) once a stored picture has caught up, once.

        Caught up: fewer newer frames waited behind it than the slot holds. The session's first picture
        is stored even when it has not (see `on_picture`); the callback waits for one that has.
        """
        with self._lock:
            self._notify = callback
            # a reconnect's keyframe may be older than the picture on the tile: it waits to catch up
            self._first_wanted = self.sequence == 0

    def on_picture(self, frame: VideoFrame, waiting: int) -> None:
        """Store `frame` scaled, unless `waiting` (newer encoded frames) fill the slot's depth anyway.

        Skipping only then keeps a decode thread that catches up after a short wait from losing a picture
        that would still be shown (the slot keeps it for the next paint tick).

        The session's first picture is stored even with frames behind it. A new viewer's GOP cache
        arrives as a burst of up to a GOP, and on a restored wall the decode pool works through 16 such
        bursts in turns: skipping to each burst's end held every tile's first picture until nearly all
        bursts were decoded (the last tile 0.8 s after its frames came). The keyframe's picture shows the
        camera at once, on a tile still marked connecting; the attempt is told (LIVE) only once a picture
        has caught up, so a session started beside a shown one (a stream switch) replaces it with a
        current picture, never with the burst's old keyframe: the picture stored after that keyframe
        replaces it in the slot if nobody took it yet. A reconnect's first picture is not stored early:
        the tile still shows the session's last picture, and the cached keyframe may be up to a GOP older
        than that (the video would step back in time).
        """
        behind = waiting >= self.slot.depth
        with self._lock:
            if behind and not self._first_wanted:
                self.skipped += 1
                return
            first_behind = behind and self._first_wanted
            self._first_wanted = False
        width, height = fit_size((frame.width, frame.height), self._output)
        with self._lock:
            image = self._scale(frame, width, height)
            plane = image.planes[0]
            # no copy: each reformat() makes a new frame, and the view keeps it alive
            pixels, stride = memoryview(plane).toreadonly(), plane.line_size
            now = time.time()  # when the picture is ready to paint
            capture_ms = self._probe(frame, now)
            self.sequence += 1
            replace_waiting, self._stale_stored = self._stale_stored, first_behind
            self.slot.put(
                LiveFrame(
                    pixels=pixels,
                    width=width,
                    height=height,
                    stride=stride,
                    source_width=frame.width,
                    source_height=frame.height,
                    media_time_s=frame.time,
                    capture_ms=capture_ms,
                    received_ms=now * 1000.0,
                    sequence=self.sequence,
                ),
                replace_waiting=replace_waiting,
            )
            self.last_picture_s = time.monotonic()
            self._received.append(now)
            while self._received and now - self._received[0] > _FPS_WINDOW_S:
                self._received.popleft()
            notify = None
            if not behind:
                notify, self._notify = self._notify, None
        if notify is not None:
            notify()

    def _scale(self, frame: VideoFrame, width: int, height: int) -> VideoFrame:
        """`frame` at `width` x `height` in BGRX: scaled in its own YUV first, then converted.

        Two steps cost less than half of swscale's one (0.29 against 0.64 ms of CPU for 640x360 to
        478x262, bench `docs/live.md`): scaling and converting at once takes its slow generic path. A frame
        already at the size skips the first step. threads=1: swscale's own threads (one per core by
        default) woke on every picture for a job this small, a fifth of a core on a 16-tile wall; the
        decode pool is the parallelism.
        """
        scaled = self._scaler.reformat(frame, width, height, interpolation="BILINEAR", threads=1)
        return self._converter.reformat(scaled, format="bgra", threads=1)

    def fps(self) -> float:
        """Pictures stored per second over the last two seconds."""
        with self._lock:
            times = list(self._received)
        if len(times) < 2 or times[-1] <= times[0]:
            return 0.0
        return (len(times) - 1) / (times[-1] - times[0])

    def _probe(self, frame: VideoFrame, now: float) -> int | None:
        if self._probe_fn is None or now < self._next_probe:
            return None
        self._next_probe = now + self._probe_interval_s
        capture_ms = self._probe_fn(frame)
        if capture_ms is not None:
            self.latency_ms = now * 1000.0 - capture_ms
        return capture_ms


__all__ = ["CaptureProbe", "PictureSink"]
