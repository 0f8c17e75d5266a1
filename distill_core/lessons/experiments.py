"""Small, fast experiments that each show one fact about embedding distillation, on the real teacher.

They train the same loss as the engine, MSE(E_s W_e + b, E_t), with the same Adam settings, on a vocabulary
subset (a few thousand rows) or on the corpus sentences, for ~60-150 full-batch steps: seconds on a CPU. In the
vocabulary mode the student's table is a free (n, d_s) matrix, exactly what the engine trains in that mode,
without the rows outside the subset that never receive a gradient.

Each function returns numbers (``Curve`` objects and plain floats) that the pages plot and the tests check.
"""
from __future__ import annotations

import math
import time
from dataclasses import dataclass, field

import torch
import torch.nn.functional as F

from .concepts import change_of_basis
from ..config import DistillConfig
from ..floor import target_matrix
from ..losses import embedding_mse
from ..metrics import knn_overlap
from ..seeding import seeded
from ..student import Projection, make_student
from ..assets import default_corpus
from ..probe import probe_tokens
from ..targets import TargetSet, sequence_targets, vocab_ids, vocab_targets

BETAS = DistillConfig.betas   # the engine's default Adam betas
LR = DistillConfig.lr         # the engine's default learning rate


@dataclass
class Curve:
    label: str
    steps: list[int]
    loss: list[float]             # MSE over the whole (clean, real-token) target set
    floor: float | None = None    # the Eckart-Young floor for this run's d_s, when it applies
    extra: dict = field(default_factory=dict)
    d_s: int | None = None

    @property
    def final(self) -> float:
        return self.loss[-1]


@dataclass
class Experiment:
    """What a "Show me" button shows: curves on one axis, and/or labelled numbers."""
    key: str
    title: str
    curves: list[Curve] = field(default_factory=list)
    numbers: dict[str, float] = field(default_factory=dict)
    conclusion: str = ""
    log_y: bool = True
    arrays: dict = field(default_factory=dict)   # name -> 1-D array, e.g. singular values to plot as bars


# -- targets ---------------------------------------------------------------------------------------------------
def subset_targets(teacher, rows: int = 3000) -> TargetSet:
    """Vocab targets: the first ``rows`` non-special tokens plus the word-group probe words; centred spectrum."""
    probe = probe_tokens(teacher.tokenizer, 500)[0]
    return vocab_targets(teacher, vocab_ids(teacher, rows, probe), center=True)


def corpus_targets(teacher, sentences: int = 200, max_length: int = 32) -> TargetSet:
    """Sequence targets over the first ``sentences`` corpus sentences, padded to the longest (padding masked)."""
    text = "\n".join(default_corpus()[:sentences])
    return sequence_targets(teacher, text, max_length=max_length, center=True)


# -- the vocabulary-mode trainer -------------------------------------------------------------------------------
@dataclass
class VocabFit:
    curve: Curve
    E_s: torch.Tensor             # (n, d_s) the student's table after training
    projection: Projection        # W_e (d_s, d_t) and b

    def projected(self) -> torch.Tensor:
        with torch.no_grad():
            return self.projection(self.E_s)  # (n, d_s) @ (d_s, d_t) -> (n, d_t)


def decay_factor(schedule: str, step: int, steps: int) -> float:
    """The engine's schedules without warm-up: lr x this at 0-based ``step`` of ``steps``."""
    frac = min(1.0, step / max(1, steps))
    if schedule == "linear":
        return 1.0 - frac
    if schedule == "cosine":
        return 0.5 * (1.0 + math.cos(math.pi * frac))
    return 1.0


