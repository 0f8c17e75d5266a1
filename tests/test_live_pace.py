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
    # a page waiting for its run's first point asks four times a second alone, at the crowd's pace in a classroom
    assert LV.first_point_refresh_s(1) == LV.FIRST_POINT_S <= 0.25
    assert LV.first_point_refresh_s(LV.CROWD + 1) == LV.CROWD_REFRESH_S


def test_builds_take_turns_and_a_replaced_run_gives_up_its_turn(tiny_teacher_dir, monkeypatch):
    """At most MAX_BUILDS runs are set up at once; a run reset while it waits for its turn is never built."""
    import threading
    import time

    from distill_core.config import DistillConfig
    from distill_core.teacher import load_teacher
    from labui import worker as W

    monkeypatch.setattr(W, "_BUILDS", threading.BoundedSemaphore(1))
    teacher = load_teacher(str(tiny_teacher_dir), "cpu")
    cfg = DistillConfig(teacher=str(tiny_teacher_dir), hidden_size=8, probe_size=20, steps=5, device="cpu")
    W._BUILDS.acquire()  # another run is being set up
    a = W.LabWorker()
    try:
        a.start(cfg, teacher)
        time.sleep(0.5)
        assert a.view().status == "preparing" and a._engine is None  # waiting its turn
        a.reset()
        W._BUILDS.release()
        time.sleep(0.5)
        assert a._engine is None and a.view().history == []  # the reset run was never built
        a.start(cfg, teacher)
        end = time.monotonic() + 30
        while a.view().status != "done" and time.monotonic() < end:
            time.sleep(0.05)
        assert a.view().status == "done" and a.view().history[0]["step"] == 0
    finally:
        a.stop()
        a.join()


def test_a_short_umap_replay_says_why():
    """A run paused or finished with fewer UMAP frames than PCA frames says so under the map (UMAP places frames only
    while the map shows UMAP); a full replay, a training run or the PCA map say nothing."""
    from types import SimpleNamespace

    from labui import live_view as LV

    frames = lambda n: [(5 * i, None) for i in range(n)]  # noqa: E731
    view = lambda status, pca, umap: SimpleNamespace(status=status, frames_pca=frames(pca), frames_umap=frames(umap))  # noqa: E731
    assert LV.umap_replay_note(view("done", 40, 1), "UMAP") == (
        "UMAP placed 1 of this run's 40 map frames (it places them only while the map shows UMAP): no replay here; "
        "PCA replays every one.")
    assert "12 of this run's 40" in LV.umap_replay_note(view("paused", 40, 12), "UMAP")
    assert "a shorter replay" in LV.umap_replay_note(view("paused", 40, 12), "UMAP")
    assert LV.umap_replay_note(view("done", 40, 40), "UMAP") is None
    assert LV.umap_replay_note(view("running", 40, 1), "UMAP") is None
    assert LV.umap_replay_note(view("done", 40, 1), "PCA") is None
