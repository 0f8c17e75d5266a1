"""The downstream and TinyBERT pages through AppTest, with the bundled teacher and small, fast settings."""
from __future__ import annotations

import time
from pathlib import Path

import torch
from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parent.parent


def _until(at: AppTest, cond, timeout: float = 240.0) -> bool:
    """Rerun the page (as the fragment's timer would) until cond(at) holds."""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        at.run()
        if cond(at):
            return True
        time.sleep(0.5)
    return False


def _stop(at: AppTest, key: str) -> None:
    job = at.session_state[key] if key in at.session_state else None
    if job is not None:
        job.stop(); job.join(30)


def _texts(at: AppTest) -> str:
    return " ".join(m.value for m in at.markdown) + " ".join(s.value for s in at.subheader)


def test_downstream_page_runs_an_experiment():
    at = AppTest.from_file(str(ROOT / "app_pages" / "downstream.py"), default_timeout=120).run()
    assert not at.exception and not at.error
    assert "Downstream" in at.title[0].value
    n = torch.get_num_threads()
    try:
        torch.set_num_threads(1)
        at.multiselect[0].set_value(["random", "teacher_pca"])   # no distillation: fast
        at.multiselect[1].set_value(["tokens"])
        at.slider[0].set_value(1)                                # one seed
        at.select_slider[0].set_value(20)                        # steps
        at.select_slider[2].set_value(32)                        # d_s
        at.select_slider[3].set_value(1)                         # layers
        at.button[0].click().run()                               # estimate: nothing starts yet
        assert "ds_job" not in at.session_state and not at.exception
        assert any("Expected: about" in i.value for i in at.info)
        at.button(key="ds_start").click().run()
        assert _until(at, lambda a: "What it showed" in _texts(a)), "the experiment did not finish"
        assert not at.exception and not at.error
        charts = at.get("plotly_chart")
        assert len(charts) == 2  # the learning curves of the one task, steps to target
        assert "held-out accuracy" in charts[0].proto.spec
        assert at.dataframe[0].value.shape[0] == 2  # one row per start
    finally:
        torch.set_num_threads(n)
        _stop(at, "ds_job")


def test_tinybert_page_trains_and_plots_every_term():
    at = AppTest.from_file(str(ROOT / "app_pages" / "tinybert.py"), default_timeout=120).run()
    assert not at.exception and not at.error
    assert "student 2 → teacher 6" in at.caption[0].value  # the uniform map, 2 of 6 layers
    n = torch.get_num_threads()
    try:
        torch.set_num_threads(1)
        at.select_slider[0].set_value(24)   # d_s = 2 x 12 heads
        at.select_slider[1].set_value(1)    # one layer: maps to teacher layer 6
        at.select_slider[2].set_value(20)   # steps
        at.toggle[0].set_value(False)       # per-layer projections
        at.button[0].click().run()
        assert _until(at, lambda a: "What it showed" in _texts(a)), "the run did not finish"
        assert not at.exception and not at.error
        assert [m.label for m in at.metric] == ["embedding", "hidden", "attention", "total"]
        spec = at.get("plotly_chart")[0].proto.spec
        assert "attention" in spec and "hidden states" in spec
        trainer = at.session_state["tb_job"].result
        assert trainer.step_count == 20 and len(trainer.projections.maps) == 2
    finally:
        torch.set_num_threads(n)
        _stop(at, "tb_job")
