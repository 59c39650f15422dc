#!/usr/bin/env bash
# Set everything up and start the console in demo mode: four simulated cameras, embedded SQLite.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
"$root/scripts/bootstrap.sh"
exec "$root/scripts/with-display.sh" "$root/.venv/bin/vas-console" --demo "$@"
