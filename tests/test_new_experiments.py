"""The teaching experiments, each checked on its own numbers: equal loss with different W_e spectra, the spikes of a
constant learning rate against decay, the padding / dropout conclusions said from the run, and TinyBERT with and
without the embedding loss (tiny teacher, so CI stays fast)."""
import numpy as np
import pytest
import torch

from distill_core.lessons import experiments as X
from distill_core.tinybert.ablation import (PAPER_WITH, PAPER_WITHOUT, AblationConfig, estimate_seconds, findings,
                                            paper_rows, run_ablation, summary)
from tests.helpers_downstream import tiny_teacher
from tests.helpers_teaching import one_thread  # noqa: F401  (autouse fixture)


@pytest.fixture(scope="module")
def teacher(tmp_path_factory):
    t = tiny_teacher(tmp_path_factory.mktemp("tiny"))
    t.model.set_attn_implementation("sdpa")  # as the bundled teacher loads
    return t


@pytest.fixture(scope="module")
def vocab(teacher):
    return X.vocab_targets(teacher, torch.arange(teacher.vocab_size), center=True)


def test_equal_loss_different_we(vocab):
    exp = X.equal_loss_different_we(vocab, d_s=8, steps=150)
    n, a = exp.numbers, exp.arrays
    losses = [n["seed 0: MSE"], n["seed 1: MSE"], n["seed 0 as (E_s A, A^-1 W_e): MSE"]]
    assert losses[2] == pytest.approx(losses[0], rel=1e-6)          # a change of basis keeps the loss exactly
    assert abs(losses[1] - losses[0]) / losses[0] < 0.05           # two seeds: equal loss, near the floor
    assert max(losses) < 1.2 * vocab.floor(8)
    # W_e's spectra differ (between seeds and, far more, under A); the product's spectrum is the invariant.
    assert not np.allclose(a["W_e, seed 0"], a["W_e, seed 0 as (E_s A, A^-1 W_e)"], rtol=0.05)
    assert np.allclose(a["E_s W_e, seed 0"], a["E_s W_e, seed 0 as (E_s A, A^-1 W_e)"], rtol=1e-6)
    assert n["sigma(E_s W_e) differ between the seeds by"] < n["sigma(W_e) differ between the seeds by"]
    assert n["sigma(E_s W_e) of seed 0 differ from the teacher's top 8 by"] < 0.1
    assert f"{n['sigma(W_e) differ between the seeds by']:.0%}" in exp.conclusion


def test_constant_rate_spikes_and_decay_does_not(vocab):
    exp = X.lr_decay(vocab, d_s=8, steps=150)
    const, cos, lin = exp.curves
    assert [c.steps[:3] for c in exp.curves] == [[0, 1, 2]] * 3  # every step recorded: a spike cannot hide
    assert const.loss[:2] == cos.loss[:2] == lin.loss[:2]         # same seed, same first step (lr x 1 at step 0)
    r_const = exp.numbers["constant lr: largest jump above its best so far (x)"]
    assert r_const == pytest.approx(X._spikes(const)[0])
    assert max(exp.numbers["cosine lr: largest jump above its best so far (x)"],
               exp.numbers["linear lr: largest jump above its best so far (x)"]) <= r_const
    assert f"{r_const:.2f}x" in exp.conclusion


def test_spike_finder_on_a_known_curve():
    c = X.Curve("c", list(range(30)), [10.0 / (s + 1) for s in range(30)])
    c.loss[20] = 3 * c.loss[19]
    ratio, at = X._spikes(c)
    assert at == 20 and ratio == pytest.approx(3.0)


def test_decay_factor_matches_the_engine_schedules():
    assert X.decay_factor("constant", 50, 100) == 1.0
    assert X.decay_factor("linear", 25, 100) == pytest.approx(0.75)
    assert X.decay_factor("cosine", 50, 100) == pytest.approx(0.5)
    assert X.decay_factor("cosine", 100, 100) == pytest.approx(0.0)


def test_dropout_and_padding_conclusions_follow_the_numbers():
    small = X.dropout_conclusion(0.1424, 0.1426, 0.1697, 0.0268)
    assert "small here" in small and "+0.1%" in small and "chased" not in small
    large = X.dropout_conclusion(0.10, 0.13, 0.16, 0.03)
    assert "+30%" in large and "small here" not in large
    assert "7% higher" in X.padding_conclusion(0.45, 0.142, 0.1516, 0.084)
    assert "close" in X.padding_conclusion(0.45, 0.142, 0.1425, 0.084)


