"""What goes into the PyInstaller bundle beyond what import analysis finds, and what is taken out of it.

Imported by `vas_console.spec` (PyInstaller runs the spec with the .venv interpreter). Kept as a plain module
so ruff and mypy check it; the spec itself only wires these lists into Analysis/COLLECT.
"""

from __future__ import annotations

import ast
import importlib.machinery
import posixpath
import subprocess
import sys
from collections.abc import Callable, Iterable
from pathlib import Path

# (source path, destination folder inside _internal), the form PyInstaller's `datas` takes.
DataEntry = tuple[str, str]
# PyInstaller TOC entries: (destination name, source path, type code).
TocEntry = tuple[str, str, str]

MIGRATIONS = Path("backend_embed") / "db" / "migrations"

# Modules nothing in the console needs at run time: GUI toolkits we do not use, test and build tools that
# are installed in the .venv, and the Qt modules PySide6-Essentials ships beside the ones the console uses.
EXCLUDED_MODULES: tuple[str, ...] = (
    "tkinter",
    "_tkinter",
    "turtle",
    "idlelib",
    "pydoc_data",
    "lib2to3",
    "ensurepip",
    "venv",
    "test",
    "tests",
    "pytest",
    "_pytest",
    "pytestqt",
    "pytest_asyncio",
    "pytest_timeout",
    "py",
    "pluggy",
    "iniconfig",
    "mypy",
    "mypyc",
    "mypy_extensions",
    "ruff",
    "importlinter",
    "grimp",
    "PyInstaller",
    "pip",
    "setuptools",
    "pkg_resources",
    "_distutils_hack",
    "IPython",
    "matplotlib",
    "numpy",
    "sqlalchemy.testing",
    "alembic.testing",
    "PySide6.QtQml",
    "PySide6.QtQuick",
    "PySide6.QtQuickControls2",
    "PySide6.QtQuickTest",
    "PySide6.QtQuickWidgets",
    "PySide6.QtDesigner",
    "PySide6.QtHelp",
    "PySide6.QtSql",
    "PySide6.QtTest",
    "PySide6.QtUiTools",
    "PySide6.QtConcurrent",
    "PySide6.QtPrintSupport",
    "PySide6.QtPdf",
    "PySide6.QtPdfWidgets",
    "PySide6.QtMultimedia",
    "PySide6.QtMultimediaWidgets",
    "PySide6.QtWebEngineCore",
    "PySide6.QtWebEngineWidgets",
)

# The system libVLC is used on purpose (see docs/packaging.md): PyInstaller finds libvlc.so.5 and
# libvlccore.so.9 through python-vlc's ctypes calls but not VLC's plugin tree, and a bundled libVLC without
# its plugins makes libvlc_new() return NULL in the frozen app.
EXCLUDED_LIBRARY_PREFIXES: tuple[str, ...] = ("libvlc.so", "libvlccore.so")

# Qt plugins the console cannot use. libVLC draws into an X11 window (set_xwindow), so the console runs on
# xcb (natively or under XWayland); without the Wayland plugins Qt falls back to xcb by itself. The GTK 3
# platform theme alone pulls in about 20 MB of GTK, cairo and pango; the console styles itself. Evdev input
# plugins are for kiosk devices without a window system.
EXCLUDED_QT_PLUGIN_PREFIXES: tuple[str, ...] = (
    "platforms/libqwayland",
    "platforms/libqeglfs",
    "platforms/libqlinuxfb",
    "platforms/libqvnc",
    "platforms/libqvkkhrdisplay",
    "platformthemes/libqgtk3",
    "wayland-decoration-client/",
    "wayland-graphics-integration-client/",
    "wayland-graphics-integration-server/",
    "wayland-shell-integration/",
    "egldeviceintegrations/",
    "generic/",
    "qmltooling/",
    "qmllint/",
    "designer/",
    "sqldrivers/",
    "printsupport/",
)
QT_PLUGIN_ROOT = "PySide6/Qt/plugins/"
QT_LIBRARY_ROOT = "PySide6/Qt/lib/"
QT_TRANSLATIONS = "PySide6/Qt/translations/"


def migration_datas(root: Path) -> list[DataEntry]:
    """Every file of the Alembic migrations folder, whatever its name, as data (Alembic loads them by path).

    Raises:
        FileNotFoundError: the folder does not exist, so the bundle could not create its database.
    """
    folder = root / MIGRATIONS
    if not folder.is_dir():
        raise FileNotFoundError(f"Alembic migrations not found: {folder}")
    return _tree_datas(root, folder)


def migration_hidden_imports(root: Path) -> list[str]:
    """Modules the migration scripts import: they are data to PyInstaller, so analysis never sees them."""
    names: set[str] = set()
    for script in sorted((root / MIGRATIONS).rglob("*.py")):
        names.update(_imported_modules(ast.parse(script.read_bytes(), filename=str(script))))
    search = [str(root), *sys.path]
    return sorted(name for name in names if _importable(name, search))


