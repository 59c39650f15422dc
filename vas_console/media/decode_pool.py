"""Live video decoding off the worker loop: a few shared threads decode every receiver's frames.

**Why.** aiortc's decoder thread hands every decoded frame to the event loop (`run_coroutine_threadsafe`:
a coroutine, a Task and several loop passes per frame), and the reader then had it scaled on yet another
thread and came back to the loop to store it. On a 16-tile wall that is 400 frames a second through the
worker loop, which also carries every session's RTP: on a busy machine frames waited there, the reader
found newer ones behind them and skipped them (measured: 6.8 to 13 of 25 fps painted). Here a picture never
touches the loop: it is decoded, then scaled and stored by `on_picture`, on the same thread (decision 26).

**Few threads.** One thread per receiver (aiortc's way, 16 on a 4x4 wall) made every frame's Python
steps queue for the GIL beside the GUI thread: its stall p99 went past 100 ms. A small pool (one thread
per core, at most four) keeps that contention low and still decodes in parallel (the decoder and swscale
release the GIL). A receiver's frames are handled one at a time, in order, by whichever thread is free.

**How.** aiortc has no hook for it. `ReceiverDecoder.attach()` replaces the receiver's private decoder
queue, before its first packet, with one that passes the encoded frames to the pool. aiortc's own decoder
thread waits idle on that queue until the receiver stops, when both get the stop marker. A frame that
fails to decode sets aiortc's own error flag, so the receiver still asks the sender for a keyframe (PLI).

**Behind.** `on_picture(frame, waiting)`: `waiting` is how many of this receiver's encoded frames already
wait behind this picture. Every frame must be decoded (the next ones refer to it), but a reader far enough
behind need not scale this one (`PictureSink` skips it when the waiting frames would replace it anyway).
A frame waiting longer than `MAX_BACKLOG_S` means decoding stays slower than arrival: the waiting frames
are dropped undecoded, a keyframe is asked for, and pictures are shown again from the next keyframe (a
frozen picture for a moment rather than one that falls further behind until the session's stall timeout).
"""

from __future__ import annotations

import logging
import os
import queue
import threading
import time
from collections import deque
from collections.abc import Callable
from typing import Any, Final

import av
from aiortc import RTCRtpReceiver
from aiortc.codecs import get_decoder
from av import VideoFrame

logger = logging.getLogger(__name__)

#: the receiver's own attributes (name-mangled `__decoder_queue`, `__decoder_error`)
_QUEUE_ATTRIBUTE: Final = "_RTCRtpReceiver__decoder_queue"
_ERROR_ATTRIBUTE: Final = "_RTCRtpReceiver__decoder_error"

#: how long a receiver's oldest waiting frame may have waited; past it the waiting ones are dropped (see
#: `submit`). An age, not a count: a new viewer's GOP cache arrives as a burst of up to a GOP (50 frames
#: at 25 fps with a 2 s GOP) that is decoded in a fraction of a second and must not be dropped.
MAX_BACKLOG_S: Final = 2.0

#: what follows the last frame in a receiver's queue once it stopped
_STOP: Final = (0.0, -1, None)

PictureCallback = Callable[[VideoFrame, int], None]
"""Called on a decode thread with each decoded picture and how many newer encoded frames wait."""


class DecodePool:
    """`threads` daemon threads, started on first use, that take turns on whichever receiver has work.

    A receiver with frames waiting is in the ready queue at most once; a thread takes it, handles one
    frame and puts it back at the end if more wait. So a receiver's frames stay in order (one thread at a
    time), the receivers take turns, and a thread that the OS holds off a core delays only the one frame
    it is on: the other threads go on with every other receiver. (Pinning each receiver to one thread had
    let one preempted thread hold up a whole share of the wall.)
    """

    def __init__(self, threads: int, name: str = "live-decode") -> None:
        if threads < 1:
            raise ValueError("a decode pool needs at least one thread")
        self._ready: queue.SimpleQueue[ReceiverDecoder] = queue.SimpleQueue()
        self._size = threads
        self._name = name
        self._lock = threading.Lock()
        self._started = False

    @property
    def size(self) -> int:
        return self._size

    def schedule(self, decoder: ReceiverDecoder) -> None:
        """Queue `decoder` for a turn (it has a frame waiting and is not queued or being handled)."""
        with self._lock:
            if not self._started:
                self._started = True
                for index in range(self._size):
                    thread = threading.Thread(
                        target=_serve,
                        args=(self._ready,),
                        name=f"{self._name}-{index}",
                        daemon=True,
                    )
                    thread.start()
        self._ready.put(decoder)


