"""The WHEP sessions' HTTP side: one TLS context, built off the loop; the warm-up imports httpx's transport."""

from __future__ import annotations

import asyncio
import ssl
import subprocess
import sys
import threading
import time

import httpx
import pytest

from vas_console.media import whep_http


def test_the_tls_context_is_built_once_however_many_threads_ask_at_once(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(whep_http, "_context", None)  # as in a process where nothing built it yet
    builds: list[ssl.SSLContext] = []
    build = httpx.create_ssl_context
    start = threading.Barrier(8)

    def slow_build(**kwargs: object) -> ssl.SSLContext:
        time.sleep(0.05)  # long enough for the other threads to ask meanwhile
        builds.append(build(**kwargs))  # type: ignore[arg-type]
        return builds[-1]

    monkeypatch.setattr(httpx, "create_ssl_context", slow_build)
    contexts: list[ssl.SSLContext] = []

    def ask() -> None:
        start.wait()
        contexts.append(whep_http.tls_context())

    threads = [threading.Thread(target=ask) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert len(builds) == 1
    assert len(contexts) == 8
    assert {id(c) for c in contexts} == {id(builds[0])}
    assert builds[0].verify_mode is ssl.CERT_REQUIRED  # a remote recorder behind TLS is verified
    assert builds[0].check_hostname


async def test_a_client_made_for_a_session_uses_the_shared_context_and_ignores_the_environment() -> (
    None
):
    client = await whep_http.new_client(3.0)
    try:
        assert client.timeout.connect == 3.0
        assert (
            not client.trust_env
        )  # no proxy from the environment between the console and a recorder
    finally:
        await client.aclose()


def test_the_warm_up_imports_what_the_first_request_would_import_on_the_worker_loop() -> None:
    # a fresh interpreter: this one has the modules already
    script = """
import sys, asyncio
from vas_console.media import whep_http
assert "httpcore" not in sys.modules and "anyio._backends._asyncio" not in sys.modules
whep_http.prepare_in_background()
whep_http.prepare_in_background()  # once per process
import threading
[t.join(30) for t in threading.enumerate() if t.name == "whep-prepare"]
before = set(sys.modules)

async def first_request():
    client = await whep_http.new_client(2.0)
    async with client:
        try:
            await client.post("http://127.0.0.1:9/whep/1/sub", content=b"v=0")
        except Exception:
            pass  # refused: what matters is what it imported

asyncio.run(first_request())
print(sorted(m for m in set(sys.modules) - before if m.split(".")[0] in ("httpcore", "h11", "anyio", "certifi")))
print(sum(1 for t in threading.enumerate() if t.name == "whep-prepare"))
"""
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=60, check=False
    )

    assert done.returncode == 0, done.stderr
    imported, preparing = done.stdout.splitlines()
    assert imported == "[]"
    assert preparing == "0"  # the thread ended


async def test_a_session_asking_before_the_warm_up_waits_off_the_loop(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    ticks = 0

    async def tick() -> None:
        nonlocal ticks
        while True:
            ticks += 1
            await asyncio.sleep(0)

    ticker = asyncio.get_running_loop().create_task(tick())
    monkeypatch.setattr(whep_http, "_context", None)  # as in a process where nothing built it yet
    try:
        client = await whep_http.new_client(1.0)
        await client.aclose()
    finally:
        ticker.cancel()
    assert whep_http._context is not None
    assert ticks > 1  # the loop went on while the context was built