def fit_vocab(targets: TargetSet, d_s: int, steps: int = 100, lr: float = LR, seed: int = 0,
              freeze_we: bool = False, loss: str = "mse", every: int = 5, label: str = "",
              on_step=None, schedule: str = "constant") -> VocabFit:
    """Train E_s (n, d_s) and W_e (d_s, d_t) on vocab targets; record the full-set MSE every ``every`` steps.

    freeze_we: W_e and b stay at their random init (requires_grad False): only the table learns.
    loss: 'mse' (TinyBERT) or 'cosine' (1 - cos, blind to vector length); the curve is always the MSE.
    schedule: 'constant', 'linear' or 'cosine' decay of lr over ``steps`` (as the engine's ``--schedule``).
    """
    T = targets.E_t.detach().float().cpu()  # (n, d_t)
    n, d_t = T.shape
    with seeded(seed):  # other sessions' threads must not draw from torch's RNG in between
        E_s = torch.nn.Parameter(torch.randn(n, d_s) * 0.02)  # BERT's N(0, 0.02) init of an embedding table
        proj = Projection(d_s, d_t, bias=True)
    proj.requires_grad_(not freeze_we)
    params = [E_s] + ([] if freeze_we else list(proj.parameters()))
    opt = torch.optim.Adam(params, lr=lr, betas=BETAS)
    sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda t: decay_factor(schedule, t, steps))
    curve = Curve(label or f"d_s = {d_s}", [], [], floor=targets.floor(d_s), d_s=d_s)

    def record(step: int) -> None:
        with torch.no_grad():
            curve.steps.append(step)
            curve.loss.append(float(embedding_mse(proj(E_s), T)))  # (n, d_t) vs (n, d_t)

    record(0)
    for step in range(1, steps + 1):
        pred = proj(E_s)  # (n, d_s) @ (d_s, d_t) -> (n, d_t)
        value = embedding_mse(pred, T) if loss == "mse" else 1 - F.cosine_similarity(pred, T, dim=-1).mean()
        opt.zero_grad()
        value.backward()
        opt.step()
        sched.step()
        if step % every == 0 or step == steps:
            record(step)
        if on_step is not None:
            on_step(step)
    return VocabFit(curve, E_s.detach(), proj)


def frozen_floor(targets: TargetSet, projection: Projection) -> float:
    """The least MSE reachable with this W_e and b fixed: T - b projected off the row space of W_e."""
    T = target_matrix(targets.E_t)  # (n, d_t) float64
    W = projection.W_e.detach().double()  # (d_s, d_t)
    b = projection.linear.bias.detach().double()
    R = T - b
    # Best E_s = R W^+ ; residual = R (I - W^+ W), with W^+ W the projector on W's row space.
    P = torch.linalg.pinv(W) @ W  # (d_t, d_s) @ (d_s, d_t) -> (d_t, d_t)
    return float(((R - R @ P) ** 2).mean())


# -- "Show me" experiments (vocabulary mode) -------------------------------------------------------------------
def loss_stays_high(targets: TargetSet, steps: int = 100, d_s: int = 64, tiny: int = 8) -> Experiment:
    """Four runs: a good one, a tiny d_s (sits on its own floor), a too-small lr, a frozen random W_e."""
    good = fit_vocab(targets, d_s, steps, label=f"learned W_e, d_s = {d_s}, lr = {LR}")
    small = fit_vocab(targets, tiny, steps, label=f"tiny d_s = {tiny}")
    slow = fit_vocab(targets, d_s, steps, lr=3e-5, label=f"lr = 3e-5 (too small), d_s = {d_s}")
    frozen = fit_vocab(targets, d_s, steps, freeze_we=True, label=f"frozen random W_e, d_s = {d_s}")
    frozen.curve.extra["frozen_floor"] = frozen_floor(targets, frozen.projection)
    curves = [good.curve, small.curve, slow.curve, frozen.curve]
    return Experiment(
        "loss_stays_high", "Why a loss stays high: four runs, one cause each", curves,
        numbers={c.label: c.final for c in curves} | {f"floor d_s = {d_s}": good.curve.floor,
                                                        f"floor d_s = {tiny}": small.curve.floor,
                                                        "best reachable with the frozen W_e": frozen.curve.extra["frozen_floor"]},
        conclusion=(f"The tiny student stops on its own floor ({small.curve.floor:.2e}): capacity, not training. "
                    f"The too-small learning rate has barely moved ({slow.curve.final:.2e}): optimisation. "
                    f"The frozen random W_e stalls near {frozen.curve.extra['frozen_floor']:.2e}, the best any table "
                    "can do through a random subspace: W_e must learn the teacher's main directions."),
    )


