"""The command line: parse options and hand them to the composition root. Imports nothing heavy."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from vas_console import __version__


@dataclass(frozen=True, slots=True)
class CliOptions:
    """Parsed command-line options."""

    demo: bool = False
    demo_cameras: int = 4
    temp_basedir: bool = False
    basedir: Path | None = None
    smoke_test: float | None = None
    database_url: str | None = None
    debug: bool = False


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="vas-console", description="VAS Console: live cameras, recordings and evidence."
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    parser.add_argument(
        "--demo",
        action="store_true",
        help="start simulated cameras (GStreamer RTSP server) and register them",
    )
    parser.add_argument("--demo-cameras", type=int, default=4, metavar="N", help=argparse.SUPPRESS)
    where = parser.add_mutually_exclusive_group()
    where.add_argument(
        "--temp-basedir",
        action="store_true",
        help="keep all configuration and data in a temporary directory, removed on exit",
    )
    where.add_argument(
        "--basedir", type=Path, metavar="DIR", help="keep all configuration and data below DIR"
    )
    parser.add_argument(
        "--smoke-test",
        type=float,
        nargs="?",
        const=3.0,
        metavar="SECONDS",
        help="start, show the main window, run SECONDS (default 3), quit; exit 0 only if all went well",
    )
    parser.add_argument(
        "--database-url",
        metavar="URL",
        help="sqlite+aiosqlite:///FILE (default: in the data directory) or postgresql+psycopg://...",
    )
    parser.add_argument("--debug", action="store_true", help="log debug messages")
    return parser


def parse_args(argv: Sequence[str] | None = None) -> CliOptions:
    ns = build_parser().parse_args(argv)
    if ns.demo_cameras < 1 or ns.demo_cameras > 16:
        build_parser().error("--demo-cameras takes 1 to 16")
    if ns.smoke_test is not None and ns.smoke_test < 0:
        build_parser().error("--smoke-test takes a positive number of seconds")
    return CliOptions(
        demo=ns.demo,
        demo_cameras=ns.demo_cameras,
        temp_basedir=ns.temp_basedir,
        basedir=ns.basedir,
        smoke_test=ns.smoke_test,
        database_url=ns.database_url,
        debug=ns.debug,
    )


#: how the console runs its recording host in a child process when it is a packaged bundle (no `python -m`);
#: the same as `backend_embed.host_client.FROZEN_FLAG`, kept here so that this module imports nothing heavy
BACKEND_HOST_FLAG = "--backend-host-fd"


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of `vas-console`."""
    arguments = list(sys.argv[1:] if argv is None else argv)
    if arguments[:1] == [BACKEND_HOST_FLAG]:  # the console's own recording host (never Qt)
        from backend_embed.host_process import main as host_main

        return host_main(["--fd", *arguments[1:2]])
    options = parse_args(argv)
    from vas_console.app import run

    return run(options)
