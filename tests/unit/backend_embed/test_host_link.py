"""The host link: frames, the method list, and backend errors that survive pickling whole."""

from __future__ import annotations

import asyncio
import inspect
import pickle

import pytest

from backend_embed.api import (
    BackendApi,
    BackendError,
    CameraUrlError,
    ImportFileError,
    LineError,
    NotFoundError,
)
from backend_embed.host_client import ProcessBackend
from backend_embed.host_link import METHODS, LinkError, frame, read_message


def test_every_backend_api_coroutine_method_is_forwarded_by_the_process_backend() -> None:
    protocol = {n for n, v in vars(BackendApi).items() if inspect.iscoroutinefunction(v)}
    assert protocol == METHODS
    assert len(METHODS) > 40
    for name in METHODS:
        assert inspect.iscoroutinefunction(getattr(ProcessBackend, name)), name
    assert callable(ProcessBackend.subscribe)


@pytest.mark.parametrize(
    "error",
    [
        BackendError("The disk is full.", detail="ENOSPC"),
        CameraUrlError("Not an RTSP URL.", field="main_url", detail="http"),
        NotFoundError("No such camera."),
        ImportFileError("Nothing imported.", (LineError(3, "name", "empty"),)),
    ],
)
def test_backend_errors_pickle_with_every_field(error: BackendError) -> None:
    copy = pickle.loads(pickle.dumps(error))

    assert type(copy) is type(error)
    assert copy.user_message == error.user_message
    assert copy.detail == error.detail
    assert str(copy) == str(error)
    assert vars(copy) == vars(error)


async def _read(data: bytes) -> tuple[object, ...] | None:
    reader = asyncio.StreamReader()
    reader.feed_data(data)
    reader.feed_eof()
    return await read_message(reader)


async def test_a_framed_message_reads_back_and_the_end_of_the_stream_is_none() -> None:
    message = ("call", 7, "list_cameras", (), {})
    assert await _read(frame(message)) == message
    assert await _read(b"") is None
    assert await _read(frame(message)[:-1]) is None  # cut short: the other end died mid-write


async def test_a_frame_that_is_not_a_message_is_refused() -> None:
    body = pickle.dumps(["not", "a", "tuple"])
    with pytest.raises(LinkError, match="not a message"):
        await _read(len(body).to_bytes(4, "big") + body)
    with pytest.raises(LinkError, match="over the link's limit"):
        await _read((2**31).to_bytes(4, "big"))


def test_the_packaged_consoles_host_flag_is_the_one_its_command_line_dispatches() -> None:
    from backend_embed.host_client import FROZEN_FLAG, host_command
    from vas_console.cli import BACKEND_HOST_FLAG

    assert FROZEN_FLAG == BACKEND_HOST_FLAG
    assert host_command(7)[-2:] == ["--fd", "7"]  # not frozen here: python -m backend_embed...
