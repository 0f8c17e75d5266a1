"""The live lab's pace and the engine's thread hygiene: what keeps the browser's run close to the CLI's speed."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

PROBE = """
import json, sys
from distill_core.config import DistillConfig
from distill_core.engine import Engine
import numpy, threadpoolctl
before = [i["num_threads"] for i in threadpoolctl.threadpool_info() if i["user_api"] == "blas"]
Engine(DistillConfig(teacher=sys.argv[1], hidden_size=8, probe_size=20, steps=2, device="cpu")).run(2)
after = [i["num_threads"] for i in threadpoolctl.threadpool_info() if i["user_api"] == "blas"]
print(json.dumps({"before": before, "after": after}))
"""


def _blas_threads(teacher: Path, **env) -> dict:
    base = {k: v for k, v in os.environ.items() if k not in ("OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "OMP_NUM_THREADS")}
    out = subprocess.run([sys.executable, "-c", PROBE, str(teacher)], cwd=ROOT, capture_output=True, text=True,
                         env=base | {"PYTHONPATH": str(ROOT)} | env, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_an_engine_holds_numpy_blas_to_one_thread(tiny_teacher_dir):
    """OpenBLAS's pool spins after each small numpy call on the cores torch trains on: the engine limits it."""
    seen = _blas_threads(tiny_teacher_dir)
    assert seen["before"]  # numpy's default pool (one thread per core)
    assert seen["after"] and all(n == 1 for n in seen["after"])
    kept = _blas_threads(tiny_teacher_dir, DISTILL_NUMPY_BLAS_THREADS="0")  # 0 leaves numpy's pool alone
    assert kept["after"][: len(kept["before"])] == kept["before"]


def test_numbers_and_live_pictures_move_at_one_pace_a_person_follows():
    """One cadence for the numbers and the live charts (2-4 updates a second: each is an update in place, not a
    fresh plot); W_e's heatmap below the fold less often; a queued run asks rarely."""
    from labui import live_view as LV

    assert 0.25 <= LV.REFRESH_S <= 0.5
    assert LV.DETAIL_REFRESH_S >= LV.REFRESH_S
    assert LV.QUEUED_REFRESH_S >= LV.REFRESH_S


def test_a_crowded_server_refreshes_each_training_page_less_often():
    from labui import live_view as LV

    assert LV.training_refresh_s(1) == LV.REFRESH_S  # a run alone: 2-4 updates a second
    assert LV.training_refresh_s(LV.CROWD) == LV.REFRESH_S
    assert LV.training_refresh_s(LV.CROWD + 1) == LV.CROWD_REFRESH_S >= 1.0  # a classroom: the server stays responsive
