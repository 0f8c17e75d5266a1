"""The live lab's pace and the engine's thread hygiene: what keeps the browser's run close to the CLI's speed."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

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


@pytest.mark.parametrize("status, held", [("running", True), ("paused", False), ("done", False), ("error", False)])
def test_curves_hold_only_while_training(status, held):
    from labui import live_view as LV

    assert LV.curves_hold(SimpleNamespace(status=status)) == (LV.CURVES_HOLD_S if held else 0.0)


def test_pictures_are_paced_slower_than_numbers():
    """Each chart redraw is a fresh plotly plot in the browser: the costliest are redrawn least often."""
    from labui import live_view as LV

    assert LV.REFRESH_S <= LV.CURVES_HOLD_S <= LV.SPECTRUM_HOLD_S <= LV.DETAIL_REFRESH_S
    assert LV.QUEUED_REFRESH_S >= LV.REFRESH_S


def test_the_page_says_how_often_it_redraws_while_training():
    from labui import live_view as LV

    note = LV.pace_note(SimpleNamespace(status="running"))
    assert "every second" in note and f"every {LV.DETAIL_REFRESH_S:g} s" in note and "Pause" in note
    assert LV.pace_note(SimpleNamespace(status="done")) is None
