"""The "Show me" experiments on the real bundled teacher: each conclusion checked on its numbers."""
import plotly.graph_objects as go
import pytest

from distill_core.lessons import experiments as X
from distill_core.lessons.concepts import neighbours, sentence_view, shape_demo, word_id
from distill_core.errors import DistillError
from distill_core.lessons.interview import QUESTIONS
from distill_core.teacher import load_teacher
from labui.show_me import KEYS, show
from tests.helpers_teaching import one_thread  # noqa: F401  (autouse fixture)

ROWS, STEPS = 1000, 80


@pytest.fixture(scope="module")
def teacher():
    return load_teacher("bundled", "cpu")


@pytest.fixture(scope="module")
def vocab(teacher):
    return X.subset_targets(teacher, ROWS)


@pytest.fixture(scope="module")
def sentences(teacher):
    return X.corpus_targets(teacher, sentences=80, max_length=24)


def test_frozen_random_we_ends_higher_than_a_learned_one(vocab):
    exp = X.frozen_vs_learned(vocab, d_s=64, steps=STEPS)
    learned, frozen = exp.curves
    assert frozen.final > 3 * learned.final
    assert learned.final < 1.15 * learned.floor
    # The frozen run is stuck on the best its random subspace allows, far above the floor.
    best = exp.numbers["best reachable with the frozen W_e"]
    assert best <= frozen.final * (1 + 1e-4) and frozen.final < 1.1 * best


def test_tiny_student_sits_on_its_floor_above_a_wide_one(vocab):
    exp = X.ds_comparison(vocab, dims=(8, 128), steps=STEPS)
    tiny, wide = exp.curves
    assert tiny.floor > wide.floor
    assert tiny.floor <= tiny.final < 1.15 * tiny.floor
    assert tiny.final > wide.final


def test_loss_stays_high_tells_the_causes_apart(vocab):
    exp = X.loss_stays_high(vocab, steps=STEPS, d_s=64)
    good, tiny, slow, frozen = exp.curves
    assert good.final < 1.15 * good.floor
    assert slow.final > 3 * good.floor and slow.loss[0] / slow.final < 3   # barely moved
    assert frozen.final > 3 * good.floor
    assert tiny.final < 1.15 * tiny.floor


def test_cosine_matches_directions_but_not_lengths(vocab):
    n = X.cosine_vs_mse(vocab, d_s=64, steps=STEPS).numbers
    assert n["cosine-trained: MSE"] > 10 * n["MSE-trained: MSE"]
    assert n["cosine-trained: mean cosine"] > 0.8 and n["MSE-trained: mean cosine"] > 0.8
    assert abs(n["MSE-trained: mean norm ratio |E_s W_e| / |E_t|"] - 1) < 0.2


def test_change_of_basis_keeps_the_loss_and_the_products_spectrum(vocab):
    exp = X.non_uniqueness(vocab, d_s=16, steps=40)
    n, sv = exp.numbers, exp.arrays
    assert abs(n["loss with (E_s, W_e)"] - n["loss with (E_s A, A^-1 W_e)"]) < 1e-9 * n["loss with (E_s, W_e)"]
    assert abs(sv["W_e"][0] - sv["A^-1 W_e"][0]) > 0.5 * sv["W_e"][0]
    assert max(abs(a - b) for a, b in zip(sv["E_s W_e"], sv["(E_s A)(A^-1 W_e)"])) < 1e-8 * sv["E_s W_e"][0]


def test_same_width_has_a_zero_floor(vocab):
    small, square = X.same_width(vocab, d_s=32, steps=50).curves
    assert square.floor < 1e-12 < small.floor
    assert square.final < 0.1 * small.final


def test_padding_and_teacher_dropout(teacher, sentences):
    pad = X.padding_masked(teacher, sentences, d_s=32, steps=40)
    assert 0.1 < pad.numbers["share of positions that are padding"] < 0.9
    assert pad.numbers["loss the unmasked run reports"] != pad.numbers["real-token MSE, unmasked"]
    drop = X.teacher_dropout(teacher, sentences, d_s=32, steps=40)
    n = drop.numbers
    # The train-mode run's own loss carries the dropout noise on top of what the clean run reaches.
    assert n["training loss the train-mode run sees"] > n["clean MSE, eval-mode targets"] + 0.5 * n[
        "noise the student can never fit, p/(1-p) E[t^2]"]


def test_every_interview_experiment_runs_and_returns_a_figure(teacher):
    small = X.subset_targets(teacher, 200)
    seq = X.corpus_targets(teacher, sentences=20, max_length=16)
    assert {q.experiment for q in QUESTIONS} <= set(KEYS)
    for key in KEYS:
        shown = show(key, teacher, small, seq, steps=10)
        assert isinstance(shown.figure, go.Figure) and len(shown.figure.data) + len(shown.figure.layout.shapes) > 0, key


def test_concept_helpers(teacher, vocab):
    demo = shape_demo(10, 128, 768)
    assert demo.formula() == "(10,128) x (128,768) -> (10,768)" and demo.product == (10, 768) and demo.rank == 10
    view = sentence_view(teacher, "The cat sat.")
    assert view.tokens[0] == "[CLS]" and view.output.shape == (len(view.tokens), 384)
    with pytest.raises(DistillError):
        word_id(teacher.tokenizer, "distillationally")
    nb = neighbours(teacher.tokenizer, vocab, vocab.E_t, "happy")   # a perfect student shares every neighbour
    assert nb.overlap == 1.0 and len(nb.teacher) == 10


def test_interview_questions_cover_the_brief():
    keys = [q.key for q in QUESTIONS]
    assert len(QUESTIONS) >= 10 and len(set(keys)) == len(keys)
    for topic in ("aim", "encodes", "align_early", "mse", "role_we", "bridge", "benefits", "relations", "where",
                  "stays_high", "floor", "non_unique", "padding", "eval_mode", "same_width"):
        assert topic in keys
    for q in QUESTIONS:
        assert 0 <= q.correct < len(q.choices) and len(set(q.choices)) == len(q.choices) and len(q.answer) > 100


def test_show_me_experiments_register_where_defined():
    from labui import show_me

    assert len(show_me.KEYS) == len(set(show_me.KEYS)) == len(show_me.REGISTRY)
    assert set(show_me.SEQUENCE_KEYS) == {k for k, e in show_me.REGISTRY.items() if e.sequence}
    with pytest.raises(ValueError):  # one name, one experiment
        show_me.experiment(show_me.KEYS[0])(lambda *a: None)
    with pytest.raises(KeyError):
        show_me.show("no_such_experiment", None, None)