def _serve(ready: queue.SimpleQueue[ReceiverDecoder]) -> None:
    while True:
        decoder = ready.get()
        try:
            decoder._turn()
        except Exception:  # the thread serves other receivers too: their tiles must not freeze
            logger.exception("Live decode pool: handling a frame failed")


_DEFAULT_POOL: DecodePool | None = None
_DEFAULT_LOCK = threading.Lock()


def default_pool() -> DecodePool:
    """The process's pool: one thread per core, at most four."""
    global _DEFAULT_POOL
    with _DEFAULT_LOCK:
        if _DEFAULT_POOL is None:
            _DEFAULT_POOL = DecodePool(max(1, min(4, os.cpu_count() or 1)))
        return _DEFAULT_POOL


def _single_threaded(decoder: Any) -> Any:
    """`decoder` with libav's own threads off: the pool is the parallelism.

    libav's default (slice threads, one per core) bought nothing for cameras' one-slice frames and woke
    its idle threads on every frame: measured, a fifth of a core on a 16-tile wall.
    """
    context = getattr(decoder, "codec", None)
    if isinstance(context, av.CodecContext):
        context.thread_count = 1
    return decoder


class _Tap(queue.Queue[Any]):
    """Stands in for the receiver's decoder queue: frames go to the pool, the stop to both."""

    def __init__(self, owner: ReceiverDecoder) -> None:
        super().__init__()
        self._owner = owner

    def put(self, item: Any, block: bool = True, timeout: float | None = None) -> None:
        if item is None:  # the receiver stops: its own idle thread ends too
            super().put(None)
        self._owner.submit(item)