def frozen_vs_learned(targets: TargetSet, d_s: int = 128, steps: int = 100) -> Experiment:
    learned = fit_vocab(targets, d_s, steps, label="learned W_e")
    frozen = fit_vocab(targets, d_s, steps, freeze_we=True, label="frozen random W_e")
    best_frozen = frozen_floor(targets, frozen.projection)
    return Experiment(
        "frozen_vs_learned", f"Learned vs frozen random W_e, d_s = {d_s}", [learned.curve, frozen.curve],
        numbers={"learned W_e: reached": learned.curve.final, "frozen W_e: reached": frozen.curve.final,
                 "floor (best rank-d_s map)": learned.curve.floor, "best reachable with the frozen W_e": best_frozen},
        conclusion=("A frozen random W_e maps the student into a random d_s-dimensional subspace of the teacher's "
                    "space; the learned one finds the teacher's main directions and reaches the floor."),
    )


def ds_comparison(targets: TargetSet, dims=(8, 128), steps: int = 100) -> Experiment:
    fits = [fit_vocab(targets, d, steps) for d in dims]
    curves = [f.curve for f in fits]
    return Experiment(
        "ds_comparison", "Reached loss and floor for each d_s", curves,
        numbers={f"{c.label}: reached": c.final for c in curves} | {f"{c.label}: floor": c.floor for c in curves},
        conclusion="Each run ends close to its own dashed floor; a narrower student has a higher floor.",
    )


def same_width(targets: TargetSet, d_s: int = 128, steps: int = 100) -> Experiment:
    """d_s = d_t: the floor is 0, so the loss keeps falling; at d_s < d_t it stops on a positive floor."""
    d_t = targets.d_t
    fits = [fit_vocab(targets, d_s, steps), fit_vocab(targets, d_t, steps, label=f"d_s = d_t = {d_t}")]
    curves = [f.curve for f in fits]
    return Experiment(
        "same_width", f"d_s = d_t = {d_t} against d_s = {d_s}", curves,
        numbers={f"{c.label}: reached": c.final for c in curves} | {f"{c.label}: floor": c.floor for c in curves},
        conclusion=(f"With d_s = d_t the floor is {curves[1].floor:.1e}: a square W_e can be invertible, so the "
                    "loss keeps falling towards zero, limited only by the number of steps. Nothing was compressed."),
    )


def cosine_vs_mse(targets: TargetSet, d_s: int = 128, steps: int = 100) -> Experiment:
    mse = fit_vocab(targets, d_s, steps, label="trained with MSE")
    cos = fit_vocab(targets, d_s, steps, loss="cosine", label="trained with 1 - cosine")
    T = targets.E_t.float().cpu()
    numbers = {}
    for name, fit in (("MSE", mse), ("cosine", cos)):
        p = fit.projected()  # (n, d_t)
        numbers[f"{name}-trained: MSE"] = fit.curve.final
        numbers[f"{name}-trained: mean cosine"] = float(F.cosine_similarity(p, T, dim=-1).mean())
        numbers[f"{name}-trained: mean norm ratio |E_s W_e| / |E_t|"] = float((p.norm(dim=-1) / T.norm(dim=-1)).mean())
    return Experiment(
        "cosine_vs_mse", "Same student, two losses; the curves show MSE", [mse.curve, cos.curve], numbers,
        conclusion=("Cosine lines up directions and ignores lengths, so its MSE stays far higher; MSE asks for both, "
                    "and has a closed-form floor to check against."),
    )


def neighbour_overlap(teacher, targets: TargetSet, dims=(8, 128), steps: int = 100, k: int = 10) -> Experiment:
    """kNN overlap@k between teacher and projected student, on the word-group probe words."""
    ids, _, _ = probe_tokens(teacher.tokenizer, 500)
    where = {int(t): i for i, t in enumerate(targets.ids.tolist())}
    rows = torch.tensor([where[i] for i in ids if i in where])
    T = targets.E_t.float().cpu()[rows]  # (P, d_t)
    numbers, curves = {}, []
    for d in dims:
        fit = fit_vocab(targets, d, steps)
        curves.append(fit.curve)
        numbers[f"d_s = {d}: kNN overlap@{k}"] = knn_overlap(T, fit.projected()[rows], k)
    return Experiment(
        "neighbour_overlap", f"Do the teacher's {k} nearest neighbours survive?", curves, numbers,
        conclusion="Matching vectors row by row also keeps who is near whom: the wider student keeps more neighbours.",
    )


