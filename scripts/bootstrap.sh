#!/usr/bin/env bash
# Install everything VAS Console needs on Debian 12, idempotently: apt packages, then .venv with the project.
# Safe to run again: it installs only what is missing and reinstalls Python packages only when pyproject changes.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"

say() { printf '[bootstrap] %s\n' "$*"; }

mapfile -t packages < <(grep -v '^\s*#' scripts/apt-packages.txt | grep -v '^\s*$')
missing=()
sudo_cmd=()
[[ $(id -u) -eq 0 ]] || sudo_cmd=(sudo)
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  say "installing ${#missing[@]} Debian packages: ${missing[*]}"
  "${sudo_cmd[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
else
  say "Debian packages present"
fi

python=${VAS_PYTHON:-python3}
if ! "$python" -c 'import sys; sys.exit(0 if sys.version_info[:2] == (3, 11) else 1)'; then
  say "need Python 3.11 (found $("$python" --version 2>&1)); set VAS_PYTHON" >&2
  exit 1
fi
if [[ ! -x .venv/bin/python ]]; then
  say "creating .venv with $("$python" --version)"
  "$python" -m venv .venv
fi
stamp=.venv/.vas-installed
want=$(sha256sum pyproject.toml | cut -d' ' -f1)
if [[ ! -f $stamp || $(cat "$stamp") != "$want" ]]; then
  say "installing the project and its Python dependencies into .venv"
  .venv/bin/python -m pip install -q --disable-pip-version-check --upgrade pip
  .venv/bin/python -m pip install -q --disable-pip-version-check -e ".[dev]"
  echo "$want" > "$stamp"
else
  say "Python packages present"
fi

# Browser tests drive Debian's Chromium with playwright-core (never a downloaded browser).
if [[ -f tests/browser/package-lock.json ]]; then
  if ! command -v npm >/dev/null; then
    say "installing Node.js and npm from Debian"
    DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends nodejs npm >/dev/null
  fi
  npm_stamp=tests/browser/node_modules/.vas-installed
  npm_want=$(sha256sum tests/browser/package-lock.json | cut -d' ' -f1)
  if [[ ! -f $npm_stamp || $(cat "$npm_stamp") != "$npm_want" ]]; then
    say "installing the browser test driver (npm ci in tests/browser)"
    PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --prefix tests/browser --no-audit --no-fund --silent
    echo "$npm_want" > "$npm_stamp"
  else
    say "browser test driver present"
  fi
fi
