"""The lab's "What it showed" and live caption are computed from the run: checked against runs that end well and
runs that do not (the d_s = 16 run seen in class: 30 % of neighbours kept, spectrum well below the teacher's)."""
from __future__ import annotations

from types import SimpleNamespace

import numpy as np

from distill_core.config import DistillConfig
from labui import lab_figures as F
from labui.run_summary import rows_caption, what_it_showed

TEACHER_SIGMA = np.linspace(27.0, 1.0, 384)


def view(d_s=16, ratio=1.02, knn=0.62, product=None, status="done", n_rows=30522, subset=0, steps=60):
    floor = 2.5e-3
    history = [dict(step=s, loss=floor * (ratio + 5 * (s == 0)), floor=floor, ratio=ratio + 5 * (s == 0),
                    knn_overlap=knn) for s in (0, steps)]
    setup = SimpleNamespace(d_s=d_s, d_t=384, n_rows=n_rows, teacher_sigma=TEACHER_SIGMA, words=["w"] * 500)
    product = TEACHER_SIGMA[:d_s] if product is None else product
    we = [np.linspace(1.2, 0.8, d_s), np.linspace(9.0, 0.5, d_s)]
    return SimpleNamespace(setup=setup, history=history, latest=history[-1], product_sv=product, we_sv=we,
                           status=status, config=DistillConfig(hidden_size=d_s, vocab_subset=subset))


def text(v) -> str:
    return "\n".join(what_it_showed(v))


def test_a_run_that_keeps_few_neighbours_is_not_told_most_agree():
    t = text(view(knn=0.30))
    assert "only 30%" in t and "most" not in t.lower().replace("almost", "")
    assert "most neighbourhoods survived" in text(view(knn=0.7))


def test_a_spectrum_below_the_teacher_is_reported_as_such():
    low = TEACHER_SIGMA[:16].copy()
    low[8:] *= 0.6          # the smaller directions not learned yet: the 16th ends near 0.6 of the teacher's
    t = text(view(product=low, ratio=1.9))
    assert "8 of its 16 singular values" in t and f"{low[15]:.3g}" in t and f"{TEACHER_SIGMA[15]:.3g}" in t
    assert "has not reached it yet" in t and "1.90× the floor" in t
    at_floor = text(view())
    assert "all 16 of its singular values" in at_floor and "found the best" in at_floor


def test_w_e_spectrum_is_described_as_this_run_and_the_product_as_invariant():
    t = text(view())
    assert "from this init" in t.lower() or "starting from this init" in t
    assert "A⁻¹ W_e" in t and "σ(E_s W_e)" in t
    assert "0.8–1.2 at step 0" in t and "0.5–9 at step 60" in t


def test_rows_are_named_with_their_count():
    assert "all 30,522 rows" in text(view())
    sub = view(n_rows=3436, subset=3000)
    assert "3,436 rows" in text(sub) and "first 3,000 ordinary tokens" in text(sub)
    assert "n = 30,522" in rows_caption(view()) and "500 probe tokens" in rows_caption(view())


def test_no_run_and_a_run_under_way_say_different_things():
    idle = SimpleNamespace(setup=None, latest=None, history=[], status="idle", config=None)
    assert "press **Start**" in what_it_showed(idle)[0]
    running = SimpleNamespace(setup=None, latest=None, history=[], status="running", config=None)
    assert "Start" not in what_it_showed(running)[0]
    assert "still training" in text(view(status="running"))


def test_live_caption_follows_the_status_and_ends_sentences():
    assert "Start" not in F.live_caption(None, "running", 300)  # the badge says training: so do the words
    assert "Start" in F.live_caption(None, "idle", 300)
    h = dict(step=300, loss=0.01, floor=0.01, ratio=1.01, knn_overlap=0.5)
    assert F.live_caption(h, "done", 300).endswith("agree with the teacher's. Run finished.")


def test_w_e_figure_title_does_not_promise_a_shape():
    title = F.we_figure([0, 5], [np.array([2.0, 1.0]), np.array([3.0, 1.0])]).layout.title.text
    assert "take shape" not in title and "this run" in title and "basis" in title