def test_paper_reference_is_the_published_ablation():
    rows = {r["task"]: r for r in paper_rows()}
    assert rows["average"]["with L_emb"] == 75.6 and rows["average"]["without L_emb"] == 74.1
    assert rows["CoLA"]["with L_emb"] == 50.8 and rows["CoLA"]["without L_emb"] == 46.7
    assert len(PAPER_WITH) == len(PAPER_WITHOUT) == 4


SENTENCES = ["the team won the game .", "rain and new soup", "a phone is new", "the game of rain was new ."] * 4


def test_ablation_runs_both_arms_on_the_same_seed(teacher):
    cfg = AblationConfig(hidden_size=8, num_hidden_layers=2, steps=12, eval_every=4, batch_size=4, eval_sentences=8,
                         task="tokens", finetune_steps=6, seeds=1)
    seen = []
    arms = run_ablation(teacher, cfg, SENTENCES, on_progress=lambda arms, f: seen.append(f))
    assert teacher.model.config._attn_implementation == "sdpa"
    assert [a.lambda_e for a in arms] == [1.0, 0.0] and {a.seed for a in arms} == {0}
    on, off = arms
    assert on.steps == off.steps == [0, 4, 8, 12]
    assert on.hidden[0] == off.hidden[0] and on.embedding[0] == off.embedding[0]  # same init, same sentences
    assert len(on.hidden[-1]) == 2 and on.hidden[-1] != off.hidden[-1]           # the weight changed the run
    assert on.embedding[-1] < off.embedding[-1]   # only the arm with the embedding loss trains it
    assert 0.0 <= on.accuracy <= 1.0 and 0.0 <= off.accuracy <= 1.0
    assert seen[-1] == pytest.approx(1.0) and seen == sorted(seen)
    s = summary(arms)
    assert s["λ_e = 1: hidden MSE, summed"] == pytest.approx(sum(on.hidden[-1]))
    lines = findings(arms, "Word groups")
    assert f"{s['λ_e = 1: hidden MSE, summed']:.4g}" in lines[0] and f"{on.accuracy:.1%}" in lines[1]


def test_ablation_estimate_is_positive_and_adds_up(teacher):
    cfg = AblationConfig(hidden_size=8, num_hidden_layers=2, steps=10, batch_size=4, task="tokens",
                         finetune_steps=5)
    est = estimate_seconds(teacher, cfg, SENTENCES)
    assert est["distillation"] > 0 and est["fine-tuning"] > 0
    assert est["total"] == pytest.approx(est["teacher targets"] + est["distillation"] + est["fine-tuning"])


def test_a_jump_is_explained_where_it_happens(vocab):
    from labui.show_me import KEYS, show

    calm = X.Curve("calm", list(range(0, 100, 5)), [1.0 / (s + 1) for s in range(0, 100, 5)])
    assert X.spike_note(calm.steps, calm.loss) == ""
    jumpy = list(calm.loss)
    jumpy[15] = 1.3 * jumpy[14]
    note = X.spike_note(calm.steps, jumpy)
    assert "step 75" in note and "1.30x" in note and "decay" in note
    assert "lr_decay" in KEYS
    shown = show("lr_decay", None, vocab, steps=10)
    assert len(shown.figure.data) >= 3 and "constant" in shown.conclusion


def test_downstream_estimate_covers_every_phase(teacher):
    from distill_core.evaluation.downstream import DownstreamConfig, estimate_seconds

    cfg = DownstreamConfig(hidden_size=8, num_hidden_layers=1, variants=("distilled", "random"), tasks=("tokens",),
                           seeds=2, steps=10, distill_steps=5, distill_subset=50)
    est = estimate_seconds(teacher, cfg)
    assert est["distillation"] > 0 and est["fine-tuning"] > 0
    assert est["total"] == pytest.approx(est["distillation"] + est["fine-tuning"])
    no_distil = estimate_seconds(teacher, DownstreamConfig(hidden_size=8, num_hidden_layers=1, variants=("random",),
                                                           tasks=("tokens",), seeds=1, steps=10))
    assert no_distil["distillation"] == 0.0