def camsim_datas(root: Path) -> list[DataEntry]:
    """The simulated cameras as a folder of .py files: demo mode runs them under Debian's /usr/bin/python3."""
    folder = root / "camsim"
    if not (folder / "__init__.py").is_file():
        raise FileNotFoundError(f"camsim package not found: {folder}")
    return [
        (str(path), str(path.parent.relative_to(root)))
        for path in sorted(folder.rglob("*.py"))
        if "__pycache__" not in path.parts
    ]


def resource_datas(root: Path) -> list[DataEntry]:
    """The top-level resources/ tree (icons, styles), kept at `_internal/resources`."""
    folder = root / "resources"
    return _tree_datas(root, folder) if folder.is_dir() else []


def is_excluded_binary(dest_name: str) -> bool:
    """Whether a collected library or plugin must stay out of the bundle (system libVLC, unused Qt plugins)."""
    if Path(dest_name).name.startswith(EXCLUDED_LIBRARY_PREFIXES):
        return True
    if dest_name.startswith(QT_PLUGIN_ROOT):
        plugin = dest_name.removeprefix(QT_PLUGIN_ROOT)
        return plugin.startswith(EXCLUDED_QT_PLUGIN_PREFIXES)
    return False


def is_excluded_data(dest_name: str) -> bool:
    """Whether a collected data file must stay out: Qt's translations (the console's UI is English only)."""
    return dest_name.startswith(QT_TRANSLATIONS)


def without_excluded_binaries(
    entries: Iterable[TocEntry], dependencies: Callable[[str], set[str]] | None = None
) -> list[TocEntry]:
    """`entries` (Analysis.binaries) without the system libVLC and the unused Qt plugins.

    Shared libraries that only the dropped plugins needed (GTK for the GTK theme, the Wayland client for the
    Wayland plugins) are dropped too; everything a kept binary links against stays.

    Args:
        entries: PyInstaller TOC entries (destination, source, type code).
        dependencies: the sonames a binary needs, transitively (default: `linked_sonames`, i.e. `ldd`).
    """
    deps = dependencies or linked_sonames
    entries = list(entries)
    dropped = [e for e in entries if is_excluded_binary(e[0])]
    kept = [e for e in entries if not is_excluded_binary(e[0])]
    needed_by_dropped = {soname for e in dropped for soname in deps(e[1])}
    candidates = {Path(e[0]).name for e in kept if _is_library(e)} & needed_by_dropped
    roots = [e for e in kept if Path(e[0]).name not in candidates]
    needed_by_roots = {soname for e in roots for soname in deps(e[1])}
    orphans = candidates - needed_by_roots
    return [e for e in kept if Path(e[0]).name not in orphans]


def without_excluded_datas(
    entries: Iterable[TocEntry], binaries: Iterable[TocEntry]
) -> list[TocEntry]:
    """`entries` (Analysis.datas) without Qt's translations and without symbolic links to dropped files.

    PyInstaller lists the top-level links to libraries in subfolders (libQt6Core.so.6 ->
    PySide6/Qt/lib/libQt6Core.so.6) among the datas; a link to a library that `without_excluded_binaries`
    dropped would dangle.
    """
    entries = list(entries)
    present = {e[0] for e in binaries} | {e[0] for e in entries if e[2] != "SYMLINK"}
    return [
        e
        for e in entries
        if not is_excluded_data(e[0]) and (e[2] != "SYMLINK" or _link_target(e) in present)
    ]


def linked_sonames(path: str) -> set[str]:
    """The sonames `path` links against, directly or not, as `ldd` reports them (resolved or not).

    Raises:
        subprocess.CalledProcessError: `ldd` failed on something that is a shared object.
    """
    result = subprocess.run(["ldd", path], capture_output=True, text=True, check=False)
    if result.returncode != 0:
        if "not a dynamic executable" in result.stdout + result.stderr:
            return set()
        result.check_returncode()
    names: set[str] = set()
    for line in result.stdout.splitlines():
        name = line.strip().split(" ", 1)[0]
        if name.startswith("lib"):
            names.add(name)
    return names


def _is_library(entry: TocEntry) -> bool:
    dest, _, kind = entry
    return kind == "BINARY" and ("/" not in dest or dest.startswith(QT_LIBRARY_ROOT))


def _link_target(entry: TocEntry) -> str:
    dest, target, _ = entry
    return posixpath.normpath(posixpath.join(posixpath.dirname(dest), target))


def _tree_datas(root: Path, folder: Path) -> list[DataEntry]:
    files = (p for p in sorted(folder.rglob("*")) if p.is_file())
    return [
        (str(p), str(p.parent.relative_to(root)))
        for p in files
        if "__pycache__" not in p.parts and p.suffix != ".pyc"
    ]


def _imported_modules(tree: ast.Module) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return names


def _importable(name: str, path: list[str]) -> bool:
    """Whether `name` can be found on `path`, without importing anything (no side effects in the build)."""
    search: list[str] | None = path
    for part in name.split("."):
        if search is None:
            return False
        spec = importlib.machinery.PathFinder.find_spec(part, search)
        if spec is None:
            return False
        locations = spec.submodule_search_locations
        search = list(locations) if locations is not None else None
    return True
