# Sourced by app.sh and test.sh: make $VENV (default .venv) and install a requirements file into it.
# usage: setup_venv REQUIREMENTS_FILE
setup_venv() {
  PY=${PYTHON:-python3}
  VENV=${VENV:-.venv}
  if [ ! -x "$VENV/bin/python" ]; then
    "$PY" -m venv "$VENV"
  fi
  "$VENV/bin/python" -m pip install --quiet --upgrade pip
  "$VENV/bin/python" -m pip install --quiet -r "$1"
  export TOKENIZERS_PARALLELISM=false
}
