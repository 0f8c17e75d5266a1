"""The floor per d_s, parameter counts, and the background sweep, on small random targets (no teacher)."""
import numpy as np
import torch
from transformers import BertConfig, BertModel

from distill_core.floor import oracle, spectrum
from distill_core.student import student_config
from distill_core.params import student_params, teacher_params
from distill_core.lessons.sweep import explained_variance, floor_curve, run_sweep
from distill_core.targets import TargetSet
from tests.helpers_teaching import one_thread  # noqa: F401  (autouse fixture)


def random_targets(n=200, d_t=32, rank=6, noise=0.05, seed=0) -> TargetSet:
    g = torch.Generator().manual_seed(seed)
    T = torch.randn(n, rank, generator=g) @ torch.randn(rank, d_t, generator=g) + noise * torch.randn(n, d_t, generator=g)
    return TargetSet(mode="vocab", E_t=T, ids=torch.arange(n), sigma=spectrum(T.double(), True))


def test_floor_curve_falls_and_matches_the_closed_form_optimum():
    tg = random_targets()
    dims = [1, 2, 4, 6, 8, 16, 32]
    f = floor_curve(tg.sigma, tg.n_rows, tg.d_t, dims)
    assert np.all(np.diff(f) <= 1e-15) and f[0] > 10 * f[3]          # falls, steeply up to the true rank 6
    assert f[-1] < 1e-20                                               # d_s = d_t: zero
    for d, value in zip(dims, f):
        assert abs(oracle(tg.E_t, d, center=True).mse - value) <= 1e-9 + 1e-6 * value
    ev = explained_variance(tg.sigma, dims)
    assert np.all(np.diff(ev) >= 0) and abs(ev[-1] - 1) < 1e-12


def test_parameter_counts_match_real_bert_models():
    cfg = BertConfig(vocab_size=100, hidden_size=32, num_hidden_layers=2, num_attention_heads=2,
                     intermediate_size=128, max_position_embeddings=64)
    teacher = BertModel(cfg, add_pooling_layer=False)
    assert teacher_params(cfg)["total"] == sum(p.numel() for p in teacher.parameters())
    student = BertModel(student_config(cfg, 16, 3), add_pooling_layer=False)
    counts = student_params(cfg, 16, layers=3)
    assert counts["total"] == sum(p.numel() for p in student.parameters())
    assert counts["W_e (discarded)"] == 16 * 32 + 32


def test_short_runs_land_just_above_their_floors():
    tg = random_targets()
    res = run_sweep(tg, dims=(2, 4, 8), steps=150)
    assert res.dims == [2, 4, 8]
    for reached, floor in zip(res.reached, res.floors):
        assert reached >= floor * (1 - 1e-4)       # nothing beats Eckart-Young
        assert reached < floor * 1.3               # and full-batch Adam gets close in 150 steps
    assert res.reached[0] > res.reached[1] > res.reached[2]


def test_sweep_runs_in_a_background_job_and_can_stop():
    from labui.bg_job import Job

    tg = random_targets(n=100, d_t=16)
    seen = []
    job = Job(lambda report, should_stop, t: run_sweep(t, dims=(2, 4), steps=30, should_stop=should_stop,
                                                       on_progress=lambda d, n, r: seen.append(d / n)), tg)
    job.join(timeout=60)
    assert not job.running and job.error is None and seen[-1] == 1.0 and job.result.dims == [2, 4]
    stopped = run_sweep(tg, dims=(2, 4, 8, 16), steps=30, should_stop=lambda: True)  # asked to stop at once
    assert stopped.dims == []
