# Sourced by app.sh and test.sh: make $VENV (default .venv) and install a requirements file into it, at the exact
# versions of requirements.lock (what CI tested).
# usage: setup_venv REQUIREMENTS_FILE
setup_venv() {
  PY=${PYTHON:-python3}
  VENV=${VENV:-.venv}
  if [ ! -x "$VENV/bin/python" ]; then
    "$PY" -m venv "$VENV"
  fi
  "$VENV/bin/python" -m pip install --quiet --upgrade pip
  "$VENV/bin/python" -m pip install --quiet -r "$1" -c requirements.lock
  export TOKENIZERS_PARALLELISM=false
}
