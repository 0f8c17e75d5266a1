"""Does aligning the embeddings help the later layers? TinyBERT's layer-wise distillation with lambda_e = 1 vs 0.

Two arms per seed, identical but for the embedding loss's weight: the same student init, the same batches (both
come from the seed), the same hidden-state and attention losses. Every ``eval_every`` steps each arm's
hidden-state MSE is measured per mapped layer on a fixed set of sentences (the same for both arms); after the
distillation each student is fine-tuned on a small downstream task with the same seed and data order, and its
held-out accuracy is the downstream score. The published reference is the TinyBERT paper's own ablation.
"""
from __future__ import annotations

import copy
import statistics
import time
from dataclasses import dataclass, field, replace

import torch
from torch import nn

from ..assets import default_corpus
from ..evaluation.downstream import Classifier, DownstreamConfig, compact, fine_tune, load_task
from ..evaluation.pace import Estimate, PaceBook, Phase
from ..errors import DistillError
from .trainer import TinyBertConfig, TinyBertTrainer, targets_cached, teacher_targets
from .losses import attention_mse, hidden_mse, layer_map

# Jiao et al. (2020), "TinyBERT: Distilling BERT for Natural Language Understanding", Table 6 (ablation of the
# distillation objectives, TinyBERT-4 on the GLUE dev sets): the full objective vs "w/o Embd".
PAPER_TASKS = ("MNLI-m", "MNLI-mm", "MRPC", "CoLA")
PAPER_WITH = (82.8, 82.9, 85.8, 50.8)
PAPER_WITHOUT = (82.3, 82.3, 85.0, 46.7)
PAPER_SOURCE = "TinyBERT paper (Jiao et al., 2020), Table 6: TinyBERT-4, GLUE dev; CoLA is Matthews correlation x 100"


def paper_rows() -> list[dict]:
    """The published ablation, one row per task plus the average the paper reports (75.6 vs 74.1)."""
    rows = [{"task": t, "with L_emb": w, "without L_emb": wo, "change": round(wo - w, 1)}
            for t, w, wo in zip(PAPER_TASKS, PAPER_WITH, PAPER_WITHOUT)]
    avg_w, avg_wo = statistics.fmean(PAPER_WITH), statistics.fmean(PAPER_WITHOUT)
    rows.append({"task": "average", "with L_emb": round(avg_w, 1), "without L_emb": round(avg_wo, 1),
                 "change": round(avg_wo - avg_w, 1)})
    return rows


