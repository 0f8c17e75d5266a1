#!/usr/bin/env bash
# Set up (a .venv with the pinned requirements) and start the app on the bundled teacher.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/setup.sh
setup_venv requirements.txt
exec "$VENV/bin/python" -m streamlit run app.py "$@"
