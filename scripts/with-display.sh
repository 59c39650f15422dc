#!/usr/bin/env bash
# Run a command with an X display: the current one if set, else a private Xvfb server that ends with the command.
set -euo pipefail
if [[ -n "${DISPLAY:-}" ]]; then
  exec "$@"
fi
echo "[display] no display found: running under Xvfb (xvfb-run)" >&2
exec xvfb-run -a -s "-screen 0 1600x1000x24 -nolisten tcp" "$@"