def non_uniqueness(targets: TargetSet, d_s: int = 32, steps: int = 80, seed: int = 1) -> Experiment:
    """Replace (E_s, W_e) by (E_s A, A^-1 W_e): the same product and loss, different W_e singular values."""
    fit = fit_vocab(targets, d_s, steps)
    sv = change_of_basis(fit.E_s, fit.projection, seed)
    T = targets.E_t.double().cpu()                                     # (n, d_t)
    E, W = fit.E_s.double(), fit.projection.W_e.detach().double()      # (n, d_s), (d_s, d_t)
    b = fit.projection.linear.bias.detach().double()
    A = torch.randn(d_s, d_s, generator=torch.Generator().manual_seed(seed), dtype=torch.float64)
    loss1 = float(((E @ W + b - T) ** 2).mean())
    loss2 = float(((E @ A) @ torch.linalg.solve(A, W) + b - T).pow(2).mean())
    return Experiment(
        "non_uniqueness", "Same loss, different W_e", [fit.curve],
        numbers={"loss with (E_s, W_e)": loss1, "loss with (E_s A, A^-1 W_e)": loss2}
        | {f"largest singular value of {k}": float(v[0]) for k, v in sv.items()},
        conclusion="W_e's singular values change with A; the product's, and the loss, do not.",
        arrays=sv,
    )


def _rel(a: torch.Tensor, b: torch.Tensor) -> float:
    """|a - b| / |b|: how far apart two spectra are, as a share of the second."""
    return float((a - b).norm() / b.norm())


def _centred_product_sv(E_s: torch.Tensor, W: torch.Tensor, d_s: int) -> torch.Tensor:
    P = E_s.double() @ W.double()  # (n, d_s) @ (d_s, d_t) -> (n, d_t)
    return torch.linalg.svdvals(P - P.mean(0))[:d_s]  # centred, as the targets' spectrum; rank <= d_s


def equal_loss_different_we(targets: TargetSet, d_s: int = 32, steps: int = 80, seeds=(0, 1)) -> Experiment:
    """Two runs that differ only in their seed (the init), and run 1 re-expressed as (E_s A, A^-1 W_e).

    The loss fixes the product E_s W_e (near the floor, its singular values approach the teacher's top d_s);
    it says nothing about how scale is split between E_s and W_e, which depends on the start. So the runs end
    at the same loss with different W_e spectra, and sigma(E_s W_e) (centred) is the same in all three.
    """
    fits = [fit_vocab(targets, d_s, steps, seed=s, label=f"seed {s}") for s in seeds]
    T = targets.E_t.double().cpu()  # (n, d_t)
    A = torch.randn(d_s, d_s, generator=torch.Generator().manual_seed(123), dtype=torch.float64)
    E1, W1 = fits[0].E_s.double(), fits[0].projection.W_e.detach().double()  # (n, d_s), (d_s, d_t)
    b1 = fits[0].projection.linear.bias.detach().double()
    EA, AW = E1 @ A, torch.linalg.solve(A, W1)  # (n, d_s) @ (d_s, d_s); A^-1 (d_s, d_t)
    runs = {f.curve.label: (f.E_s, f.projection.W_e.detach()) for f in fits}
    based = f"seed {seeds[0]} as (E_s A, A^-1 W_e)"
    runs[based] = (EA, AW)
    teacher_top = targets.sigma[:d_s].double()
    arrays = {f"W_e, {k}": torch.linalg.svdvals(W.double()).numpy() for k, (_, W) in runs.items()}
    arrays |= {f"E_s W_e, {k}": _centred_product_sv(E, W, d_s).numpy() for k, (E, W) in runs.items()}
    arrays[f"teacher's top {d_s}"] = teacher_top.numpy()
    a, b = fits[0].curve.label, fits[1].curve.label
    we_gap = _rel(torch.as_tensor(arrays[f"W_e, {b}"]), torch.as_tensor(arrays[f"W_e, {a}"]))
    prod_gap = _rel(torch.as_tensor(arrays[f"E_s W_e, {b}"]), torch.as_tensor(arrays[f"E_s W_e, {a}"]))
    teacher_gap = _rel(torch.as_tensor(arrays[f"E_s W_e, {a}"]), teacher_top)
    loss_a = float((EA @ AW + b1 - T).pow(2).mean())
    numbers = {f"{f.curve.label}: MSE": f.curve.final for f in fits} | {f"{based}: MSE": loss_a}
    numbers |= {f"{k}: largest singular value of W_e": float(arrays[f"W_e, {k}"][0]) for k in runs}
    numbers |= {"sigma(W_e) differ between the seeds by": we_gap,
                "sigma(E_s W_e) differ between the seeds by": prod_gap,
                f"sigma(E_s W_e) of {a} differ from the teacher's top {d_s} by": teacher_gap}
    loss_gap = abs(fits[1].curve.final - fits[0].curve.final) / fits[0].curve.final
    conclusion = (
        f"The two seeds end at MSE {fits[0].curve.final:.3g} and {fits[1].curve.final:.3g} ({loss_gap:.1%} apart; "
        f"floor {fits[0].curve.floor:.3g}), yet their W_e spectra differ by {we_gap:.0%} (largest singular value "
        f"{numbers[f'{a}: largest singular value of W_e']:.3g} vs "
        f"{numbers[f'{b}: largest singular value of W_e']:.3g}); "
        f"re-expressing {a} as (E_s A, A^-1 W_e) keeps its loss ({loss_a:.3g}) and changes W_e's largest singular "
        f"value to {numbers[f'{based}: largest singular value of W_e']:.3g}. What the loss fixes is the "
        f"product: sigma(E_s W_e) differs by {prod_gap:.1%} between the seeds, is identical under A, and lies "
        f"{teacher_gap:.1%} from the teacher's top {d_s} singular values after {steps} steps (it meets them at the "
        "floor). W_e's own spectrum shows how this run split the scale between E_s and W_e, starting from its init.")
    return Experiment("equal_loss_different_we", "Equal loss, different W_e: two seeds and a change of basis",
                      [f.curve for f in fits], numbers, conclusion, arrays=arrays)


