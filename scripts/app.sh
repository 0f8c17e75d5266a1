#!/usr/bin/env bash
# Set up (a .venv with the pinned requirements) and start the app on the bundled teacher.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
VENV=${VENV:-.venv}
if [ ! -x "$VENV/bin/python" ]; then
  "$PY" -m venv "$VENV"
fi
"$VENV/bin/python" -m pip install --quiet --upgrade pip
"$VENV/bin/python" -m pip install --quiet -r requirements.txt
export TOKENIZERS_PARALLELISM=false
exec "$VENV/bin/python" -m streamlit run app.py "$@"
