"""Helpers for the lab's tests: drive app_pages/lab.py through AppTest with a small, fast configuration."""
from __future__ import annotations

import os
import time
from pathlib import Path

os.environ.setdefault("LAB_UMAP", "0")  # PCA only: UMAP's numba compile would cost minutes of CPU

from streamlit.testing.v1 import AppTest

import labui.worker

labui.worker.UMAP_ON = False  # also when another test imported the worker before the variable was set

ROOT = Path(__file__).resolve().parent.parent
BUTTONS = ("Start", "Pause", "Resume", "Step", "Reset")


def lab_app(**params) -> AppTest:
    at = AppTest.from_file(str(ROOT / "app_pages" / "lab.py"), default_timeout=120)
    for key, value in params.items():
        at.query_params[key] = str(value)
    at.run()
    return at


def press(at: AppTest, label: str) -> AppTest:
    [b for b in at.button if b.label == label][0].click().run()
    return at


def metric(at: AppTest, label: str) -> str | None:
    for m in at.metric:
        if m.label == label:
            return m.value
    return None


def step_of(at: AppTest) -> int | None:
    """The step the page shows (from the worker's newest snapshot)."""
    view = at.session_state["lab_worker"].view()
    return view.latest["step"] if view.latest else None


def wait_for(at: AppTest, cond, timeout: float = 60.0, every: float = 0.3) -> bool:
    """Rerun the page (as the fragment's timer would) until cond(at) holds."""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        at.run()
        if cond(at):
            return True
        time.sleep(every)
    return False


def stop(at: AppTest) -> None:
    if "lab_worker" in at.session_state:
        worker = at.session_state["lab_worker"]
        worker.stop()
        worker.join(10)
