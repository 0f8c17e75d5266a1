"""Issue 21, item 3: the lab's sentences on a run near its floor are written from the ratio AND the spectrum.

Two runs seen on the bundled teacher: embedding-layer output at d_s 16 ended at 1.02× the floor with its 16th
singular value at 1.7e-05 (the teacher's: 85.1); the vocabulary at d_s 8 at 1.03× with only 2 of 8 singular values
within 5 %. Both are near the floor in loss and not at the optimum: the first because the student's LayerNorm
leaves it d_s - 1 dimensions (reproduced here on a tiny random teacher: it is structural), the second because its
smallest directions were still short when the stop rule ended the run (its measured spectrum is the input here).
"""
from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest

from distill_core.config import DistillConfig
from distill_core.engine import Engine
from distill_core.teacher import load_teacher
from labui import lab_figures as F
from labui.run_summary import a_or_an, caption_gap, ratio_text, spectrum_fit, what_it_showed

# Measured on the bundled teacher (vocabulary, d_s 8, the lab's defaults; stopped by the stop rule at step 195).
VOCAB8_TEACHER = [26.9165, 24.4478, 21.7976, 20.2697, 19.7742, 19.0643, 18.5845, 18.4094, 17.9753, 17.9279]
VOCAB8_STUDENT = [26.7923, 22.6377, 20.7397, 17.7333, 16.1669, 15.3101, 13.4415, 11.2473]
VOCAB8_TOTAL_ENERGY = 35896.105


def _view(d_s, sigma, product, latest, target):
    setup = SimpleNamespace(d_s=d_s, d_t=len(sigma), n_rows=30522, teacher_sigma=np.asarray(sigma),
                            words=["w"] * 500)
    we = [np.linspace(1.0, 0.5, d_s), np.linspace(3.0, 1.0, d_s)]
    return SimpleNamespace(setup=setup, history=[latest], latest=latest, product_sv=np.asarray(product), we_sv=we,
                           status="done", config=DistillConfig(target=target, hidden_size=d_s))


def _vocab8_view():
    top = np.array(VOCAB8_TEACHER)
    rest_energy = VOCAB8_TOTAL_ENERGY - float((top ** 2).sum())
    tail = np.full(374, np.sqrt(rest_energy / 374))  # the measured energy beyond the 10 listed, spread flat
    sigma = np.sort(np.concatenate([top, np.minimum(tail, top[-1])]))[::-1]
    latest = dict(step=195, loss=0.0028249, floor=0.0027515, ratio=1.02668, knn_overlap=0.3)
    v = _view(8, sigma, VOCAB8_STUDENT, latest, "vocab")
    v.converged = "The loss fell by less than 0.3% over the last 20 steps: the run ended at step 195."
    return v


def test_vocab_d8_near_the_floor_but_not_at_the_optimum():
    v = _vocab8_view()
    text = "\n".join(what_it_showed(v))
    assert "found the best" not in text and "holds all" not in text
    assert "1.03× the floor" in text and "near it in loss, but not at the optimum" in text
    assert "only 2 of σ(E_s W_e)'s 8" in text and "8th is 11.2 where the teacher's is 18.4" in text
    fit = spectrum_fit(8, v.setup.teacher_sigma, v.product_sv)
    assert fit["excess"] == pytest.approx(0.02668, abs=0.004)  # the missing energy IS the gap to the floor
    assert f"{fit['excess']:.1%} of the floor's energy" in text and "stop rule ended the run first" in text
    caption = F.live_caption(v.latest, "done", 300, view=v)
    assert "1.03× the floor" in caption and "2 of its 8 singular values" in caption and "holds all" not in caption


def _sequence_run(tiny_teacher_dir, d_s=6):
    teacher = load_teacher(str(tiny_teacher_dir))
    cfg = DistillConfig(teacher=str(tiny_teacher_dir), target="sequence", hidden_size=d_s, num_hidden_layers=0,
                        steps=400, stop_tol=0.0, snapshot_every=400, lr=0.03, probe_size=20, max_length=16)
    eng = Engine(cfg, teacher=teacher)
    eng.run(cfg.steps)
    s = eng.latest
    setup = SimpleNamespace(d_s=d_s, d_t=teacher.hidden_size, n_rows=eng.targets.n_rows,
                            teacher_sigma=eng.teacher_spectrum(), words=["w"] * 20)
    return SimpleNamespace(setup=setup, history=[s.scalars()], latest=s.scalars(), config=cfg,
                           product_sv=s.product_singular_values, we_sv=[s.we_singular_values], status="done")


def test_sequence_student_loses_its_last_direction_to_its_layernorm(tiny_teacher_dir):
    v = _sequence_run(tiny_teacher_dir)
    fit = spectrum_fit(6, v.setup.teacher_sigma, v.product_sv)
    assert fit["collapsed"] == [6]  # structural: LayerNorm centres each row over its d_s features
    text = "\n".join(what_it_showed(v))
    assert "6th direction has collapsed" in text and "uses 5 of its 6 dimensions" in text
    assert "LayerNorm" in text and "holds all" not in text and "found the best" not in text
    assert "Against the best rank-5 map" in text  # the ratio that can still fall, against the floor it can reach
    caption = F.live_caption(v.latest, "done", 400, view=v)
    assert "5 of its 6 directions" in caption and "LayerNorm" in caption


def test_status_line_and_tile_round_alike():
    h = dict(step=50, loss=0.0108, floor=0.01, ratio=1.0789, knn_overlap=0.5)
    assert ratio_text(1.0789) == "1.08×" and ratio_text(1.163) == "1.16×"
    assert "1.08×" in F.live_caption(h, "running", 300) and "1.1×" not in F.live_caption(h, "running", 300)
    assert "1.16×" in F.live_caption(h | {"ratio": 1.163}, "running", 300)


def test_articles_before_numbers():
    assert [a_or_an(n) for n in (8, 11, 16, 18, 80, 128, 312)] == ["an", "an", "a", "an", "an", "a", "a"]


def test_output_target_is_not_called_the_word_table():
    from labui.run_summary import rows_caption, rows_phrase
    phrase = rows_phrase("output", 30522)
    assert "word table" in phrase and "not its row of the word table" in phrase and "whole teacher" in phrase
    v = _view(8, np.linspace(5, 1, 32), np.linspace(5, 1, 32)[:8],
              dict(step=90, loss=0.0242, floor=0.0241, ratio=1.004, knn_overlap=0.5), "output")
    assert "rows of the teacher's word table" not in rows_caption(v)
    assert "rows of the teacher's word table" not in "\n".join(what_it_showed(v))
