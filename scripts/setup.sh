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
  warm_umap_cache
}

# UMAP's numba kernels, compiled once per machine into ~/.cache/distill-lab/numba (or $LAB_NUMBA_CACHE) so that no
# server start spends a minute of CPU compiling them beside a run that trains (distill_core/token_maps.py).
warm_umap_cache() {
  if [ "${LAB_UMAP:-1}" = "0" ]; then
    return
  fi
  if [ -n "$(find "${LAB_NUMBA_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/distill-lab/numba}" -name '*.nbi' -print -quit 2>/dev/null)" ]; then
    return  # made before (a kernel whose source changed since is compiled again by the app and cached anew)
  fi
  echo "Compiling UMAP's kernels once for this machine (about a minute)..."
  "$VENV/bin/python" -m distill_core.token_maps --warm 2>/dev/null || echo "UMAP's kernels were not compiled: the map will use PCA until they are."
}
