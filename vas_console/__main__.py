"""Allow `python -m vas_console`."""

from vas_console.cli import main

raise SystemExit(main())