def _spikes(curve: Curve, skip: int = 10) -> tuple[float, int]:
    """The largest rise of the loss above its best so far (ratio) after the first ``skip`` steps, and its step."""
    best, worst, at = float("inf"), 1.0, 0
    for step, value in zip(curve.steps, curve.loss):
        if step > skip and value / best > worst:
            worst, at = value / best, step
        best = min(best, value)
    return worst, at


def spike_note(steps, losses, threshold: float = 1.05) -> str:
    """One sentence for a loss curve that rose above its best so far (by ``threshold`` or more): where, how much,
    why, and the fix; '' when it did not. For any curve of a constant-rate Adam run (lab, Show me)."""
    ratio, at = _spikes(Curve("", list(steps), list(losses)))
    if ratio < threshold:
        return ""
    return (f"The jump near step {at} (to {ratio:.2f}x the best loss so far) is Adam at a constant learning rate "
            "near the optimum: it divides each step by the root of its running mean of squared gradients, so as the "
            "gradients shrink its steps stay about lr long, overshoot the bottom of the valley, and the loss jumps "
            "before it settles. A decaying rate (cosine or linear) removes the jump: the constant-vs-decay "
            "experiment shows both on the same seed.")


def lr_decay(targets: TargetSet, d_s: int = 128, steps: int = 120, seed: int = 0,
             schedules=("constant", "cosine", "linear")) -> Experiment:
    """The same run (seed, data, lr) with a constant rate and with decay; curves recorded every step.

    Adam divides each step by the root of its running mean of squared gradients, so near the optimum, where
    the gradients shrink, the steps do not: every parameter keeps moving by about lr per step, overshoots the
    bottom of a narrow valley, and the loss jumps (then falls back). Decaying lr shrinks those steps.
    """
    fits = [fit_vocab(targets, d_s, steps, seed=seed, every=1, schedule=s, label=f"{s} lr") for s in schedules]
    curves = [f.curve for f in fits]
    numbers = {}
    for c in curves:
        ratio, at = _spikes(c)
        c.extra["spike"] = (ratio, at)
        numbers[f"{c.label}: largest jump above its best so far (x)"] = ratio
        numbers[f"{c.label}: at step"] = float(at)
        numbers[f"{c.label}: final MSE"] = c.final
    const, *decayed = curves
    r0, s0 = const.extra["spike"]
    ends = "Final MSE: " + ", ".join(f"{c.label} {c.final:.3g}" for c in curves) + (
        f" (floor {const.floor:.3g})." if const.floor else ".")
    lower = ("In this short run the constant rate still ends lowest: decay also slows the approach."
             if const.final < min(c.final for c in decayed) else "Here decay also ends lower.")
    if r0 > 1.05:
        conclusion = (
            f"With a constant rate the loss jumped to {r0:.2f}x its best so far at step {s0}, then settled; "
            + ", ".join(f"with {c.label.split()[0]} decay the largest jump was {c.extra['spike'][0]:.2f}x"
                        for c in decayed)
            + ". Why: Adam scales each step by 1/sqrt(running mean of g^2), so near the optimum, where gradients "
            "shrink, its steps stay about lr long; they overshoot and the loss spikes. Decay shrinks the steps as "
            f"the run nears its end. {ends} {lower}")
    else:
        conclusion = f"This run had no jump worth the name (largest {r0:.2f}x its best so far at step {s0}). {ends}"
    return Experiment("lr_decay", f"Constant vs decaying learning rate, same seed, d_s = {d_s}", curves, numbers,
                      conclusion)


