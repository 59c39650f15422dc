"""Suite policy: markers by folder, a private base directory per test, no leaked child processes."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import psutil
import pytest

from tests.helpers.processes import session_pids

# Qt: offscreen unless a test starts its own X server; qasync must bind PySide6.
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ["QT_API"] = "pyside6"

pytest_plugins = [
    "tests.helpers.camsim_fixtures",
    "tests.helpers.postgres",
    "tests.helpers.display",
    "tests.helpers.fake_backend",
    "tests.helpers.qt_async",
    "tests.helpers.whep_server",
]

_FOLDER_MARKERS = {
    "integration": "integration",
    "gui": "gui",
    "e2e": "e2e",
}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark each test by its folder so `-m "not integration"` and friends work without decorators."""
    for item in items:
        parts = Path(str(item.fspath)).parts
        for folder, marker in _FOLDER_MARKERS.items():
            if folder in parts:
                item.add_marker(marker)


@pytest.fixture(autouse=True)
def _private_user_dirs(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> Path:
    """Point HOME and the XDG directories at a fresh directory, so no test touches the real user's files."""
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("HOME", str(home))
    for var, sub in (
        ("XDG_CONFIG_HOME", ".config"),
        ("XDG_DATA_HOME", ".local/share"),
        ("XDG_CACHE_HOME", ".cache"),
        ("XDG_STATE_HOME", ".local/state"),
    ):
        monkeypatch.setenv(var, str(home / sub))
    # no keyring daemon in tests: the key file store is used unless a test injects another store
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "keyring.backends.fail.Keyring")
    return home


@pytest.fixture(autouse=True)
def _no_leaked_children(request: pytest.FixtureRequest) -> Iterator[None]:
    """Fail a test that leaves a child process running (ffmpeg, a camera server, a browser) and kill it.

    Session-scoped servers started before the test are allowed to stay.
    """
    me = psutil.Process()
    before = {p.pid for p in me.children(recursive=True)}
    yield
    spared = set(session_pids())
    for pid in list(spared):
        try:
            spared.update(c.pid for c in psutil.Process(pid).children(recursive=True))
        except psutil.NoSuchProcess:
            continue
    leaked = [p for p in me.children(recursive=True) if p.pid not in before | spared]
    alive = []
    for proc in leaked:
        try:
            if proc.status() != psutil.STATUS_ZOMBIE:
                alive.append(f"{proc.pid} {' '.join(proc.cmdline()[:3])}")
            proc.kill()
        except psutil.NoSuchProcess:
            continue
    if alive:
        pytest.fail(f"test left child processes running: {alive}", pytrace=False)
