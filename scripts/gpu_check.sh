#!/usr/bin/env bash
# The GPU path in one command: engine, CLI (one process and torchrun with nccl), the lab's worker and the export
# on cuda, checked against the CPU. Uses .venv (README: "On a GPU" installs a CUDA build of torch into it).
# Without a CUDA device it says so and exits 0.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${VENV:-.venv}/bin/python
[ -x "$PY" ] || PY=python3
export TOKENIZERS_PARALLELISM=false
exec "$PY" scripts/gpu_check.py "$@"
