"""The link between the console and its recording host in another process: framed, pickled messages.

Why a process: one interpreter's GIL could not carry the host (restream readers, relays, WebRTC senders)
beside the console's receivers, decoders and GUI; a 16-camera wall collapsed (docs/decisions.md, 27).

Each message is a tuple, pickled and framed by its length (4 bytes, big-endian), over a private socket
pair the console makes; pickle is fine because both ends are this program and no network is involved.

    console -> host   ("start", BackendConfig, log_level)    first, once
                      ("call", id, method, args, kwargs)      a BackendApi coroutine method
                      ("cancel", id)                          its caller was cancelled (an export stops)
                      ("stop",)
    host -> console   ("ready",) or ("failed", BackendError)  after start
                      ("reply", id, ok, value or exception)
                      ("event", BackendEvent)
                      ("log", LogRecord fields)               the host's log, into the console's
                      (then the end of the stream: after a stop, the host has stopped)
"""

from __future__ import annotations

import asyncio
import inspect
import logging
import pickle
import struct
from typing import Any, Final

from backend_embed.api import BackendApi

#: the BackendApi methods a call may name (its coroutine methods; `subscribe` is the event stream)
METHODS: Final = frozenset(
    name for name, value in vars(BackendApi).items() if inspect.iscoroutinefunction(value)
)
#: the largest message either end accepts (a long coverage list is well under a megabyte)
MAX_MESSAGE_BYTES: Final = 64 * 1024 * 1024
_HEADER: Final = struct.Struct(">I")


class LinkError(Exception):
    """A frame that cannot be a message of this link (too large, or not a tuple)."""


class HostCallError(RuntimeError):
    """An unexpected error in the host while it served a call: a bug, reported with the host's message.

    Defined here, not in the host's module, so that unpickling one in the console imports nothing more.
    """


def frame(message: tuple[Any, ...]) -> bytes:
    """`message` pickled and framed, ready to write."""
    body = pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL)
    if len(body) > MAX_MESSAGE_BYTES:
        raise LinkError(f"a {len(body)}-byte message is over the link's limit")
    return _HEADER.pack(len(body)) + body


async def read_message(reader: asyncio.StreamReader) -> tuple[Any, ...] | None:
    """The next message, or None at the end of the stream (the other end closed or died)."""
    try:
        header = await reader.readexactly(_HEADER.size)
        (size,) = _HEADER.unpack(header)
        if size > MAX_MESSAGE_BYTES:
            raise LinkError(f"a {size}-byte frame is over the link's limit")
        body = await reader.readexactly(size)
    except asyncio.IncompleteReadError:
        return None
    # pickle: our own process is at the other end of a private socket pair
    message = pickle.loads(body)
    if not isinstance(message, tuple) or not message:
        raise LinkError(f"a frame held {type(message).__name__}, not a message")
    return message


#: LogRecord fields that cross the link (the message is formatted first; args never cross)
_RECORD_FIELDS: Final = (
    "name",
    "levelno",
    "levelname",
    "pathname",
    "filename",
    "module",
    "lineno",
    "funcName",
    "created",
    "msecs",
    "relativeCreated",
    "thread",
    "threadName",
    "process",
    "processName",
)


def record_fields(record: logging.LogRecord, exc_text: str | None) -> dict[str, Any]:
    """What of `record` crosses the link: its fields, its message formatted, its traceback as text."""
    fields = {name: getattr(record, name, None) for name in _RECORD_FIELDS}
    fields["msg"] = record.getMessage()
    fields["args"] = None
    fields["exc_text"] = exc_text
    return fields


__all__ = [
    "MAX_MESSAGE_BYTES",
    "METHODS",
    "HostCallError",
    "LinkError",
    "frame",
    "read_message",
    "record_fields",
]
