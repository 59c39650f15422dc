"""The packaged console: PyInstaller bundle -> .deb -> extracted tree, which must start, show its window and quit."""

from __future__ import annotations

import os
import signal
import struct
import subprocess
import tomllib
from collections.abc import Sequence
from pathlib import Path
from xml.etree import ElementTree

import pytest

from tests.e2e.console_process import assert_clean_smoke_run, run_console
from tests.helpers.components import require_binary

ROOT = Path(__file__).resolve().parents[2]
BUILD_TIMEOUT_S = 900.0
SOURCE_DIRS = ("vas_console", "backend_embed", "camsim", "resources", "packaging")
# Installed paths, relative to the root the .deb unpacks into.
OPT = Path("opt/vas-console")
DESKTOP_FILE = Path("usr/share/applications/vas-console.desktop")
SVG_ICON = Path("usr/share/icons/hicolor/scalable/apps/vas-console.svg")
PNG_ICON = Path("usr/share/icons/hicolor/256x256/apps/vas-console.png")
LAUNCHER = Path("usr/bin/vas-console")
MIGRATIONS_VERSIONS = Path("backend_embed/db/migrations/versions")
REQUIRED_DEPENDS = {
    "libvlc5",
    "vlc-plugin-base",
    "vlc-plugin-video-output",
    "ffmpeg",
    "libxcb-cursor0",
    "libxcb-icccm4",
    "libxkbcommon-x11-0",
    "libegl1",
    "libgl1",
    "libfontconfig1",
    "fonts-dejavu-core",
}
DEMO_RECOMMENDS = {"python3-gi", "gir1.2-gst-rtsp-server-1.0", "gstreamer1.0-plugins-base"}

pytestmark = [pytest.mark.slow, pytest.mark.timeout(BUILD_TIMEOUT_S + 120)]