class ReceiverDecoder:
    """Decodes the frames of the receiver it is attached to, on a pool thread; see the module's docstring.

    `on_picture` and `on_end` run on the pool thread (`on_end` once, when the receiver stops; on the
    caller's thread when no frame ever came). An exception in `on_picture` is logged and the next frame
    still comes.
    """

    def __init__(
        self,
        on_picture: PictureCallback,
        on_end: Callable[[], None],
        name: str,
        pool: DecodePool | None = None,
        max_backlog_s: float = MAX_BACKLOG_S,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._on_picture = on_picture
        self._on_end = on_end
        self._name = name
        self._pool = pool or default_pool()
        self._max_backlog_s = max_backlog_s
        self._clock = clock
        self._error: threading.Event | None = None
        self._lock = threading.Lock()
        # encoded frames waiting, each with its arrival (on `clock`) and sequence number; then, once the
        # receiver stopped, the stop marker (_STOP)
        self._items: deque[tuple[float, int, Any]] = deque()
        self._count = 0  # frames submitted
        self._scheduled = False  # in the pool's ready queue, or being handled
        self._submitted = False
        self._ended = False
        # frames were dropped: show nothing until a keyframe of a frame numbered from this on
        self._resync_from: int | None = None
        self._done = threading.Event()
        self._decoder: Any = None
        self._codec_name: str | None = None
        #: frames that failed to decode (each one also asked the sender for a keyframe)
        self.decode_errors = 0
        #: encoded frames dropped undecoded because the oldest had waited more than `max_backlog_s`
        self.frames_dropped = 0
        self._failing = 0  # failures since the last decoded picture

    def attach(self, receiver: RTCRtpReceiver) -> None:
        """Take over `receiver`'s decoding; call before its first packet (right after the transceiver).

        Raises:
            TypeError: this aiortc keeps its decoder queue elsewhere (the workaround needs updating).
        """
        current = getattr(receiver, _QUEUE_ATTRIBUTE, None)
        error = getattr(receiver, _ERROR_ATTRIBUTE, None)
        if not isinstance(current, queue.Queue) or not isinstance(error, threading.Event):
            raise TypeError("aiortc's RTCRtpReceiver has no decoder queue where one was expected")
        if not current.empty():
            raise RuntimeError("attach a ReceiverDecoder before the receiver's first packet")
        self._error = error
        setattr(receiver, _QUEUE_ATTRIBUTE, _Tap(self))

    def submit(self, item: Any) -> None:
        """An encoded frame `(codec, JitterFrame)` to decode, or None: the receiver stopped."""
        with self._lock:
            if self._ended:
                return
            if item is None:
                self._ended = True
                # frames still waiting are not decoded: a reconnect waits for this decoder to end
                self._items.clear()
                if not self._submitted:  # stopped before any frame came: end here and now
                    end_now = True
                else:
                    end_now = False
                    self._items.append(_STOP)
            else:
                end_now = False
                self._submitted = True
                now, sequence = self._clock(), self._count
                self._count += 1
                # (no stop marker here: nothing is submitted after it)
                if self._items and now - self._items[0][0] > self._max_backlog_s:
                    self._drop_backlog(now - self._items[0][0], resume_from=sequence)
                self._items.append((now, sequence, item))
            wake = not end_now and not self._scheduled
            if wake:
                self._scheduled = True
        if end_now:
            self._done.set()
            self._on_end()
        elif wake:
            self._pool.schedule(self)

    def _drop_backlog(self, age_s: float, resume_from: int) -> None:
        """(Lock held.) Decoding stays behind arrival: drop what waits and start again at a keyframe."""
        dropped = len(self._items)
        self._items.clear()
        self.frames_dropped += dropped
        # a frame taken before the drop (being decoded now) must not end the wait for a keyframe
        self._resync_from = resume_from
        if self._error is not None:
            self._error.set()  # a PLI: the sender (or the camera's next GOP) brings a keyframe
        logger.warning(
            "Live %s: decoding fell %.1f s (%d frames) behind; dropped them, waiting for a keyframe",
            self._name,
            age_s,
            dropped,
        )

    def join(self, timeout_s: float) -> bool:
        """Wait until the stop marker was handled; True if it was (or nothing was ever submitted)."""
        with self._lock:
            if not self._submitted:
                return True
        return self._done.wait(timeout_s)

    def _turn(self) -> None:
        """On a pool thread: handle the oldest waiting item, then queue up again if more wait."""
        with self._lock:
            if not self._items:  # (not expected: a decoder is queued only with work)
                self._scheduled = False
                return
            _, sequence, item = self._items.popleft()
            waiting = len(self._items)
            if waiting and self._items[-1] is _STOP:  # frames only: the marker replaces no picture
                waiting -= 1
        if item is None:  # the stop marker
            self._decoder = None
            self._done.set()
            self._on_end()
            return
        try:
            self._decode(item, waiting, sequence)
        finally:
            with self._lock:
                again = bool(self._items)
                self._scheduled = again
            if again:
                self._pool.schedule(self)

    def _decode(self, item: Any, waiting: int, sequence: int) -> None:
        codec, encoded = item
        if codec.name != self._codec_name:
            self._decoder, self._codec_name = _single_threaded(get_decoder(codec)), codec.name
        try:
            frames = self._decoder.decode(encoded)
        except av.FFmpegError as exc:
            # keep the decoder's state: a reset would fail every frame until the next keyframe
            self.decode_errors += 1
            self._failing += 1
            # once per run of failures (a stream joined between keyframes fails until the next one)
            log = logger.warning if self._failing == 1 else logger.debug
            log("Live %s: a frame failed to decode (%s); asking for a keyframe", self._name, exc)
            if self._error is not None:
                self._error.set()
            return
        except Exception:  # a bug must not end the pool's thread (and every tile's video on it)
            logger.exception("Live %s: decoding a frame failed", self._name)
            return
        if self._failing and frames:
            logger.info("Live %s: decoding again after %d failed frames", self._name, self._failing)
            self._failing = 0
        for frame in frames:
            if not isinstance(frame, VideoFrame):
                continue
            # after a drop: pictures made from missing references are not shown
            resync_from = self._resync_from
            if resync_from is not None:
                if sequence < resync_from or not frame.key_frame:
                    continue
                with self._lock:
                    if self._resync_from == resync_from:  # (not a newer drop meanwhile)
                        self._resync_from = None
            self._deliver(frame, waiting=waiting)

    def _deliver(self, frame: VideoFrame, *, waiting: int) -> None:
        try:
            self._on_picture(frame, waiting)
        except Exception:  # one bad picture must not end the tile's video
            logger.exception("Live %s: handling a decoded picture failed", self._name)


__all__ = ["MAX_BACKLOG_S", "DecodePool", "PictureCallback", "ReceiverDecoder", "default_pool"]
