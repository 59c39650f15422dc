"""The HTTP side of the console's WHEP sessions: their clients, one TLS context, and a warm-up.

**One TLS context.** The context httpx would build for each client (certifi's CA bundle, environment
ignored) is built once for the process: loading the CA bundle per client took 30-70 ms of the worker loop
per session, over a second for a restored 4x4 wall, before any offer went out. A remote recorder behind
TLS is verified with it; the embedded one (plain HTTP on loopback) never uses it.

**Warm-up.** httpx imports its transport (httpcore, h11, anyio and its asyncio backend, about 70 modules)
at the first client and the first request, and the CA bundle takes a while to load. Done by the first
session, that was the worker loop's second-largest cost while a restored 4x4 wall started (py-spy: a fifth
of its samples in the first second, against the decode threads for the GIL). `prepare_in_background()`,
called when the console starts (long before the recorder is up and the wall restores), does it on a
thread of its own. A session that comes first anyway builds the TLS context on a thread, not on the
loop; the imports it would then still do on the loop (or wait for, if the warm-up is in the middle of
them) are the tenths of a second this saves.

A session whose client cannot be made (certifi's bundle unreadable: a broken installation) shows its
tile offline with "internal error (see the log)" and does not retry; nothing would change by retrying.
"""

from __future__ import annotations

import asyncio
import logging
import ssl
import threading

import anyio
import httpx

logger = logging.getLogger(__name__)

_lock = threading.Lock()
_context: ssl.SSLContext | None = None
_preparing: threading.Thread | None = None


def tls_context() -> ssl.SSLContext:
    """The process's TLS context for WHEP clients; built at the first call (blocking, tens of ms)."""
    global _context
    with _lock:  # a session and the warm-up may ask at once: build it once
        if _context is None:
            _context = httpx.create_ssl_context(trust_env=False)
        return _context


async def new_client(timeout_s: float) -> httpx.AsyncClient:
    """An HTTP client for one session, made on the running loop without blocking it on the TLS context."""
    context = _context if _context is not None else await asyncio.to_thread(tls_context)
    return httpx.AsyncClient(timeout=timeout_s, trust_env=False, verify=context)


def prepare() -> None:
    """Build the TLS context and import what httpx imports at its first client and request (blocking)."""
    # imports httpcore and h11; the client is never opened, so there is nothing to close
    httpx.AsyncClient(verify=tls_context(), trust_env=False)
    anyio.run(anyio.sleep, 0)  # loads anyio's asyncio backend, which httpcore asks for at a request


def prepare_in_background() -> None:
    """Start `prepare()` on a daemon thread, once per process; a failure is logged, sessions do it later."""
    global _preparing
    with _lock:
        if _preparing is not None:
            return
        _preparing = threading.Thread(target=_prepare_logged, name="whep-prepare", daemon=True)
    _preparing.start()


def _prepare_logged() -> None:
    try:
        prepare()
    except Exception:  # the first session does what is left; the wall must not depend on this
        logger.exception("Preparing the live video's HTTP client failed")


__all__ = ["new_client", "prepare", "prepare_in_background", "tls_context"]
