"""Files only their owner may read (secret keys): refuse loose ones, create new ones atomically with mode 0600.

Used by the camera credentials key and the evidence signing key. A key file that group or others can read, or
that belongs to another user, is refused (as OpenSSH refuses such a private key): the key may already have been
copied, and fixing the mode silently would hide that.
"""

from __future__ import annotations

import contextlib
import errno
import os
import stat
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

from backend_embed.api.errors import BackendError

#: builds the caller's error from an operator message
ErrorFactory = Callable[[str], BackendError]


def read_private(path: Path, *, what: str, remedy: str, error: ErrorFactory) -> bytes | None:
    """The file's bytes, or None if it does not exist.

    Args:
        what: how the message names the file ("The credentials key file").
        remedy: what the operator can do instead of tightening the mode ("delete it and ...").
        error: makes the exception to raise.

    Raises:
        BackendError (from `error`): unreadable, not a regular file, another user's, or readable by others.
    """
    flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)
    try:
        fd = os.open(path, flags)
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise error(f"{what} {path} cannot be read ({exc.strerror}).") from exc
    with os.fdopen(fd, "rb") as fh:
        _check_private(path, os.fstat(fh.fileno()), what=what, remedy=remedy, error=error)
        return fh.read()


def _check_private(
    path: Path, st: os.stat_result, *, what: str, remedy: str, error: ErrorFactory
) -> None:
    if not stat.S_ISREG(st.st_mode):
        raise error(f"{what} {path} is not a regular file.")
    if sys.platform == "win32":
        return
    if st.st_uid != os.getuid():
        raise error(f"{what} {path} belongs to another user; refusing to use it.")
    if st.st_mode & 0o077:
        raise error(
            f"{what} {path} can be read by other users (mode {stat.S_IMODE(st.st_mode):04o}); "
            f"refusing to use it. If only you can have read it, run 'chmod 600 {path}'; "
            f"otherwise {remedy}."
        )


def create_private(path: Path, data: bytes, *, what: str, error: ErrorFactory) -> None:
    """Write `data` to a new 0600 file at `path`, atomically, never replacing an existing one.

    The data goes to a 0600 temporary file in the same directory, is fsynced, then published under `path`
    with a hard link (a rename where the file system has no links), and the directory is fsynced.

    Raises:
        FileExistsError: `path` exists (another process created it first: use theirs).
        BackendError (from `error`): the file cannot be written.
    """
    try:
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    except OSError as exc:
        raise error(f"{what} cannot be saved in {path.parent}: {exc}") from exc
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "wb") as fh:  # mkstemp creates the file with mode 0600
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        _publish_no_clobber(tmp, path)
        _fsync_dir(path.parent)
    except FileExistsError:
        raise
    except OSError as exc:
        raise error(f"{what} cannot be saved to {path}: {exc}") from exc
    finally:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()


def _publish_no_clobber(tmp: Path, target: Path) -> None:
    """Give `tmp` the name `target` atomically, failing with FileExistsError if `target` exists."""
    try:
        os.link(tmp, target)
    except FileExistsError:
        raise
    except OSError as exc:
        # a file system without hard links (some FUSE/vfat mounts): check, then rename
        if exc.errno not in (errno.EPERM, errno.EOPNOTSUPP, errno.ENOTSUP, errno.EMLINK):
            raise
        if target.exists():
            raise FileExistsError(errno.EEXIST, "key file exists", str(target)) from exc
        os.replace(tmp, target)


def _fsync_dir(directory: Path) -> None:
    if sys.platform == "win32":
        return
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