def _run_script(argv: Sequence[str], *, env: dict[str, str] | None = None) -> str:
    """Run a build script to completion and return its last stdout line; its whole group dies on timeout."""
    process = subprocess.Popen(
        list(argv),
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    try:
        output, _ = process.communicate(timeout=BUILD_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()
        pytest.fail(f"{argv[0]} ran longer than {BUILD_TIMEOUT_S:.0f} s", pytrace=False)
    if process.returncode != 0:
        pytest.fail(
            f"{' '.join(argv)} failed ({process.returncode}):\n{output[-8000:]}", pytrace=False
        )
    return output.strip().splitlines()[-1]


def _newest_source_mtime() -> float:
    return max(
        p.stat().st_mtime
        for d in SOURCE_DIRS
        for p in (ROOT / d).rglob("*")
        if p.is_file() and "__pycache__" not in p.parts
    )


@pytest.fixture(scope="session")
def bundle_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The one-folder bundle, really built by packaging/build_bundle.sh for this session.

    With VAS_BUNDLE_DIR set, that bundle is used instead, and it must be newer than every source file.
    """
    reuse = os.environ.get("VAS_BUNDLE_DIR")
    if reuse:
        bundle = Path(reuse)
        executable = bundle / "vas-console"
        if not executable.is_file():
            pytest.fail(f"VAS_BUNDLE_DIR={reuse} holds no vas-console executable", pytrace=False)
        if executable.stat().st_mtime < _newest_source_mtime():
            pytest.fail(
                f"VAS_BUNDLE_DIR={reuse} is older than the sources: rebuild it or unset the variable",
                pytrace=False,
            )
        return bundle
    require_binary("objdump", hint="apt-get install binutils")
    work = tmp_path_factory.mktemp("pyinstaller")
    # PyInstaller's cache goes to the session's directory, never to the user's ~/.cache
    env = dict(os.environ, PYINSTALLER_CONFIG_DIR=str(work / "config"))
    script = str(ROOT / "packaging" / "build_bundle.sh")
    last = _run_script(
        [script, "--dist", str(work / "dist"), "--work", str(work / "build")], env=env
    )
    return Path(last)


@pytest.fixture(scope="session")
def deb_file(bundle_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The .deb built from the bundle by packaging/build_deb.sh (zstd: the release default xz takes ~2 min)."""
    require_binary("dpkg-deb")
    out = tmp_path_factory.mktemp("deb")
    script = str(ROOT / "packaging" / "build_deb.sh")
    last = _run_script(
        [script, "--bundle", str(bundle_dir), "--out", str(out), "--compression", "zstd"]
    )
    return Path(last)


@pytest.fixture(scope="session")
def unpacked_deb(deb_file: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The file tree the .deb would install, unpacked with `dpkg-deb -x` into a directory (not installed)."""
    root = tmp_path_factory.mktemp("unpacked")
    subprocess.run(["dpkg-deb", "-x", str(deb_file), str(root)], check=True, timeout=300)
    return root


def _control_field(deb: Path, name: str) -> set[str]:
    value = subprocess.run(
        ["dpkg-deb", "-f", str(deb), name], check=True, capture_output=True, text=True, timeout=60
    ).stdout
    return {item.strip().split(" ", 1)[0] for item in value.split(",") if item.strip()}


def test_unpacked_deb_console_shows_its_window_and_exits_cleanly(
    unpacked_deb: Path, xvfb_display: str, tmp_path: Path
) -> None:
    executable = unpacked_deb / OPT / "vas-console"

    run = run_console(
        [str(executable), "--temp-basedir", "--smoke-test", "3"],
        display=xvfb_display,
        workdir=tmp_path,
    )

    assert_clean_smoke_run(run)


@pytest.mark.requires_rtsp_server
def test_unpacked_deb_demo_runs_the_bundled_camsim_without_the_bundle_library_path(
    unpacked_deb: Path, xvfb_display: str, tmp_path: Path
) -> None:
    internal = unpacked_deb / OPT / "_internal"

    run = run_console(
        [str(unpacked_deb / OPT / "vas-console"), "--demo", "--temp-basedir", "--smoke-test", "3"],
        display=xvfb_display,
        workdir=tmp_path,
    )

    assert_clean_smoke_run(run)
    servers = [d for d in run.descendants if "camsim.server" in d.cmdline]
    assert servers, f"no camsim.server process: {run.descendants}"
    assert servers[0].cmdline[0] == "/usr/bin/python3"
    assert servers[0].environ.get("PYTHONPATH") == str(internal)
    # Debian's python3 and GStreamer must load their own libraries, not the bundle's copies
    for child in run.descendants:
        assert str(internal) not in child.environ.get("LD_LIBRARY_PATH", ""), child


def test_deb_depends_on_system_libvlc_and_qt_runtime_libraries(deb_file: Path) -> None:
    depends = _control_field(deb_file, "Depends")
    recommends = _control_field(deb_file, "Recommends")

    assert depends >= REQUIRED_DEPENDS
    assert recommends >= DEMO_RECOMMENDS
    not_installed = [
        name
        for name in sorted(depends)
        if subprocess.run(
            ["dpkg-query", "-W", "-f=${Status}", name], capture_output=True, text=True, check=False
        ).stdout
        != "install ok installed"
    ]
    assert not_installed == [], "Depends names packages this machine lacks (install would fail)"


def test_deb_control_carries_the_project_version(deb_file: Path) -> None:
    with (ROOT / "pyproject.toml").open("rb") as f:
        version = tomllib.load(f)["project"]["version"]

    assert _control_field(deb_file, "Version") == {version}
    assert _control_field(deb_file, "Package") == {"vas-console"}


def test_deb_installs_a_launcher_desktop_entry_and_icons(unpacked_deb: Path) -> None:
    launcher = unpacked_deb / LAUNCHER
    desktop = (unpacked_deb / DESKTOP_FILE).read_text()
    entries = dict(line.split("=", 1) for line in desktop.splitlines() if "=" in line)
    png = (unpacked_deb / PNG_ICON).read_bytes()

    assert os.access(launcher, os.X_OK)
    assert f"/{OPT}/vas-console" in launcher.read_text()
    assert entries["Type"] == "Application"
    assert entries["Exec"].split()[0] == "vas-console"
    assert entries["Icon"] == "vas-console"
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    assert struct.unpack(">II", png[16:24]) == (256, 256)
    assert (
        ElementTree.parse(unpacked_deb / SVG_ICON).getroot().tag
        == "{http://www.w3.org/2000/svg}svg"
    )


def test_bundle_ships_camsim_sources_and_migrations_but_not_libvlc(bundle_dir: Path) -> None:
    internal = bundle_dir / "_internal"
    revisions = sorted(p.name for p in (ROOT / MIGRATIONS_VERSIONS).glob("*.py"))

    assert sorted(internal.rglob("libvlc*.so*")) == []
    assert (internal / "camsim" / "server.py").is_file()
    assert (internal / "camsim" / "__init__.py").is_file()
    assert (internal / "backend_embed" / "db" / "migrations" / "env.py").is_file()
    assert revisions
    assert sorted(p.name for p in (internal / MIGRATIONS_VERSIONS).glob("*.py")) == revisions
    assert sorted(p for p in internal.rglob("*") if p.is_symlink() and not p.exists()) == []
