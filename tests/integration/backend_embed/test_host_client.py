"""ProcessBackend: the recording host in a child process, reached over the host link (decision 27).

Real child processes (`python -m backend_embed.host_process`), a real SQLite database; no cameras needed.
"""

from __future__ import annotations

import asyncio
import logging
import os
import subprocess
import sys
import textwrap
import time
from collections.abc import AsyncIterator
from pathlib import Path

import psutil
import pytest

from backend_embed.api import (
    BackendError,
    BackendRestarted,
    BackendStopped,
    CamerasChanged,
    CameraSpec,
    CameraUrlError,
    NotFoundError,
)
from backend_embed.config import BackendConfig
from backend_embed.host_client import HostGoneError, ProcessBackend, host_command


def _config(tmp_path: Path) -> BackendConfig:
    return BackendConfig.local(
        tmp_path / "config", tmp_path / "data", prefer_keyring=False, recheck_interval_s=0
    )


@pytest.fixture
async def backend(tmp_path: Path) -> AsyncIterator[ProcessBackend]:
    process_backend = ProcessBackend(_config(tmp_path))
    await process_backend.start()
    yield process_backend
    await process_backend.stop()


async def test_calls_replies_and_events_cross_the_link(backend: ProcessBackend) -> None:
    events: list[object] = []
    backend.subscribe(events.append)
    api = backend.api

    camera = await api.add_camera(
        CameraSpec(name="Gate", main_url="rtsp://operator:s3cret@127.0.0.1:9/main")
    )

    assert camera.id == 1
    assert camera.has_password
    assert "s3cret" not in camera.main_url
    assert [c.name for c in await api.list_cameras()] == ["Gate"]
    for _ in range(50):
        if any(isinstance(e, CamerasChanged) for e in events):
            break
        await asyncio.sleep(0.05)
    assert any(isinstance(e, CamerasChanged) for e in events)
    assert backend.pid is not None
    assert backend.pid != os.getpid()


async def test_a_backend_error_arrives_whole_with_its_fields(backend: ProcessBackend) -> None:
    with pytest.raises(CameraUrlError) as raised:
        await backend.api.add_camera(CameraSpec(name="Bad", main_url="http://127.0.0.1/x"))
    assert "RTSP" in raised.value.user_message
    assert raised.value.field == "main_url"

    with pytest.raises(NotFoundError):
        await backend.api.get_camera(99)


async def test_the_hosts_log_records_are_logged_in_the_console(
    backend: ProcessBackend, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)

    await backend.api.add_camera(CameraSpec(name="Door", main_url="rtsp://127.0.0.1:9/main"))
    for _ in range(50):
        if any(r.process == backend.pid and "Door" in r.getMessage() for r in caplog.records):
            break
        await asyncio.sleep(0.05)

    logged = [r for r in caplog.records if r.process == backend.pid]
    assert any("Added camera Door" in r.getMessage() for r in logged)


