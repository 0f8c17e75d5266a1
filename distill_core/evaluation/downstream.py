"""Does embedding distillation help downstream? Two small tasks and students that differ only in their start.

The students share everything (architecture, seed, transformer-layer init, head, data order) except the
embedding start: ``distilled`` (the rows an embedding-distillation run trained), ``random`` (BERT's own
N(0, 0.02) init) and ``teacher_pca`` (the teacher's tables projected on their top-d_s principal directions, a
shortcut, not distillation). Each is fine-tuned, whole, with a linear head on the mean of its last hidden states.

Tasks (data in ``assets/``, written for this project):
- tokens: "[CLS] word [SEP]" -> its word group; held-out words per group, so the test asks about words the
  fine-tuning never saw (their embedding rows get no gradient from it: only their start can help).
- sentences: a short sentence -> its topic; held-out sentences, stratified by label.
"""
from __future__ import annotations

import copy
import csv
import math
import random
import statistics
from dataclasses import dataclass, field, replace

import torch
from torch import nn

from ..assets import ASSETS, word_groups
from ..config import DistillConfig, check_lr
from ..errors import DistillError
from ..seeding import seeded
from ..student import make_student
from ..targets import tokenize, vocab_ids, vocab_targets

VARIANTS = ("distilled", "random", "teacher_pca")
TASKS = ("tokens", "sentences")
TASK_TITLES = {"tokens": "Word groups (held-out words)", "sentences": "Sentence topics (held-out sentences)"}


# -- data ------------------------------------------------------------------------------------------------------
@dataclass
class Split:
    texts: list[str]
    labels: torch.Tensor          # (N,) class index
    input_ids: torch.Tensor       # (N, L)
    mask: torch.Tensor            # (N, L) 1 = real token


@dataclass
class Task:
    name: str
    label_names: list[str]
    train: Split
    test: Split

    @property
    def chance(self) -> float:
        """Accuracy of always answering the commonest test label."""
        counts = torch.bincount(self.test.labels, minlength=len(self.label_names))
        return float(counts.max()) / max(1, len(self.test.labels))


def _encode(tokenizer, texts: list[str], labels: list[int], max_length: int = 48) -> Split:
    enc = tokenize(tokenizer, texts, max_length)
    return Split(texts, torch.tensor(labels), enc["input_ids"], enc["attention_mask"])


def _held_out(items: list, n_test: int, seed: int, key: str) -> tuple[list, list]:
    """Deterministic split of one group: shuffle with a seed derived from (seed, key), hold out n_test."""
    order = sorted(items)
    random.Random(f"{seed}:{key}").shuffle(order)  # string seeds hash the same in every process
    return order[n_test:], order[:n_test]


def token_task(tokenizer, test_per_group: int = 5, seed: int = 0) -> Task:
    """Classify single-token words into their word group; ``test_per_group`` words per group held out."""
    vocab = tokenizer.get_vocab()
    groups = {g: sorted({w for w in ws if w in vocab}) for g, ws in word_groups().items()}
    groups = {g: ws for g, ws in groups.items() if len(ws) > test_per_group}
    owner: dict[str, str] = {}
    for g, ws in groups.items():  # a word in two groups would be ambiguous: keep its first group only
        for w in ws:
            owner.setdefault(w, g)
    names = list(groups)
    if len(names) < 2:
        raise DistillError("The word-group task needs at least two groups of words in the teacher's vocabulary.")
    train, test = ([], []), ([], [])
    for k, g in enumerate(names):
        words = [w for w in groups[g] if owner[w] == g]
        tr, te = _held_out(words, test_per_group, seed, g)
        train[0].extend(tr); train[1].extend([k] * len(tr))
        test[0].extend(te); test[1].extend([k] * len(te))
    return Task("tokens", names, _encode(tokenizer, *train), _encode(tokenizer, *test))


