#!/usr/bin/env bash
# Set up (a .venv with the pinned requirements, and Debian's Chromium for the browser test) and run every test.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/setup.sh
setup_venv requirements-dev.txt
if ! command -v chromium >/dev/null 2>&1; then
  if [ "$(id -u)" = "0" ]; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
  elif command -v sudo >/dev/null 2>&1; then
    sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
  else
    echo "note: chromium is not installed and cannot be installed here; the browser test will be skipped" >&2
  fi
fi
exec "$VENV/bin/python" -m pytest -q -p no:cacheprovider --timeout=900 -rfE "$@" tests
