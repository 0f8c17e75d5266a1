"""The interview page's "Show me" buttons: experiment key -> (figure, numbers, conclusion), on the real teacher.

No streamlit here, so tests can run every experiment directly. Targets come from the caller (cached there).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

import plotly.graph_objects as go

from distill_core.lessons import experiments as X
from distill_core.lessons.concepts import position_similarity, shape_demo
from distill_core.params import student_params, teacher_params

from . import teaching_figures as tf


@dataclass
class Shown:
    figure: go.Figure
    numbers: dict[str, float] = field(default_factory=dict)
    conclusion: str = ""


def _from_experiment(exp: X.Experiment) -> Shown:
    """Curves and numbers; a curve that jumped gets its explanation where it happens (the first one that did)."""
    notes = [X.spike_note(c.steps, c.loss) for c in exp.curves] if exp.key != "lr_decay" else []
    note = next((f" ({c.label}) {n}" for c, n in zip(exp.curves, notes) if n), "")
    said = RUN_SAYS[exp.key](exp) if exp.key in RUN_SAYS else exp.conclusion
    return Shown(tf.curves_figure(exp), exp.numbers, said + note)


# -- conclusions said from the run: each names what this run reached, against its own floor ------------------------
def _vs_floor(c: X.Curve) -> str:
    return f"{c.final / c.floor:.2f}× its floor" if c.floor else f"{c.final:.3g} (floor 0)"


def _ds_said(exp: X.Experiment) -> str:
    ends = "; ".join(f"{c.label} ended at {_vs_floor(c)} ({c.final:.3g} vs {c.floor:.3g})" for c in exp.curves)
    hi, lo = max(exp.curves, key=lambda c: c.floor), min(exp.curves, key=lambda c: c.floor)
    return (f"{ends}. The narrower student has the higher floor ({hi.label}: {hi.floor:.3g}, {lo.label}: "
            f"{lo.floor:.3g}): fewer of the teacher's directions fit, whatever the training.")


def _frozen_said(exp: X.Experiment) -> str:
    n = exp.numbers
    floor, best = n["floor (best rank-d_s map)"], n["best reachable with the frozen W_e"]
    return (f"The learned W_e ended at {n['learned W_e: reached'] / floor:.2f}× the floor; the frozen random one at "
            f"{n['frozen W_e: reached'] / floor:.2f}×, where the best any table can do through that random subspace "
            f"is {best / floor:.2f}×. A frozen random W_e can only reach a random d_s-dimensional slice of the "
            "teacher's space; a learned one can turn to the teacher's main directions.")


def _cosine_said(exp: X.Experiment) -> str:
    n = exp.numbers
    return (f"Trained with 1 - cosine, the MSE ended at {n['cosine-trained: MSE']:.3g} against "
            f"{n['MSE-trained: MSE']:.3g} for the MSE-trained student, with mean cosines of "
            f"{n['cosine-trained: mean cosine']:.3f} and {n['MSE-trained: mean cosine']:.3f}: cosine is blind to "
            f"length (its vectors end at {n['cosine-trained: mean norm ratio |E_s W_e| / |E_t|']:.2f}× the teacher's "
            f"norm on average, the MSE student's at {n['MSE-trained: mean norm ratio |E_s W_e| / |E_t|']:.2f}×).")


def _same_width_said(exp: X.Experiment) -> str:
    narrow, square = exp.curves
    return (f"{narrow.label} ended at {_vs_floor(narrow)}. With {square.label} the floor is {square.floor:.3g} "
            f"(a square W_e can be invertible) and the loss reached {square.final:.3g} in {square.steps[-1]} steps, "
            f"{square.final / narrow.final:.2g}× the narrow student's: only the number of steps limits it. Nothing "
            "was compressed.")


RUN_SAYS = {"ds_comparison": _ds_said, "frozen_vs_learned": _frozen_said, "cosine_vs_mse": _cosine_said,
            "same_width": _same_width_said}


@dataclass(frozen=True)
class ShowMe:
    run: Callable[..., Shown]   # (teacher, vocab, sequence, steps) -> Shown
    sequence: bool = False      # needs the corpus' sentence targets


REGISTRY: dict[str, ShowMe] = {}


def experiment(key: str, sequence: bool = False):
    """Register a "Show me" experiment under ``key`` where it is defined (the questions name these keys)."""
    def register(fn):
        if key in REGISTRY:
            raise ValueError(f"two experiments named '{key}'")
        REGISTRY[key] = ShowMe(fn, sequence)
        return fn
    return register


def show(key: str, teacher, vocab, sequence=None, steps: int = 100) -> Shown:
    """Run the experiment named ``key``; ``vocab`` is a vocab-subset TargetSet, ``sequence`` a corpus TargetSet."""
    if key not in REGISTRY:
        raise KeyError(f"unknown experiment '{key}'")
    return REGISTRY[key].run(teacher, vocab, sequence, steps)


def _curves(key: str, fn, **fixed) -> None:
    """Register a plain curves experiment: ``fn(vocab, steps=...)`` returning an ``Experiment``."""
    experiment(key)(lambda teacher, vocab, sequence, steps: _from_experiment(fn(vocab, steps=steps, **fixed)))


_curves("loss_stays_high", X.loss_stays_high)
_curves("frozen_vs_learned", X.frozen_vs_learned)
_curves("ds_comparison", X.ds_comparison)
_curves("same_width", X.same_width)
_curves("cosine_vs_mse", X.cosine_vs_mse)


@experiment("neighbour_overlap")
def _neighbour_overlap(teacher, vocab, sequence, steps) -> Shown:
    exp = X.neighbour_overlap(teacher, vocab, steps=steps)
    fig = tf.bars_figure(exp.numbers, exp.title, "share of the teacher's neighbours kept")
    return Shown(fig, exp.numbers | {f"{c.label}: MSE": c.final for c in exp.curves}, overlap_conclusion(exp.numbers))


@experiment("non_uniqueness")
def _non_uniqueness(teacher, vocab, sequence, steps) -> Shown:
    exp = X.non_uniqueness(vocab, steps=min(steps, 80))
    return Shown(tf.singular_values_figure(exp.arrays), exp.numbers, exp.conclusion)


@experiment("equal_loss_different_we")
def _equal_loss(teacher, vocab, sequence, steps) -> Shown:
    exp = X.equal_loss_different_we(vocab, steps=min(steps, 80))
    return Shown(tf.equal_loss_figure(exp.arrays), exp.numbers, exp.conclusion)


@experiment("lr_decay")
def _lr_decay(teacher, vocab, sequence, steps) -> Shown:
    return _from_experiment(X.lr_decay(vocab, steps=max(steps, 100)))


def _sequence_curves(fn):
    def run(teacher, vocab, sequence, steps) -> Shown:
        exp = fn(teacher, sequence if sequence is not None else X.corpus_targets(teacher), d_s=32,
                 steps=min(steps, 60))
        exp.log_y = False
        return _from_experiment(exp)
    return run


experiment("padding", sequence=True)(_sequence_curves(X.padding_masked))
experiment("teacher_dropout", sequence=True)(_sequence_curves(X.teacher_dropout))


@experiment("forward_cost", sequence=True)
def _forward_cost(teacher, vocab, sequence, steps) -> Shown:
    sentences = list(sequence.sentences[:32]) if sequence is not None else list(X.default_corpus()[:32])
    exp = X.embedding_vs_full_forward(teacher, sentences)
    return Shown(tf.bars_figure(exp.numbers, exp.title, "milliseconds (best of 3)", log_y=True), exp.numbers,
                 exp.conclusion)


@experiment("mismatch_spreads", sequence=True)
def _mismatch_spreads(teacher, vocab, sequence, steps) -> Shown:  # issue 21: distill_core/tinybert/propagation.py
    from distill_core.tinybert.propagation import findings, propagation
    from .propagation_figures import propagation_figure

    p = propagation(teacher, sequence if sequence is not None else X.corpus_targets(teacher, 64, 32), sentences=64)
    return Shown(propagation_figure(p), p.numbers(), " ".join(findings(p)))


@experiment("position_similarity")
def _position_similarity(teacher, vocab, sequence, steps) -> Shown:
    sim = position_similarity(teacher, 128)
    near = float(sim.diagonal(1).mean())
    far = float(sim[:64, 64:128].mean()) if sim.shape[0] >= 128 else float("nan")
    return Shown(tf.position_heatmap(sim), {"mean cos, neighbouring positions": near,
                                            "mean cos, positions 64 or more apart (first 128)": far},
                 "Neighbouring positions have similar vectors; far-apart ones much less: order is encoded smoothly.")


@experiment("shape_demo")
def _shape_demo(teacher, vocab, sequence, steps) -> Shown:
    demo, here = shape_demo(10, 128, 768), shape_demo(10, 128, teacher.hidden_size)
    fig = tf.bars_figure({"E_s columns (d_s)": 128, "E_s W_e columns": 768, "E_t columns (d_t)": 768,
                          "rank of E_s W_e": demo.rank}, demo.formula() + " (BERT-base teacher)", "size")
    return Shown(fig, {"MSE of random E_s W_e vs random E_t": demo.loss, "rank of E_s W_e": demo.rank},
                 f"BERT-base (d_t = 768): {demo.formula()}. This app's teacher (d_t = {teacher.hidden_size}): "
                 f"{here.formula()}. Either way the product has E_t's shape, and rank at most min(n, d_s) = "
                 f"{demo.rank}.")


@experiment("params")
def _params(teacher, vocab, sequence, steps) -> Shown:
    cfg = teacher.config
    rows = {"teacher": teacher_params(cfg)} | {f"student d_s = {d}": student_params(cfg, d) for d in (128, 312)}
    total = {k: float(v["total"]) for k, v in rows.items()}
    return Shown(tf.params_figure(rows),
                 total | {"W_e for d_s = 128 (discarded)": float(rows["student d_s = 128"]["W_e (discarded)"])},
                 "The embedding tables dominate a small student; W_e is counted here but is not kept.")


@experiment("diagram")
def _diagram(teacher, vocab, sequence, steps) -> Shown:
    return Shown(tf.stack_diagram(teacher.config.num_hidden_layers, 4), {},
                 "The embedding loss needs only the two embedding modules: no transformer layer runs.")


def overlap_conclusion(numbers: dict[str, float]) -> str:
    """What this run measured, in words: the shares kept, and whether most neighbours survived."""
    shares = "; ".join(f"{name.split(':')[0]} keeps {v:.0%}" for name, v in numbers.items())
    lows = [name.split(":")[0] for name, v in numbers.items() if v < 0.5]
    tail = (f" Fewer than half survive at {', '.join(lows)}: a narrow student keeps the teacher's largest directions, "
            "and the fine ones that separate near neighbours are part of what the floor drops." if lows
            else " Most neighbourhoods survive at every width tried.")
    return f"Of each probe word's nearest neighbours in the teacher, {shares}.{tail}"


KEYS = tuple(REGISTRY)  # every registered experiment, in the order defined
SEQUENCE_KEYS = tuple(k for k, e in REGISTRY.items() if e.sequence)