# -- sequence-mode experiments ---------------------------------------------------------------------------------
def _dropout(x: torch.Tensor, p: float, gen: torch.Generator) -> torch.Tensor:
    """Inverted dropout as in nn.Dropout (zero with probability p, scale the rest by 1/(1-p)), drawn from gen."""
    keep = torch.rand(x.shape, generator=gen) >= p
    return x * keep / (1 - p)


def _fit_sequence(targets: TargetSet, teacher, d_s: int, steps: int, mask_padding: bool = True,
                  target_dropout: float = 0.0, seed: int = 0, every: int = 5, label: str = "") -> Curve:
    """Train the student's embedding module (word + position + type, LayerNorm) and W_e on sequence targets.

    The curve is the real-token MSE against the clean targets. ``target_dropout`` > 0 replays a teacher left in
    train mode: its embedding output passes through dropout, a fresh mask each step (the teacher itself is shared
    and stays in eval mode).
    """
    with seeded(seed):
        emb = make_student(teacher, d_s, num_hidden_layers=0).embeddings.eval()  # dropout off in the student
        proj = Projection(d_s, targets.d_t, bias=True)
    gen = torch.Generator().manual_seed(seed + 1)  # the replayed teacher's dropout masks, this run's own
    opt = torch.optim.Adam(list(emb.parameters()) + list(proj.parameters()), lr=LR, betas=BETAS)
    ids, tt = targets.ids.cpu(), targets.token_type_ids.cpu()
    T, mask = targets.E_t.float().cpu(), targets.mask.cpu()  # (N, L, d_t), (N, L)
    curve = Curve(label, [], [], floor=targets.floor(d_s), extra={"train_loss": []}, d_s=d_s)

    def forward():
        return proj(emb(input_ids=ids, token_type_ids=tt))  # (N, L, d_s) @ (d_s, d_t) -> (N, L, d_t)

    def record(step, train_value):
        with torch.no_grad():
            curve.steps.append(step)
            curve.loss.append(float(embedding_mse(forward(), T, mask)))
            curve.extra["train_loss"].append(train_value)

    record(0, float("nan"))
    for step in range(1, steps + 1):
        target = _dropout(T, target_dropout, gen) if target_dropout else T
        value = embedding_mse(forward(), target, mask if mask_padding else None)
        opt.zero_grad()
        value.backward()
        opt.step()
        if step % every == 0 or step == steps:
            record(step, float(value.detach()))
    return curve


def padding_masked(teacher, targets: TargetSet, d_s: int = 64, steps: int = 80) -> Experiment:
    masked = _fit_sequence(targets, teacher, d_s, steps, True, label="padding masked")
    plain = _fit_sequence(targets, teacher, d_s, steps, False, label="padding averaged in (TinyBERT's code)")
    pad_share = 1.0 - float(targets.mask.float().mean())
    return Experiment(
        "padding", "Masked vs unmasked padding; curves show the MSE on real tokens", [masked, plain],
        numbers={"share of positions that are padding": pad_share,
                 "real-token MSE, masked": masked.final, "real-token MSE, unmasked": plain.final,
                 "loss the unmasked run reports": plain.extra["train_loss"][-1]},
        conclusion=padding_conclusion(pad_share, masked.final, plain.final, plain.extra["train_loss"][-1]),
    )


def _gap(a: float, b: float) -> float:
    """(b - a) / a: how much higher b ends than a."""
    return (b - a) / a if a else float("inf")


