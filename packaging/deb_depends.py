"""Find the Debian packages that provide the shared libraries a bundle links against but does not contain.

The bundle carries most of its libraries; the rest (libc, libGL, libxcb, ...) come from the system. This does
what dpkg-shlibdeps does for a source package, for a plain folder: read every ELF file's NEEDED entries with
`objdump -p`, drop the sonames the bundle holds itself, resolve the others with `ldconfig -p` and ask dpkg
which package owns each file. Prints one package name per line.
"""

from __future__ import annotations

import argparse
import logging
import subprocess
import sys
from collections.abc import Iterable, Iterator
from pathlib import Path

logger = logging.getLogger(__name__)

ELF_MAGIC = b"\x7fELF"


class DependencyError(RuntimeError):
    """A needed library is not installed on the build machine, or no package owns it."""


def elf_files(bundle: Path) -> Iterator[Path]:
    """Every regular ELF file below `bundle` (executables, libraries, Python extensions, Qt plugins)."""
    for path in sorted(bundle.rglob("*")):
        if path.is_file() and not path.is_symlink():
            with path.open("rb") as f:
                if f.read(4) == ELF_MAGIC:
                    yield path


def needed_sonames(path: Path) -> set[str]:
    """The NEEDED entries of one ELF file's dynamic section."""
    out = subprocess.run(
        ["objdump", "-p", str(path)], capture_output=True, text=True, check=True
    ).stdout
    return {line.split()[1] for line in out.splitlines() if line.strip().startswith("NEEDED")}


def system_libraries() -> dict[str, Path]:
    """soname -> path of the 64-bit x86 libraries the dynamic linker's cache knows (`ldconfig -p`)."""
    out = subprocess.run(
        ["/sbin/ldconfig", "-p"], capture_output=True, text=True, check=True
    ).stdout
    found: dict[str, Path] = {}
    for line in out.splitlines()[1:]:
        name, _, rest = line.strip().partition(" (")
        flags, _, target = rest.partition(") => ")
        if target and "x86-64" in flags:
            found.setdefault(name, Path(target))
    return found


def owning_package(path: Path) -> str:
    """The package that installed `path`, trying the /usr-merged twin and the symlink target too.

    Raises:
        DependencyError: dpkg knows no owner.
    """
    for candidate in _path_variants(path):
        result = subprocess.run(
            ["dpkg-query", "-S", str(candidate)], capture_output=True, text=True, check=False
        )
        if result.returncode == 0:
            package = result.stdout.split(":", 1)[0]
            return package.split(",")[0].strip()
    raise DependencyError(f"no Debian package owns {path}")


def _path_variants(path: Path) -> Iterator[Path]:
    for p in (path, path.resolve()):
        yield p
        text = str(p)
        if text.startswith("/usr/"):
            yield Path(text.removeprefix("/usr"))
        else:
            yield Path("/usr" + text)


def bundle_dependencies(bundle: Path, *, ignore: Iterable[str] = ()) -> list[str]:
    """The sorted package names the bundle's ELF files need from the system.

    Raises:
        DependencyError: a needed soname is neither in the bundle nor installed, or has no owner.
    """
    files = list(elf_files(bundle))
    bundled = {p.name for p in bundle.rglob("*")}
    needed: dict[str, Path] = {}
    for path in files:
        for soname in needed_sonames(path) - bundled:
            needed.setdefault(soname, path)
    libraries = system_libraries()
    missing = sorted(
        f"{so} (needed by {by.relative_to(bundle)})"
        for so, by in needed.items()
        if so not in libraries
    )
    if missing:
        raise DependencyError("libraries not installed on the build machine: " + ", ".join(missing))
    packages = {owning_package(libraries[soname]) for soname in needed}
    logger.info(
        "%d ELF files need %d system libraries from %d packages",
        len(files),
        len(needed),
        len(packages),
    )
    return sorted(packages - set(ignore))


def main(argv: list[str] | None = None) -> int:
    """Command line: `deb_depends.py BUNDLE_DIR [--ignore PKG ...]`."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("bundle", type=Path)
    parser.add_argument("--ignore", action="append", default=[], metavar="PACKAGE")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="[deb_depends] %(message)s")
    try:
        packages = bundle_dependencies(args.bundle, ignore=args.ignore)
    except DependencyError:
        logger.exception("cannot compute the package dependencies")
        return 1
    sys.stdout.write("".join(f"{p}\n" for p in packages))
    return 0


if __name__ == "__main__":
    sys.exit(main())