def read_topics(path=None) -> tuple[list[str], list[str]]:
    """(sentences, labels) from a ``text,label`` CSV (default assets/topics.csv), duplicates dropped."""
    path = path or ASSETS / "topics.csv"
    try:
        with open(path, newline="", encoding="utf-8") as f:
            rows = list(csv.DictReader(f))
    except FileNotFoundError as exc:
        raise DistillError(f"The sentence task's data '{path}' is missing: it should be a text,label CSV.") from exc
    seen, texts, labels = set(), [], []
    for row in rows:
        text, label = (row.get("text") or "").strip(), (row.get("label") or "").strip()
        if text and label and text not in seen:
            seen.add(text); texts.append(text); labels.append(label)
    if len(set(labels)) < 2:
        raise DistillError(f"The sentence task's data '{path}' needs a text,label header and two labels or more.")
    return texts, labels


def sentence_task(tokenizer, test_fraction: float = 0.25, seed: int = 0, path=None) -> Task:
    """Classify sentences by topic; ``test_fraction`` of each label held out."""
    texts, labels = read_topics(path)
    names = sorted(set(labels))
    train, test = ([], []), ([], [])
    for k, name in enumerate(names):
        mine = [t for t, l in zip(texts, labels) if l == name]
        tr, te = _held_out(mine, max(1, round(test_fraction * len(mine))), seed, name)
        train[0].extend(tr); train[1].extend([k] * len(tr))
        test[0].extend(te); test[1].extend([k] * len(te))
    return Task("sentences", names, _encode(tokenizer, *train), _encode(tokenizer, *test))


def unseen_fraction(task: Task, ignore: set[int] = frozenset()) -> float:
    """Share of the held-out inputs' tokens (but ``ignore``, e.g. [CLS]) that no training input contains:
    fine-tuning never moves their embedding rows, so they keep their start."""
    seen = set(task.train.input_ids[task.train.mask.bool()].tolist())
    test = [t for t in task.test.input_ids[task.test.mask.bool()].tolist() if t not in ignore]
    return sum(t not in seen for t in test) / max(1, len(test))


def compact(task: Task) -> tuple[Task, torch.Tensor]:
    """The task with token ids renumbered into the rows it uses, and those rows' original ids (sorted).

    Fine-tuning gives no gradient to rows no input uses, so a student restricted to the used rows trains
    exactly the same, many times faster than with a 30k-row table under Adam.
    """
    keep = torch.unique(torch.cat([task.train.input_ids.flatten(), task.test.input_ids.flatten()]))  # (V',) sorted
    lookup = torch.full((int(keep.max()) + 1,), -1, dtype=torch.long)
    lookup[keep] = torch.arange(len(keep))
    renum = lambda s: Split(s.texts, s.labels, lookup[s.input_ids], s.mask)  # noqa: E731
    return Task(task.name, task.label_names, renum(task.train), renum(task.test)), keep


def load_task(name: str, tokenizer, seed: int = 0) -> Task:
    if name == "tokens":
        return token_task(tokenizer, seed=seed)
    if name == "sentences":
        return sentence_task(tokenizer, seed=seed)
    raise DistillError(f"Unknown downstream task '{name}': choose 'tokens' or 'sentences'.")


# -- the students ----------------------------------------------------------------------------------------------
@dataclass
class DownstreamConfig:
    hidden_size: int = 128              # d_s, as in the lab
    num_hidden_layers: int = 2          # small: a few hundred fine-tuning steps take seconds on a CPU
    variants: tuple[str, ...] = ("distilled", "random")
    tasks: tuple[str, ...] = TASKS
    seeds: int = 3                      # fine-tuning seeds per (task, variant): the spread is shown
    steps: int = 150                    # measured: held-out accuracy levels off within ~60 steps on both tasks
    lr: float = 1e-3                    # Adam, the usual rate for a small BERT trained from its start
    batch_size: int = 32
    eval_every: int = 5                 # the steps-to-target count is exact to this many steps
    distill_target: str = "vocab"       # vocab: the task words' rows are distilled too; sequence: corpus only
    distill_steps: int = 100            # vocab mode on these rows: 1.01 x the Eckart-Young floor after 100 steps (measured)
    distill_subset: int = 3000          # vocab mode: these first rows + every task token (fast on a CPU)
    data_seed: int = 0                  # fixes the held-out split
    device: str = "cpu"

    def validate(self) -> "DownstreamConfig":
        bad = [v for v in self.variants if v not in VARIANTS]
        if bad or not self.variants:
            raise DistillError(f"Choose students among {', '.join(VARIANTS)} (got {', '.join(bad) or 'none'}).")
        if not self.tasks or any(t not in TASKS for t in self.tasks):
            raise DistillError("Choose tasks among 'tokens' and 'sentences'.")
        if self.seeds < 1 or self.steps < 1 or self.batch_size < 1 or self.eval_every < 1:
            raise DistillError("Seeds, steps, batch size and evaluation interval must all be at least 1.")
        check_lr(self.lr)
        return self