def padding_conclusion(pad_share: float, masked: float, unmasked: float, reported: float) -> str:
    """Said from the run: how much worse real tokens end when [PAD] positions are averaged in."""
    gap = _gap(masked, unmasked)
    size = (f"the unmasked run ends {gap:.0%} higher on real tokens ({unmasked:.3g} vs {masked:.3g}): it spent "
            "part of its capacity copying the teacher's [PAD] vectors, which no real input carries"
            if gap >= 0.02 else
            f"here the two end close on real tokens ({unmasked:.3g} vs {masked:.3g}, {gap:+.1%}): the student is "
            "wide enough to fit the [PAD] vectors too, so the cost shows mostly in what the run reports")
    return (f"{pad_share:.0%} of the positions are [PAD]; {size}. The unmasked run reports {reported:.3g}, not its "
            "real-token loss, and that number moves with how much padding a batch happens to have.")


def teacher_dropout(teacher, targets: TargetSet, d_s: int = 64, steps: int = 80) -> Experiment:
    p = float(getattr(teacher.config, "hidden_dropout_prob", 0.1) or 0.1)
    clean = _fit_sequence(targets, teacher, d_s, steps, label="teacher in eval mode")
    noisy = _fit_sequence(targets, teacher, d_s, steps, target_dropout=p, label=f"teacher in train mode (dropout {p:g})")
    T, m = targets.E_t.float().cpu(), targets.mask.cpu().bool()
    noise = float(T[m].pow(2).mean()) * p / (1 - p)  # E[(dropout(t) - t)^2] per element, over real tokens
    return Experiment(
        "teacher_dropout", "Targets from a teacher in eval vs train mode; curves show the clean MSE", [clean, noisy],
        numbers={"clean MSE, eval-mode targets": clean.final, "clean MSE, train-mode targets": noisy.final,
                 "training loss the train-mode run sees": noisy.extra["train_loss"][-1],
                 "noise the student can never fit, p/(1-p) E[t^2]": noise},
        conclusion=dropout_conclusion(clean.final, noisy.final, noisy.extra["train_loss"][-1], noise),
    )


def dropout_conclusion(clean: float, noisy: float, seen: float, noise: float) -> str:
    """Said from the run: what a train-mode teacher did to the student's clean loss, and to the loss it saw."""
    gap = _gap(clean, noisy)
    head = (f"The loss the train-mode run sees is {seen:.3g}, close to the clean run's {clean:.3g} plus {noise:.3g} "
            "of dropout noise (p/(1-p) E[t^2]) that no student can fit.")
    if abs(gap) < 0.02:
        return head + (f" On clean targets, though, the two students end almost level ({noisy:.3g} vs {clean:.3g}, "
                       f"{gap:+.1%}): the effect on what is learnt is small here. Inverted dropout is zero-mean "
                       "noise (E[dropout(t)] = t), so the best fit to noisy targets is still the clean one, and each "
                       "full-batch step averages a fresh mask over every real token x d_t element, which cancels "
                       "most of the noise. It matters more with small batches, where one mask moves the gradient, "
                       "and in every loss you report or compare against a floor.")
    return head + (f" On clean targets the train-mode student ends {gap:+.0%} off ({noisy:.3g} vs {clean:.3g}): "
                   "each step it chased a different random mask.")


# -- not training: properties of the teacher -------------------------------------------------------------------
def embedding_vs_full_forward(teacher, sentences: list[str], repeats: int = 3) -> Experiment:
    """Wall time of the teacher's embedding module alone vs the whole forward pass on the same batch."""
    from ..targets import tokenize

    enc = tokenize(teacher.tokenizer, sentences, 64)
    enc = {k: v.to(teacher.device) for k, v in enc.items()}
    times = {}
    with torch.no_grad():
        for name, fn in (("embedding layer only", lambda: teacher.embeddings(input_ids=enc["input_ids"],
                                                                              token_type_ids=enc["token_type_ids"])),
                         ("whole teacher", lambda: teacher.model(**enc))):
            best = float("inf")
            for _ in range(repeats):
                t0 = time.perf_counter()
                fn()
                best = min(best, time.perf_counter() - t0)
            times[f"{name} (ms)"] = best * 1000
    return Experiment("forward_cost", f"One batch of {len(sentences)} sentences through the teacher",
                      numbers=times, log_y=False,
                      conclusion="Embedding targets need only the first module of the teacher: no attention runs.")