@dataclass
class AblationConfig:
    hidden_size: int = 96               # d_s: a multiple of the teacher's 12 heads
    num_hidden_layers: int = 2          # L_s; layers 3 and 6 of all-MiniLM-L6-v2
    steps: int = 150                    # distillation steps per arm
    lr: float = 1e-3
    batch_size: int = 32
    max_length: int = 32
    seeds: int = 3                      # each seed runs both arms: one seed cannot tell a gap from noise
    eval_every: int = 10
    eval_sentences: int = 64            # the fixed sentences every arm's hidden-state loss is measured on
    task: str = "sentences"             # the downstream task (distill_core.evaluation.downstream): 'sentences' or 'tokens'
    finetune_steps: int = 100
    finetune_lr: float = 1e-3
    device: str = "cpu"

    def validate(self) -> "AblationConfig":
        if self.seeds < 1 or self.steps < 1 or self.eval_every < 1 or self.eval_sentences < 1:
            raise DistillError("Seeds, steps, the evaluation interval and the evaluation sentences must be at least 1.")
        if self.finetune_steps < 1:
            raise DistillError("Fine-tuning needs at least 1 step.")
        return self

    def arm(self, lambda_e: float, seed: int) -> TinyBertConfig:
        return TinyBertConfig(hidden_size=self.hidden_size, num_hidden_layers=self.num_hidden_layers,
                              weights={"embedding": lambda_e, "hidden": 1.0, "attention": 1.0}, lr=self.lr,
                              batch_size=self.batch_size, steps=self.steps, max_length=self.max_length, seed=seed,
                              device=self.device)

    def finetune(self) -> DownstreamConfig:
        return DownstreamConfig(hidden_size=self.hidden_size, num_hidden_layers=self.num_hidden_layers,
                                steps=self.finetune_steps, lr=self.finetune_lr, batch_size=self.batch_size,
                                eval_every=max(1, self.finetune_steps // 10), device=self.device)


@dataclass
class Arm:
    lambda_e: float
    seed: int
    steps: list[int] = field(default_factory=list)
    hidden: list[list[float]] = field(default_factory=list)   # per evaluation: MSE(H_s^m W_h, H_t^g(m)) per layer m
    embedding: list[float] = field(default_factory=list)      # MSE(E_s W_e, E_t) on the same sentences
    attention: list[float] = field(default_factory=list)
    accuracy: float | None = None                             # held-out accuracy after fine-tuning
    finetune_acc: list[float] = field(default_factory=list)
    finetune_steps: list[int] = field(default_factory=list)

    @property
    def hidden_total(self) -> list[float]:
        return [sum(h) for h in self.hidden]

    @property
    def label(self) -> str:
        return f"λ_e = {self.lambda_e:g}" + (f", seed {self.seed}" if self.seed else "")


@torch.no_grad()
def evaluate(trainer: TinyBertTrainer, idx: torch.Tensor) -> tuple[list[float], float, float]:
    """(hidden MSE per mapped layer, embedding MSE, attention MSE summed) on the sentences ``idx``."""
    tg, dev = trainer.targets, trainer.device
    mask = tg.mask[idx].to(dev)
    out = trainer.student(input_ids=tg.input_ids[idx].to(dev), attention_mask=mask,
                          token_type_ids=tg.token_type_ids[idx].to(dev), output_hidden_states=True,
                          output_attentions=True)
    proj = trainer.projections
    hidden = [float(hidden_mse(proj(out.hidden_states[m], m), tg.hidden[m][idx].to(dev), mask))  # (b, L, d_t)
              for m in range(1, len(out.hidden_states))]
    emb = float(hidden_mse(proj(out.hidden_states[0], 0), tg.hidden[0][idx].to(dev), mask))
    attn = sum(float(attention_mse(a, t[idx].to(dev), mask)) for a, t in zip(out.attentions, tg.attention))
    return hidden, emb, attn


def _fine_tune_copy(student: nn.Module, task, ft: DownstreamConfig, seed: int = 0, name: str = "",
                    should_stop=None):
    """Fine-tune a copy of ``student`` (whole, with a linear head) on ``task``; the distilled one is untouched."""
    small, keep = compact(task)
    model = copy.deepcopy(student).cpu()
    rows = model.embeddings.word_embeddings.weight.detach()[keep]  # (V', d_s): only the rows the task uses
    model.embeddings.word_embeddings = nn.Embedding.from_pretrained(rows.clone(), freeze=False)
    for m in model.modules():  # no dropout: both arms then see exactly the same fine-tuning but for their start
        if isinstance(m, nn.Dropout):
            m.p = 0.0
    with torch.random.fork_rng():
        torch.manual_seed(seed)  # the head's init, the same for both arms of a seed
        clf = Classifier(model, len(task.label_names))
    return fine_tune(clf, small, ft, seed, name, should_stop=should_stop)


def downstream_score(student: nn.Module, task, cfg: AblationConfig, seed: int, lambda_e: float,
                     should_stop=None) -> tuple[float, list[int], list[float]]:
    """Held-out accuracy of the distilled student after fine-tuning, and its accuracy curve."""
    curve = _fine_tune_copy(student, task, cfg.finetune(), seed, f"λ_e = {lambda_e:g}", should_stop)
    return curve.test_acc[-1], curve.steps, curve.test_acc


def phases(cfg: AblationConfig, n_sentences: int, targets_ready: bool, probe: dict | None = None) -> dict:
    """The run's phases, each with the key that names the shapes its per-step time depends on."""
    probe = probe or {}
    arms = 2 * cfg.seeds
    shape = f"d{cfg.hidden_size}|L{cfg.num_hidden_layers}|b{cfg.batch_size}|len{cfg.max_length}"
    return {"teacher targets": Phase(f"ablation.targets|len{cfg.max_length}", 0 if targets_ready else n_sentences,
                                     probe.get("teacher targets")),
            "distillation": Phase(f"ablation.distill|{shape}|eval{cfg.eval_every}x{cfg.eval_sentences}",
                                  arms * cfg.steps, probe.get("distillation")),
            "fine-tuning": Phase(f"ablation.finetune|{shape}|{cfg.task}", arms * cfg.finetune_steps,
                                 probe.get("fine-tuning"))}


def _tick(clock: dict | None, phase: str, units: float, seconds: float) -> None:
    if clock is not None:
        clock.setdefault("done", {}).setdefault(phase, 0.0)
        clock.setdefault("seconds", {}).setdefault(phase, 0.0)
        clock["done"][phase] += units
        clock["seconds"][phase] += seconds


def run_ablation(teacher, cfg: AblationConfig, sentences: list[str] | None = None, on_progress=None,
                 should_stop=None, pace: PaceBook | None = None, clock: dict | None = None) -> list[Arm]:
    """Both arms for every seed; ``on_progress(arms, fraction)`` after each evaluation.

    ``clock`` (a dict) is kept up to date with each phase's units done and seconds spent, for a live estimate of
    the time left; ``pace`` records each finished phase's seconds per unit for the next estimate."""
    cfg.validate()
    sentences = list(sentences) if sentences is not None else list(default_corpus())
    task = load_task(cfg.task, teacher.tokenizer)
    gmap = layer_map(cfg.num_hidden_layers, int(teacher.config.num_hidden_layers))
    plan = phases(cfg, len(sentences), targets_cached(teacher, sentences, gmap, cfg.max_length))
    own = clock if clock is not None else {}
    arms: list[Arm] = []
    total = cfg.seeds * 2 * (cfg.steps + cfg.finetune_steps)
    done = 0
    for seed in range(cfg.seeds):
        for lam in (1.0, 0.0):
            arm = Arm(lam, seed)
            arms.append(arm)
            t0 = time.perf_counter()
            trainer = TinyBertTrainer(cfg.arm(lam, seed), teacher, sentences)
            if plan["teacher targets"].units and not own.get("done", {}).get("teacher targets"):
                _tick(own, "teacher targets", len(sentences), time.perf_counter() - t0)  # the first build only
            idx = torch.arange(min(cfg.eval_sentences, trainer.targets.input_ids.shape[0]))
            t0, last = time.perf_counter(), 0
            while True:
                h, e, a = evaluate(trainer, idx)
                arm.steps.append(trainer.step_count); arm.hidden.append(h); arm.embedding.append(e)
                arm.attention.append(a)
                now = time.perf_counter()
                _tick(own, "distillation", trainer.step_count - last, now - t0)
                t0, last = now, trainer.step_count
                if on_progress is not None:
                    on_progress(arms, (done + trainer.step_count) / total)
                if trainer.done or (should_stop is not None and should_stop()):
                    break
                trainer.run(cfg.eval_every, should_stop=should_stop)
            done += cfg.steps
            if should_stop is not None and should_stop():
                return arms
            t0 = time.perf_counter()
            arm.accuracy, arm.finetune_steps, arm.finetune_acc = downstream_score(
                trainer.student, task, cfg, seed, lam, should_stop)
            _tick(own, "fine-tuning", cfg.finetune_steps, time.perf_counter() - t0)
            done += cfg.finetune_steps
            if on_progress is not None:
                on_progress(arms, done / total)
    if pace is not None:  # a whole run only: a stopped one would record its cheapest part
        for name, ph in plan.items():
            if own.get("done", {}).get(name):
                pace.record(ph.key, own["seconds"][name], own["done"][name])
    return arms


# -- what it showed ----------------------------------------------------------------------------------------------
def _mean(arms: list[Arm], lam: float, get) -> float:
    vals = [get(a) for a in arms if a.lambda_e == lam and a.accuracy is not None]
    return statistics.fmean(vals) if vals else float("nan")


def summary(arms: list[Arm]) -> dict[str, float]:
    """Means over seeds of each arm's final hidden-state losses (per layer and summed) and downstream accuracy."""
    out = {}
    layers = len(arms[0].hidden[-1]) if arms and arms[0].hidden else 0
    for lam in (1.0, 0.0):
        name = f"λ_e = {lam:g}"
        for m in range(layers):
            out[f"{name}: hidden MSE, student layer {m + 1}"] = _mean(arms, lam, lambda a, m=m: a.hidden[-1][m])
        out[f"{name}: hidden MSE, summed"] = _mean(arms, lam, lambda a: a.hidden_total[-1])
        out[f"{name}: embedding MSE"] = _mean(arms, lam, lambda a: a.embedding[-1])
        out[f"{name}: held-out accuracy"] = _mean(arms, lam, lambda a: a.accuracy)
    return out


def _per_seed(arms: list[Arm], lam: float, get) -> list[float]:
    return [get(a) for a in arms if a.lambda_e == lam and a.accuracy is not None]


def _pm(values: list[float], fmt: str, scale: float = 1.0) -> str:
    """'mean ± sample standard deviation' over seeds ('mean' alone for one seed)."""
    mean = statistics.fmean(values) * scale
    if len(values) < 2:
        return format(mean, fmt)
    return f"{format(mean, fmt)} ± {format(statistics.stdev(values) * scale, fmt)}"


def findings(arms: list[Arm], task_title: str) -> list[str]:
    """Sentences computed from the runs: the hidden-state loss and the downstream score, with vs without L_emb,
    as mean ± standard deviation over seeds, and what a gap of that size can mean at this scale."""
    s = summary(arms)
    if not s or s["λ_e = 1: hidden MSE, summed"] != s["λ_e = 1: hidden MSE, summed"]:
        return []
    seeds = len({a.seed for a in arms if a.accuracy is not None})
    h1, h0 = (_per_seed(arms, lam, lambda a: a.hidden_total[-1]) for lam in (1.0, 0.0))
    a1, a0 = (_per_seed(arms, lam, lambda a: a.accuracy) for lam in (1.0, 0.0))
    steps = arms[0].steps[-1]
    m1, m0 = statistics.fmean(h1), statistics.fmean(h0)
    rel = (m0 - m1) / m1
    h_spread = max((statistics.stdev(v) for v in (h1, h0) if len(v) > 1), default=0.0)
    h_said = ("no difference worth the name" if abs(rel) < 0.005
              else f"{abs(rel):.1%} {'lower' if rel > 0 else 'higher'} with it, "
                   + ("one seed only, so this could be noise" if seeds == 1
                      else "more than the spread between seeds" if abs(m0 - m1) > h_spread
                      else "within the spread between seeds"))
    seeds_said = f"{seeds} seed{'s' if seeds > 1 else ''}, mean ± standard deviation" if seeds > 1 else "1 seed"
    lines = [f"After {steps} steps ({seeds_said}), the hidden-state loss summed over the mapped layers is "
             f"{_pm(h1, '.4g')} with the embedding loss and {_pm(h0, '.4g')} without it: {h_said}."]
    spread = _accuracy_spread(arms)
    gap = statistics.fmean(a1) - statistics.fmean(a0)
    verdict = ("within the spread between seeds" if seeds > 1 and abs(gap) <= spread
               else "one seed only, so this could be noise" if seeds == 1 and abs(gap) > 0
               else "larger than the spread between seeds" if abs(gap) > 0 else "the same")
    lines.append(f"Fine-tuned on {task_title.lower()}, the students reach {_pm(a1, '.1f', 100)}% (with L_emb) and "
                 f"{_pm(a0, '.1f', 100)}% (without) held-out accuracy: a difference of {gap * 100:+.1f} points, "
                 f"{verdict}.")
    lines.append(f"The embedding loss itself ends at {s['λ_e = 1: embedding MSE']:.3g} with λ_e = 1 and "
                 f"{s['λ_e = 0: embedding MSE']:.3g} with λ_e = 0: without its own loss the embedding layer is "
                 "shaped only by what the layers above need.")
    lines.append(scale_note(arms, seeds))
    return lines


def scale_note(arms: list[Arm], seeds: int) -> str:
    """What a comparison of this size can and cannot show, from its own numbers."""
    layers = len(arms[0].hidden[-1]) if arms and arms[0].hidden else 0
    spread = _accuracy_spread(arms) * 100
    return (f"**What this scale shows, and what it does not.** It shows, for this {layers}-layer student after "
            f"{arms[0].steps[-1]} steps on this app's few hundred sentences, whether the embedding loss changes how "
            f"well the hidden states match, measured on the same sentences for both, over {seeds} seed"
            f"{'s' if seeds > 1 else ''}. It cannot show the paper's effect: 1.5 GLUE points are the difference "
            "between students distilled for many epochs on English Wikipedia and scored on tasks of thousands of "
            "examples; here one held-out example moves accuracy by a point or more"
            + (f", and the seeds alone spread accuracy by {spread:.1f} points (standard deviation)" if seeds > 1
               else "") + ". With so few steps the layers above are still far from the teacher, and the "
            "embedding loss is a small share of what they learn from; the mechanism it relies on, a mismatch at the "
            "embedding output carried into every layer, is measured directly in the experiment above.")


def _accuracy_spread(arms: list[Arm]) -> float:
    """Largest standard deviation over seeds of either arm's accuracy (0 with one seed)."""
    out = 0.0
    for lam in (1.0, 0.0):
        acc = [a.accuracy for a in arms if a.lambda_e == lam and a.accuracy is not None]
        if len(acc) > 1:
            out = max(out, statistics.stdev(acc))
    return out


# -- how long it will take -----------------------------------------------------------------------------------------
def estimate_seconds(teacher, cfg: AblationConfig, sentences: list[str] | None = None) -> dict[str, float]:
    """Seconds each phase should take on this machine now, from a few timed steps of the real shapes.

    The teacher's pass over the corpus is timed on one batch (0 when its targets are already cached); a
    distillation step, an evaluation and a fine-tuning step are timed on a student of the chosen size.
    Costs a second or two; caches nothing, so it never evicts a run's targets.
    """
    cfg.validate()
    sentences = list(sentences) if sentences is not None else list(default_corpus())
    gmap = layer_map(cfg.num_hidden_layers, int(teacher.config.num_hidden_layers))
    probe = sentences[: min(len(sentences), cfg.batch_size)]
    t0 = time.perf_counter()
    probe_targets = teacher_targets(teacher, probe, gmap, cfg.max_length)
    target_s = 0.0 if targets_cached(teacher, sentences, gmap, cfg.max_length) else \
        (time.perf_counter() - t0) * len(sentences) / len(probe)
    trainer = TinyBertTrainer(cfg.arm(1.0, 0), teacher, targets=probe_targets)
    step_s = _time_it(lambda: trainer.run(1), 2) * cfg.batch_size / len(probe)
    eval_s = _time_it(lambda: evaluate(trainer, torch.arange(len(probe))), 1) * cfg.eval_sentences / len(probe)
    task = load_task(cfg.task, teacher.tokenizer)
    ft = cfg.finetune()

    def fine_tune_seconds(n: int) -> float:  # a copy of the student, two evaluations and n steps
        return _time_it(lambda: _fine_tune_copy(trainer.student, task, replace(ft, steps=n, eval_every=10**6)), 1)

    short, longer = fine_tune_seconds(1), fine_tune_seconds(3)
    ft_step = max(0.0, longer - short) / 2
    ft_eval = max(0.0, short - ft_step) / 2   # the copy counted in: errs long
    arms = 2 * cfg.seeds
    out = {"teacher targets": target_s,
           "distillation": arms * (cfg.steps * step_s + (cfg.steps // cfg.eval_every + 1) * eval_s),
           "fine-tuning": arms * (cfg.finetune_steps * ft_step + (cfg.finetune_steps // ft.eval_every + 1) * ft_eval)}
    out["total"] = sum(out.values())
    return out


def estimate(teacher, cfg: AblationConfig, book: PaceBook, sentences: list[str] | None = None) -> Estimate:
    """The expected duration with its range: from finished runs of these shapes on this server when there are
    any, else from a few timed steps (``estimate_seconds``), said as such."""
    sentences = list(sentences) if sentences is not None else list(default_corpus())
    gmap = layer_map(cfg.num_hidden_layers, int(teacher.config.num_hidden_layers))
    plan = phases(cfg, len(sentences), targets_cached(teacher, sentences, gmap, cfg.max_length))
    if any(ph.units and not book.rates(ph.key) for ph in plan.values()):  # something not measured yet: time it
        probe = estimate_seconds(teacher, cfg, sentences)
        per_unit = {n: probe[n] / plan[n].units for n in plan if plan[n].units}
        plan = phases(cfg, len(sentences), plan["teacher targets"].units == 0, per_unit)
    return book.estimate(plan)


def _time_it(fn, repeats: int) -> float:
    best = float("inf")
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t0)
    return best