@dataclass
class DistilledStart:
    """What an embedding-distillation run hands to the downstream students."""

    state: dict[str, torch.Tensor]      # embedding-module parameters, by name ('word_embeddings.weight', ...)
    ratio: float                        # its final loss / Eckart-Young floor
    steps: int
    mode: str


def task_token_ids(tasks: list[Task]) -> list[int]:
    ids = set()
    for t in tasks:
        for s in (t.train, t.test):
            ids.update(s.input_ids[s.mask.bool()].tolist())
    return sorted(ids)


def distill_start(teacher, cfg: DownstreamConfig, tasks: list[Task], on_snapshot=None, should_stop=None):
    """A fresh, short embedding distillation with the engine; returns the rows it trained."""
    from ..engine import Engine

    dc = DistillConfig(target=cfg.distill_target, hidden_size=cfg.hidden_size, num_hidden_layers=0,
                       steps=cfg.distill_steps, snapshot_every=max(1, cfg.distill_steps // 10), device=cfg.device,
                       probe_size=100)
    targets = None
    if cfg.distill_target == "vocab":
        ids = vocab_ids(teacher, cfg.distill_subset, task_token_ids(tasks))
        targets = vocab_targets(teacher, ids, center=dc.bias)
    engine = Engine(dc, teacher=teacher, targets=targets)
    engine.run(cfg.distill_steps, on_snapshot=on_snapshot, should_stop=should_stop)
    emb = engine.pair.student.embeddings
    # Only what the distillation trained: vocab mode trains the word table alone.
    names = ["word_embeddings.weight"] if cfg.distill_target == "vocab" else [n for n, _ in emb.named_parameters()]
    params = dict(emb.named_parameters())
    state = {n: params[n].detach().cpu().clone() for n in names}
    return DistilledStart(state, engine.latest.ratio, engine.step_count, cfg.distill_target)


class Classifier(nn.Module):
    """Student BertModel + a linear head on the mean of the last hidden states over real tokens."""

    def __init__(self, student: nn.Module, n_labels: int):
        super().__init__()
        self.student = student
        self.head = nn.Linear(student.config.hidden_size, n_labels)

    def forward(self, input_ids: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        h = self.student(input_ids=input_ids, attention_mask=mask).last_hidden_state  # (B, L, d_s)
        m = mask.unsqueeze(-1).to(h.dtype)  # (B, L, 1)
        pooled = (h * m).sum(1) / m.sum(1).clamp_min(1.0)  # (B, d_s)
        return self.head(pooled)  # (B, n_labels)


def make_students(teacher, cfg: DownstreamConfig, n_labels: int, seed: int,
                  start: DistilledStart | None, keep: torch.Tensor | None = None) -> dict[str, Classifier]:
    """One classifier per variant, identical (same seed) except for the embedding start.

    ``keep``: the original ids of the word rows to keep (see ``compact``); None keeps the whole table.
    """
    with seeded(seed):  # other sessions' threads must not draw from torch's RNG in between
        base = Classifier(make_student(teacher, cfg.hidden_size, cfg.num_hidden_layers, "random"), n_labels)
    out = {}
    for v in cfg.variants:
        model = copy.deepcopy(base)
        emb = model.student.embeddings
        if v == "distilled":
            if start is None:
                raise DistillError("The distilled student needs a distillation run first.")
            _load_embedding_rows(emb, start.state)
        elif v == "teacher_pca":
            pca = make_student(teacher, cfg.hidden_size, 0, "teacher_pca").embeddings
            parts = ("word_embeddings", "position_embeddings", "token_type_embeddings")
            _load_embedding_rows(emb, {f"{p}.weight": getattr(pca, p).weight.detach() for p in parts})
        if keep is not None:
            rows = emb.word_embeddings.weight.detach()[keep]  # (V', d_s)
            emb.word_embeddings = nn.Embedding.from_pretrained(rows.clone(), freeze=False)
        out[v] = model
    return out


def _load_embedding_rows(emb: nn.Module, state: dict[str, torch.Tensor]) -> None:
    params = dict(emb.named_parameters())
    with torch.no_grad():
        for name, value in state.items():
            params[name].copy_(value)


# -- fine-tuning -----------------------------------------------------------------------------------------------
@dataclass
class LearningCurve:
    task: str
    variant: str
    seed: int
    steps: list[int] = field(default_factory=list)
    train_loss: list[float] = field(default_factory=list)   # mean training loss since the previous point
    test_loss: list[float] = field(default_factory=list)
    test_acc: list[float] = field(default_factory=list)

    def steps_to(self, accuracy: float) -> int | None:
        """The first evaluated step whose held-out accuracy reaches ``accuracy``, or None."""
        return next((s for s, a in zip(self.steps, self.test_acc) if a >= accuracy), None)


@torch.no_grad()
def evaluate(model: Classifier, split: Split, device) -> tuple[float, float]:
    model.eval()
    logits = model(split.input_ids.to(device), split.mask.to(device))  # (N, n_labels)
    labels = split.labels.to(device)
    model.train()
    loss = nn.functional.cross_entropy(logits, labels)
    return float(loss), float((logits.argmax(-1) == labels).float().mean())


def fine_tune(model: Classifier, task: Task, cfg: DownstreamConfig, seed: int, variant: str,
              on_point=None, should_stop=None) -> LearningCurve:
    """Adam on the whole student + head; a point (held-out loss and accuracy) every ``eval_every`` steps."""
    device = torch.device(cfg.device)
    model.to(device).train()
    gen = torch.Generator().manual_seed(seed)  # the same batches for every variant of a seed
    opt = torch.optim.Adam(model.parameters(), lr=cfg.lr)
    curve = LearningCurve(task.name, variant, seed)
    n = len(task.train.labels)
    order, pos, running = torch.randperm(n, generator=gen), 0, []

    def point(step: int) -> None:
        loss, acc = evaluate(model, task.test, device)
        curve.steps.append(step); curve.test_loss.append(loss); curve.test_acc.append(acc)
        curve.train_loss.append(statistics.fmean(running) if running else loss)
        running.clear()
        if on_point is not None:
            on_point(curve)

    point(0)
    for step in range(1, cfg.steps + 1):
        if should_stop is not None and should_stop():
            break
        if pos + cfg.batch_size > n:
            order, pos = torch.randperm(n, generator=gen), 0
        idx = order[pos : pos + cfg.batch_size]
        pos += cfg.batch_size
        logits = model(task.train.input_ids[idx].to(device), task.train.mask[idx].to(device))  # (b, n_labels)
        loss = nn.functional.cross_entropy(logits, task.train.labels[idx].to(device))
        if not math.isfinite(float(loss.detach())):
            raise DistillError(f"Fine-tuning diverged at step {step}: lower the learning rate and start again.")
        opt.zero_grad(); loss.backward(); opt.step()
        running.append(float(loss.detach()))
        if step % cfg.eval_every == 0 or step == cfg.steps:
            point(step)
    return curve


def phases(cfg: DownstreamConfig, probe: dict | None = None):
    """The run's phases for time estimates (distill_core.evaluation.pace), keyed by the shapes that set their cost."""
    from .pace import Phase

    probe = probe or {}
    out = {}
    if "distilled" in cfg.variants:
        out["distillation"] = Phase(f"downstream.distill|{cfg.distill_target}|d{cfg.hidden_size}|"
                                    f"rows{cfg.distill_subset}", cfg.distill_steps, probe.get("distillation"))
    for t in cfg.tasks:
        out[f"fine-tuning {t}"] = Phase(f"downstream.finetune|{t}|d{cfg.hidden_size}|L{cfg.num_hidden_layers}|"
                                        f"b{cfg.batch_size}|eval{cfg.eval_every}", cfg.seeds * len(cfg.variants) * cfg.steps,
                                        probe.get(f"fine-tuning {t}"))
    return out


def _tick(clock: dict | None, phase: str, units: float, seconds: float) -> None:
    if clock is not None:
        for part, value in (("done", units), ("seconds", seconds)):
            clock.setdefault(part, {})[phase] = clock.get(part, {}).get(phase, 0.0) + value


def run_experiment(teacher, cfg: DownstreamConfig, start: DistilledStart | None = None,
                   on_point=None, should_stop=None, pace=None, clock: dict | None = None
                   ) -> tuple[list[LearningCurve], DistilledStart | None]:
    """Every (task, seed, variant) fine-tuning; a distillation first when a distilled student is asked for.

    ``clock`` is kept up to date with each phase's units done and seconds spent; ``pace`` (a PaceBook) records
    each phase's seconds per step once the whole run has finished."""
    import time

    cfg.validate()
    own = clock if clock is not None else {}
    tasks = [load_task(t, teacher.tokenizer, cfg.data_seed) for t in cfg.tasks]
    if "distilled" in cfg.variants and start is None:
        t0 = time.perf_counter()
        start = distill_start(teacher, cfg, tasks, should_stop=should_stop)
        _tick(own, "distillation", start.steps, time.perf_counter() - t0)
    curves = []
    for task in tasks:
        task, keep = compact(task)
        for seed in range(cfg.seeds):
            for variant, model in make_students(teacher, cfg, len(task.label_names), seed, start, keep).items():
                if should_stop is not None and should_stop():
                    return curves, start
                t0 = time.perf_counter()
                curves.append(fine_tune(model, task, cfg, seed, variant, on_point, should_stop))
                _tick(own, f"fine-tuning {task.name}", cfg.steps, time.perf_counter() - t0)
    if pace is not None:
        for name, ph in phases(cfg).items():
            if own.get("done", {}).get(name):
                pace.record(ph.key, own["seconds"][name], own["done"][name])
    return curves, start


# -- what it showed --------------------------------------------------------------------------------------------
@dataclass
class VariantSummary:
    task: str
    variant: str
    final_acc: list[float]               # per seed, at the last step
    best_acc: list[float]
    steps_to_target: list[int | None]    # per seed

    @property
    def mean_final(self) -> float:
        return statistics.fmean(self.final_acc)

    @property
    def sd_final(self) -> float:
        return statistics.stdev(self.final_acc) if len(self.final_acc) > 1 else 0.0

    @property
    def reached(self) -> int:
        return sum(s is not None for s in self.steps_to_target)

    @property
    def median_steps(self) -> float | None:
        """Median over seeds, counting a seed that never reached the target as slower than any that did."""
        if self.reached * 2 <= len(self.steps_to_target):
            return None
        return statistics.median(s if s is not None else math.inf for s in self.steps_to_target)


def summarize(curves: list[LearningCurve], targets: dict[str, float]) -> list[VariantSummary]:
    """Per (task, variant): final and best held-out accuracy per seed, steps to the task's target accuracy."""
    out: dict[tuple[str, str], VariantSummary] = {}
    for c in curves:
        if not c.test_acc:
            continue
        s = out.setdefault((c.task, c.variant), VariantSummary(c.task, c.variant, [], [], []))
        s.final_acc.append(c.test_acc[-1])
        s.best_acc.append(max(c.test_acc))
        s.steps_to_target.append(c.steps_to(targets.get(c.task, 1.0)))
    return list(out.values())


def findings(summaries: list[VariantSummary], targets: dict[str, float], chance: dict[str, float]) -> list[str]:
    """Plain sentences on what the runs showed, computed from them: each non-random start against random."""
    lines = []
    by = {(s.task, s.variant): s for s in summaries}
    for task in dict.fromkeys(s.task for s in summaries):
        r = by.get((task, "random"))
        for name in ("distilled", "teacher_pca"):
            d = by.get((task, name))
            if d is None or r is None:
                continue
            label = "distilled" if name == "distilled" else "teacher-PCA"
            gap = d.mean_final - r.mean_final
            if abs(gap) < 0.01 or abs(gap) < max(d.sd_final, r.sd_final):
                size = "no clear difference: the gap is within the spread between seeds"
            elif gap > 0:
                size = f"the {label} start ends ahead" + (", by a wide margin" if gap > 0.1 else ", by a small margin")
            else:
                size = "the random start ends ahead"
            line = (f"**{TASK_TITLES.get(task, task)}** (chance {chance.get(task, 0):.0%}): held-out accuracy after "
                    f"fine-tuning {d.mean_final:.0%} ± {d.sd_final:.0%} with the {label} start vs "
                    f"{r.mean_final:.0%} ± {r.sd_final:.0%} with the random one: {size}.")
            if task in targets:
                line += " " + _speed_sentence(d, r, targets[task], len(d.steps_to_target), label)
            lines.append(line)
    return lines


def _speed_sentence(d: VariantSummary, r: VariantSummary, target: float, n: int, label: str) -> str:
    def say(s: VariantSummary) -> str:
        if s.median_steps is None:
            return f"reached it in {s.reached} of {n} seeds"
        return f"needed a median of {s.median_steps:.0f} steps ({s.reached} of {n} seeds reached it)"

    return f"To reach {target:.0%}, the {label} start {say(d)}; the random start {say(r)}."


# -- how long it will take -----------------------------------------------------------------------------------------
def estimate_seconds(teacher, cfg: DownstreamConfig) -> dict[str, float]:
    """Seconds each phase should take on this machine now, from a few timed steps of the real shapes.

    The distillation is timed on two engine steps of its real target set (building that set, once, included);
    fine-tuning on two steps and one evaluation of a student of the chosen size, per task. Costs a few seconds.
    """
    import time

    from ..engine import Engine

    cfg.validate()
    tasks = [load_task(t, teacher.tokenizer, cfg.data_seed) for t in cfg.tasks]
    out = {"distillation": 0.0, "fine-tuning": 0.0}
    if "distilled" in cfg.variants:
        t0 = time.perf_counter()
        dc = DistillConfig(target=cfg.distill_target, hidden_size=cfg.hidden_size, num_hidden_layers=0,
                           steps=cfg.distill_steps, snapshot_every=cfg.distill_steps, device=cfg.device,
                           probe_size=100)
        targets = (vocab_targets(teacher, vocab_ids(teacher, cfg.distill_subset, task_token_ids(tasks)),
                                 center=dc.bias) if cfg.distill_target == "vocab" else None)
        engine = Engine(dc, teacher=teacher, targets=targets)
        build = time.perf_counter() - t0
        t0 = time.perf_counter()
        engine.run(2)
        out["distillation"] = build + (time.perf_counter() - t0) / 2 * cfg.distill_steps
    evals = cfg.steps // cfg.eval_every + 1
    runs = cfg.seeds * len(cfg.variants)
    for task in tasks:
        small, keep = compact(task)
        model = make_students(teacher, replace(cfg, variants=("random",)), len(task.label_names), 0, None,
                              keep)["random"]
        probe = replace(cfg, steps=2, eval_every=10**6)
        t0 = time.perf_counter()
        evaluate(model, small.test, torch.device(cfg.device))
        eval_s = time.perf_counter() - t0
        t0 = time.perf_counter()
        fine_tune(model, small, probe, 0, "timing")  # two steps and two evaluations
        step_s = max(0.0, time.perf_counter() - t0 - 2 * eval_s) / 2
        out[f"fine-tuning {task.name}"] = runs * (cfg.steps * step_s + evals * eval_s)
        out["fine-tuning"] += out[f"fine-tuning {task.name}"]
    out["total"] = out["distillation"] + out["fine-tuning"]
    return out  # per task too: "fine-tuning tokens", "fine-tuning sentences"


def estimate(teacher, cfg: DownstreamConfig, book):
    """The expected duration with its range (distill_core.evaluation.pace): from finished runs of these shapes on
    this server when there are any, else from a few timed steps (``estimate_seconds``), said as such."""
    plan = phases(cfg)
    if any(ph.units and not book.rates(ph.key) for ph in plan.values()):
        probe = estimate_seconds(teacher, cfg)
        per_unit = {n: probe.get(n, 0.0) / plan[n].units for n in plan if plan[n].units}
        plan = phases(cfg, per_unit)
    return book.estimate(plan)
