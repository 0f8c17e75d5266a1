"""Issue 21, item 7: the teacher's own layers fed E_s W_e in place of E_t (forward passes only)."""
from __future__ import annotations

import math

import pytest
import torch

from distill_core.lessons.experiments import corpus_targets
from distill_core.teacher import load_teacher
from distill_core.tinybert.propagation import findings, propagation, rank_optimum, teacher_hidden
from labui.propagation_figures import propagation_figure


@pytest.fixture(scope="module")
def run(tiny_teacher_dir):
    teacher = load_teacher(str(tiny_teacher_dir))
    targets = corpus_targets(teacher, sentences=24, max_length=16)
    return teacher, targets, propagation(teacher, targets, dims=(4, 16, 64), random_dim=8, include_exact=True)


def test_shapes_and_labels(run):
    teacher, targets, p = run
    L = int(teacher.config.num_hidden_layers)
    assert p.labels == ["E_t itself", "d_s = 4 (at its floor)", "d_s = 16 (at its floor)", "random start (d_s = 8)"]
    assert all(len(e) == L + 1 for e in p.rel_error) and p.layers == list(range(L + 1))  # 64 >= d_t = 32: skipped
    assert len(p.cosine) == 4 and p.sentences == 24 and p.tokens == int(targets.mask.sum())


def test_feeding_e_t_itself_gives_zero_error(run):
    _, _, p = run
    assert max(p.rel_error[0]) < 1e-5 and p.cosine[0] == pytest.approx(1.0, abs=1e-5)


def test_a_wider_student_starts_closer_and_the_error_reaches_the_top(run):
    _, _, p = run
    narrow, wide, rnd = p.rel_error[1], p.rel_error[2], p.rel_error[3]
    assert wide[0] < narrow[0] and p.cosine[2] > p.cosine[1]
    assert all(e > 0.01 for e in narrow[1:])  # not left behind at layer 0
    assert p.cosine[3] < p.cosine[2] and all(math.isfinite(x) for x in rnd)


def test_the_replaced_input_is_the_embedding_output(run):
    teacher, targets, _ = run
    given = rank_optimum(targets.E_t, targets.mask, 4)
    h = teacher_hidden(teacher, targets.ids, targets.mask, targets.token_type_ids, given)
    assert torch.allclose(h[0], given)
    plain = teacher_hidden(teacher, targets.ids, targets.mask, targets.token_type_ids)
    assert torch.allclose(plain[0], targets.E_t, atol=1e-5)  # the hook is removed afterwards


def test_findings_and_figure(run):
    _, _, p = run
    text = " ".join(findings(p))
    assert f"{p.rel_error[1][0]:.0%} off (d_s = 4)" in text and f"{p.cosine[2]:.3f} (d_s = 16)" in text
    fig = propagation_figure(p)
    assert fig.layout.template.layout is not None and len(fig.data) == 5
    assert list(fig.data[1].y) == pytest.approx(p.rel_error[1])
