"""Entry script of the frozen console: the same `main` as the `vas-console` console script."""

import os
import sys


def restore_child_environment() -> None:
    """Keep the bundle's libraries away from the programs the console starts.

    PyInstaller's bootloader points LD_LIBRARY_PATH at `_internal` (saving the old value in
    LD_LIBRARY_PATH_ORIG), and every child inherits it: Debian's /usr/bin/python3 running the demo cameras,
    GStreamer and ffmpeg would load the bundle's copies of libssl, glib or libstdc++ instead of their own.
    The dynamic linker read the variable when this process started, so changing it now only affects children.
    """
    if not getattr(sys, "frozen", False):
        return
    original = os.environ.pop("LD_LIBRARY_PATH_ORIG", None)
    if original is None:
        os.environ.pop("LD_LIBRARY_PATH", None)
    else:
        os.environ["LD_LIBRARY_PATH"] = original


if __name__ == "__main__":
    restore_child_environment()

    from vas_console.cli import main

    sys.exit(main())
