"""Running the console (from source or packaged) as a subprocess under X, and finding what it leaves behind."""

from __future__ import annotations

import contextlib
import os
import re
import subprocess
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import psutil

WINDOW_SHOWN = re.compile(r"^VAS_WINDOW_SHOWN (\d+)\s*$", re.MULTILINE)
ERROR_LOG = re.compile(r"^.*\b(ERROR|CRITICAL)\b.*$", re.MULTILINE)
# Every process the console starts inherits this variable, so its leftovers can be found even after they
# were re-parented to init.
RUN_TOKEN_VAR = "VAS_E2E_RUN_TOKEN"
# Environment variables recorded for each descendant (what a child inherits from a frozen app matters).
RECORDED_ENV = ("PYTHONPATH", "LD_LIBRARY_PATH")
POLL_S = 0.1
EXIT_GRACE_S = 1.0


@dataclass(frozen=True, slots=True)
class Descendant:
    """A process the console started, as seen while it ran."""

    pid: int
    create_time: float
    cmdline: tuple[str, ...]
    environ: dict[str, str]


@dataclass(frozen=True, slots=True)
class ConsoleRun:
    """The outcome of one console run."""

    returncode: int
    stdout: str
    stderr: str
    launched_ms: int
    exited_ms: int
    descendants: tuple[Descendant, ...]
    survivors: tuple[str, ...] = field(default=())
    leftover_tmp: tuple[str, ...] = field(default=())

    @property
    def output(self) -> str:
        return self.stdout + self.stderr

    @property
    def window_shown_ms(self) -> int | None:
        match = WINDOW_SHOWN.search(self.stdout)
        return int(match.group(1)) if match else None

    def error_lines(self) -> list[str]:
        return [m.group(0) for m in ERROR_LOG.finditer(self.output)]

    def describe(self) -> str:
        """Everything a failure message needs."""
        return (
            f"exit code {self.returncode}\n--- stdout ---\n{self.stdout[-6000:]}\n"
            f"--- stderr ---\n{self.stderr[-6000:]}"
        )


def run_console(
    argv: Sequence[str], *, display: str, workdir: Path, timeout: float = 120.0
) -> ConsoleRun:
    """Run the console to completion under X `display` (xcb), watching every process it starts.

    The console gets a private TMPDIR and XDG_RUNTIME_DIR below `workdir`. Processes it left running are
    reported in `survivors` and then killed; files it left in TMPDIR are reported in `leftover_tmp`.

    Raises:
        subprocess.TimeoutExpired: it ran longer than `timeout`; it and everything it started were killed.
    """
    token = uuid.uuid4().hex
    tmpdir = workdir / "tmp"
    runtime_dir = workdir / "runtime"
    tmpdir.mkdir(parents=True)
    runtime_dir.mkdir(mode=0o700, parents=True)
    env = dict(os.environ)
    env.update(
        DISPLAY=display,
        QT_QPA_PLATFORM="xcb",
        TMPDIR=str(tmpdir),
        XDG_RUNTIME_DIR=str(runtime_dir),
        **{RUN_TOKEN_VAR: token},
    )
    stdout_path, stderr_path = workdir / "stdout.txt", workdir / "stderr.txt"
    seen: dict[int, Descendant] = {}
    with stdout_path.open("wb") as out, stderr_path.open("wb") as err:
        launched_ms = int(time.time() * 1000)
        process = subprocess.Popen(
            list(argv), stdin=subprocess.DEVNULL, stdout=out, stderr=err, env=env
        )
        try:
            returncode = _wait_watching(process, seen, time.monotonic() + timeout)
        finally:
            if process.poll() is None:
                _kill_tree(process)
            exited_ms = int(time.time() * 1000)
            survivors = _reap_survivors(token, seen)
    return ConsoleRun(
        returncode=returncode,
        stdout=stdout_path.read_text(errors="replace"),
        stderr=stderr_path.read_text(errors="replace"),
        launched_ms=launched_ms,
        exited_ms=exited_ms,
        descendants=tuple(seen.values()),
        survivors=survivors,
        leftover_tmp=tuple(sorted(str(p.relative_to(tmpdir)) for p in tmpdir.iterdir())),
    )


def _wait_watching(
    process: subprocess.Popen[bytes], seen: dict[int, Descendant], deadline: float
) -> int:
    parent = psutil.Process(process.pid)
    while (code := process.poll()) is None:
        if time.monotonic() > deadline:
            raise subprocess.TimeoutExpired(process.args, 0)
        _record_descendants(parent, seen)
        time.sleep(POLL_S)
    return code


def _record_descendants(parent: psutil.Process, seen: dict[int, Descendant]) -> None:
    try:
        children = parent.children(recursive=True)
    except psutil.NoSuchProcess:
        return
    own: tuple[str, ...] = ()
    with contextlib.suppress(psutil.Error):
        own = tuple(parent.cmdline())
    for child in children:
        if child.pid in seen:
            continue
        with contextlib.suppress(psutil.Error):
            cmdline = tuple(child.cmdline())
            if cmdline == own:
                # forked but not yet exec'd (asyncio's subprocess start): look again at the next poll
                continue
            environ = child.environ()
            seen[child.pid] = Descendant(
                child.pid,
                child.create_time(),
                cmdline,
                {k: environ[k] for k in RECORDED_ENV if k in environ},
            )


def _kill_tree(process: subprocess.Popen[bytes]) -> None:
    with contextlib.suppress(psutil.NoSuchProcess):
        for child in psutil.Process(process.pid).children(recursive=True):
            with contextlib.suppress(psutil.NoSuchProcess):
                child.kill()
    process.kill()
    process.wait()


def _reap_survivors(token: str, seen: dict[int, Descendant]) -> tuple[str, ...]:
    """Describe and kill the console's processes still alive EXIT_GRACE_S after it exited."""
    deadline = time.monotonic() + EXIT_GRACE_S
    while (alive := _alive_with_token(token, seen)) and time.monotonic() < deadline:
        time.sleep(POLL_S)
    described = []
    for proc in alive:
        with contextlib.suppress(psutil.Error):
            described.append(f"{proc.pid} {' '.join(proc.cmdline()[:4])}")
            proc.kill()
    psutil.wait_procs(alive, timeout=5)
    return tuple(described)


def _alive_with_token(token: str, seen: dict[int, Descendant]) -> list[psutil.Process]:
    alive = []
    for proc in psutil.process_iter():
        with contextlib.suppress(psutil.Error):
            if proc.status() == psutil.STATUS_ZOMBIE:
                continue
            if _started_by_run(proc, token, seen):
                alive.append(proc)
    return alive


def _started_by_run(proc: psutil.Process, token: str, seen: dict[int, Descendant]) -> bool:
    known = seen.get(proc.pid)
    if known is not None and known.create_time == proc.create_time():
        return True
    return bool(proc.environ().get(RUN_TOKEN_VAR) == token)


def assert_clean_smoke_run(run: ConsoleRun) -> None:
    """Exit 0, the window-shown marker, no traceback, no error log, no process or temp file left behind."""
    assert run.returncode == 0, run.describe()
    assert run.window_shown_ms is not None, f"no VAS_WINDOW_SHOWN line\n{run.describe()}"
    assert "Traceback" not in run.output, run.describe()
    assert run.error_lines() == [], run.describe()
    assert run.survivors == (), f"left running: {run.survivors}\n{run.describe()}"
    assert run.leftover_tmp == (), f"left in TMPDIR: {run.leftover_tmp}\n{run.describe()}"
