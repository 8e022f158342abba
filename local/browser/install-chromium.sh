#!/usr/bin/env bash
# Debian's Chromium for the fleet page's browser test (driven headless by playwright-core).
# Idempotent: does nothing when a Chromium is already there (FRIDAY_CHROMIUM or /usr/bin/chromium).
set -euo pipefail
chromium="${FRIDAY_CHROMIUM:-/usr/bin/chromium}"
if [ -x "$chromium" ]; then
  echo "chromium: $("$chromium" --version 2>/dev/null || echo "$chromium")"
  exit 0
fi
echo "chromium: not found at $chromium; installing Debian's chromium package"
if [ "$(id -u)" -eq 0 ]; then apt=(apt-get); elif command -v sudo >/dev/null 2>&1; then apt=(sudo apt-get); else
  echo "chromium: cannot install (not root and no sudo). Install the Debian package 'chromium', or set FRIDAY_CHROMIUM to a Chromium binary." >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
"${apt[@]}" install -y -q --no-install-recommends chromium >/dev/null 2>&1 || { "${apt[@]}" update -q >/dev/null && "${apt[@]}" install -y -q --no-install-recommends chromium >/dev/null; }
echo "chromium: $(/usr/bin/chromium --version)"