async def test_a_cancelled_call_is_cancelled_in_the_host_too(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    # a camera that accepts the connection and never answers: the probe waits (until its timeout)
    accepted: list[asyncio.StreamWriter] = []

    async def accept(_reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        accepted.append(writer)

    silent = await asyncio.start_server(accept, "127.0.0.1", 0)
    port = silent.sockets[0].getsockname()[1]
    caplog.set_level(logging.DEBUG, logger="backend_embed.host_process")
    backend = ProcessBackend(_config(tmp_path), log_level=logging.DEBUG)
    await backend.start()
    try:
        probe = asyncio.create_task(
            backend.api.probe_spec(CameraSpec(name="Mute", main_url=f"rtsp://127.0.0.1:{port}/x"))
        )
        await asyncio.sleep(1.0)
        probe.cancel()
        with pytest.raises(asyncio.CancelledError):
            await probe
        for _ in range(50):
            if "(probe_spec) cancelled by the console" in caplog.text:
                break
            await asyncio.sleep(0.05)
        assert "(probe_spec) cancelled by the console" in caplog.text
        assert await backend.api.list_cameras() == []  # the link goes on
    finally:
        await backend.stop()
        for writer in accepted:
            writer.close()
        silent.close()
        await silent.wait_closed()


async def test_stop_stops_the_host_and_reaps_its_process(tmp_path: Path) -> None:
    backend = ProcessBackend(_config(tmp_path))
    await backend.start()
    pid = backend.pid
    assert pid is not None

    await backend.stop()

    assert not psutil.pid_exists(pid) or psutil.Process(pid).status() == psutil.STATUS_ZOMBIE
    with pytest.raises(HostGoneError):
        await backend.api.list_cameras()


async def test_a_killed_host_fails_the_calls_with_a_clear_error(tmp_path: Path) -> None:
    backend = ProcessBackend(_config(tmp_path), restart_delays=())  # never restarted
    await backend.start()
    try:
        events: list[object] = []
        backend.subscribe(events.append)
        assert backend.pid is not None
        os.kill(backend.pid, 9)

        pending = asyncio.create_task(backend.api.list_cameras())  # may be on its way as it dies
        with pytest.raises(HostGoneError, match="stopped unexpectedly"):
            await asyncio.wait_for(pending, 10)
        with pytest.raises(HostGoneError, match="stopped unexpectedly"):
            await backend.api.list_cameras()
        assert events == [BackendStopped("The recorder stopped unexpectedly; restart the console.")]
    finally:
        await backend.stop()


async def _next_event(events: asyncio.Queue[object], within_s: float = 30) -> object:
    return await asyncio.wait_for(events.get(), within_s)


async def test_a_killed_host_is_started_again_and_its_cameras_are_still_there(
    tmp_path: Path,
) -> None:
    backend = ProcessBackend(_config(tmp_path), restart_delays=(0.5,))
    await backend.start()
    try:
        events: asyncio.Queue[object] = asyncio.Queue()
        backend.subscribe(events.put_nowait)
        await backend.api.add_camera(CameraSpec(name="Gate", main_url="rtsp://127.0.0.1:9/main"))
        first = backend.pid
        assert first is not None
        while not events.empty():
            events.get_nowait()
        os.kill(first, 9)

        stopped = await _next_event(events)
        assert stopped == BackendStopped(
            "The recorder stopped unexpectedly; it is being restarted."
        )
        with pytest.raises(HostGoneError, match="being restarted"):
            await backend.api.list_cameras()
        restarted = await _next_event(events)
        assert restarted == BackendRestarted("The recorder stopped unexpectedly and was restarted.")
        assert backend.pid not in (None, first)
        assert [c.name for c in await backend.api.list_cameras()] == ["Gate"]
        assert not psutil.pid_exists(first), "the host that died was reaped before the restart"
    finally:
        await backend.stop()


async def test_restarts_that_fail_are_tried_again_with_longer_waits(tmp_path: Path) -> None:
    launches: list[float] = []
    failing = 2

    def command(fd: int) -> list[str]:
        nonlocal failing
        launches.append(time.monotonic())
        if len(launches) > 1 and failing:  # the first two restarts: a host that dies at once
            failing -= 1
            return [sys.executable, "-c", "raise SystemExit(3)"]
        return host_command(fd)

    backend = ProcessBackend(_config(tmp_path), command=command, restart_delays=(0.2, 1.0))
    await backend.start()
    try:
        events: asyncio.Queue[object] = asyncio.Queue()
        backend.subscribe(events.put_nowait)
        assert backend.pid is not None
        os.kill(backend.pid, 9)

        assert isinstance(await _next_event(events), BackendStopped)
        assert isinstance(await _next_event(events), BackendRestarted)
        assert len(launches) == 4
        # the first retry after the short wait, the later ones after the longer one
        assert launches[2] - launches[1] >= 1.0
        assert launches[3] - launches[2] >= 1.0
        assert await backend.api.list_cameras() == []
        assert events.empty(), (
            "a failed restart publishes nothing: the operator was told it stopped"
        )
    finally:
        await backend.stop()


async def test_stop_during_a_restart_wait_starts_nothing_more(tmp_path: Path) -> None:
    launches: list[int] = []

    def command(fd: int) -> list[str]:
        launches.append(fd)
        return host_command(fd)

    backend = ProcessBackend(_config(tmp_path), command=command, restart_delays=(1.0,))
    await backend.start()
    events: asyncio.Queue[object] = asyncio.Queue()
    backend.subscribe(events.put_nowait)
    assert backend.pid is not None
    os.kill(backend.pid, 9)
    assert isinstance(await _next_event(events), BackendStopped)

    await backend.stop()
    await asyncio.sleep(1.5)

    assert len(launches) == 1
    assert events.empty()
    with pytest.raises(HostGoneError, match="has stopped"):
        await backend.api.list_cameras()


async def test_a_host_that_cannot_start_says_why_and_leaves_no_process(tmp_path: Path) -> None:
    blocked = tmp_path / "data"
    blocked.write_text("a file where the data directory should be")
    backend = ProcessBackend(_config(tmp_path))

    with pytest.raises(BackendError) as raised:
        await backend.start()

    assert raised.value.user_message
    assert backend.pid is not None
    assert not psutil.pid_exists(backend.pid) or (
        psutil.Process(backend.pid).status() == psutil.STATUS_ZOMBIE
    )


def test_the_host_stops_when_the_console_dies_without_stopping_it(tmp_path: Path) -> None:
    # a console that starts its host and then dies at once (no stop, no atexit)
    script = textwrap.dedent(
        f"""
        import asyncio, os
        from pathlib import Path
        from backend_embed.config import BackendConfig
        from backend_embed.host_client import ProcessBackend

        async def main():
            config = BackendConfig.local(
                Path({str(tmp_path / "config")!r}), Path({str(tmp_path / "data")!r}),
                prefer_keyring=False, recheck_interval_s=0,
            )
            backend = ProcessBackend(config)
            await backend.start()
            print(backend.pid, flush=True)
            os._exit(0)

        asyncio.run(main())
        """
    )
    console = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=120, check=True
    )
    host_pid = int(console.stdout.split()[-1])

    deadline = time.monotonic() + 20
    while psutil.pid_exists(host_pid) and time.monotonic() < deadline:
        if psutil.Process(host_pid).status() == psutil.STATUS_ZOMBIE:
            break
        time.sleep(0.1)
    assert not psutil.pid_exists(host_pid) or (
        psutil.Process(host_pid).status() == psutil.STATUS_ZOMBIE
    ), "the host outlived its console"
