"""The run configuration, in BERT's field names where they exist; saved beside a run's results as JSON.

Each field is declared once, with what every surface needs to show it (``setting``): the CLI's parser
(``cli.build_parser``), the lab's sidebar widgets and URL (``labui/lab_controls.py``) and the public caps
(``public.Limits``) are all generated from these declarations, so a new setting is one line here.
"""
from __future__ import annotations

import json
import math
from dataclasses import MISSING, asdict, dataclass, field, fields
from pathlib import Path

from .errors import DistillError

TARGETS = ("vocab", "sequence", "output")  # output: Model2Vec's target, the whole teacher per token (output_target.py)
INITS = ("random", "teacher_pca")
OPTIMIZERS = ("adam", "sgd")
SCHEDULES = ("constant", "linear", "cosine")
DEVICES = ("auto", "cpu", "cuda", "mps")
SECTIONS = ("Experiment", "Optimisation", "Sizes")   # the lab's sidebar, in this order


def setting(default, label: str = "", help: str = "", **surfaces):
    """A config field and its metadata. Surfaces (all optional):
    url: the name in the lab's links (and a sidebar widget in ``section``); flag: the CLI option;
    choices / names: allowed values and how the widget shows them; widget: 'radio' for a choice shown as one;
    min: the smallest valid value (CLI and validation); widget_min: the widget's own, where it differs;
    step / format: the number widget's; cap: the largest value on a public lab (``public.Limits``), with
    noun: the words a refusal uses; check: a function value -> value that raises DistillError."""
    return field(default=default, metadata={"label": label, "help": help, **surfaces})


def check_lr(lr: float) -> float:
    """The one learning-rate check (config, CLI, engine mid-run, downstream and TinyBERT runs)."""
    if not (isinstance(lr, (int, float)) and math.isfinite(lr) and lr > 0):
        raise DistillError(f"The learning rate must be a positive number, not {lr}.")
    return float(lr)


@dataclass
class DistillConfig:
    teacher: str = setting(                     # '' / 'bundled', a local folder, or a hub id
        "bundled", "Teacher", "'bundled' = all-MiniLM-L6-v2 (d_t = 384); or a local folder with config.json and "
        "safetensors; or a hub id such as bert-base-uncased.", url="teacher", flag="--teacher", section="Experiment")
    target: str = setting(                      # vocab: E_t = word-embedding table; sequence: embedding-layer outputs
        "vocab", "Target", "vocabulary table (vocab): E_t = the teacher's word-embedding rows. embedding-layer output "
        "(sequence): E_t = LayerNorm(word + position + token type) over the sentences of a text. whole-teacher output "
        "(output): E_t = each "
        "token's mean-pooled last hidden state of the whole teacher (the target of Model2Vec, a method that makes a "
        "small static table from these outputs; computed once, minutes, then cached on disk).", url="target",
        flag="--target", choices=TARGETS,
        names={"vocab": "vocabulary table", "sequence": "embedding-layer output", "output": "whole-teacher output"},
        widget="radio",
        section="Experiment")
    hidden_size: int = setting(                 # d_s, the student's width (TinyBERT-4L uses 312 for a 768 teacher)
        128, "Student dimension d_s", "The width of the student's embeddings; W_e lifts them from d_s to the "
        "teacher's d_t.", url="d_s", flag="--student-dim", min=1, step=8, section="Experiment",
        widget_min=None,                        # so that 0 or -1 from a link reach validate() and its sentence
        cap=384, noun="the student dimension d_s")  # public: up to the bundled teacher's own width d_t
    num_hidden_layers: int = setting(           # student depth; embedding distillation trains only its embeddings
        4, "Student layers", "Transformer layers of the student BertModel.", flag="--layers", min=0,
        cap=4, noun="the number of student layers")  # public: never trained here, only allocated
    bias: bool = setting(                       # W_e as nn.Linear with bias; the floor then uses centred targets
        True, "W_e has a bias", "Without a bias the floor is computed on uncentred targets.", url="bias",
        flag="--no-bias", section="Experiment")
    init: str = setting(                        # random = BERT's N(0, 0.02); teacher_pca = top-d_s principal directions
        "random", "Student init", url="init", flag="--init", choices=INITS,
        names={"random": "random N(0, 0.02)", "teacher_pca": "teacher PCA"}, section="Experiment")
    optimizer: str = setting(
        "adam", "Optimizer", url="optimizer", flag="--optimizer", choices=OPTIMIZERS,
        names={"adam": "Adam", "sgd": "Sgd"}, section="Optimisation")
    lr: float = setting(                        # Adam on the bundled teacher: ratio <= 1.05 in ~45 full-batch steps
        0.03, "Learning rate", "Changeable mid-run in the lab: applied from the next step.", url="lr", flag="--lr",
        check=check_lr, widget_min=0.0, step=0.005, format="%.4f", section="Optimisation")
    betas: tuple[float, float] = (0.8, 0.99)    # Adam; shorter memories than (0.9, 0.999) reach the floor in
                                                # ~30 instead of ~45 full-batch steps on the bundled teacher
    momentum: float = 0.9                       # SGD only
    warmup_steps: int = setting(0, "Warm-up steps", flag="--warmup-steps", min=0)
    schedule: str = setting(                    # lr decay after warm-up, over `steps`. Cosine: at a constant 0.03
        "cosine", "Schedule", flag="--schedule", choices=SCHEDULES)  # Adam near the optimum kicked the loss
                                                # from 1.01x to 1.11x the floor at step 85 on the bundled teacher
    stop_tol: float = setting(                  # the defaults converge near step 85 (1.005x the floor) of 300
        0.003, "Stop when converged", "End the run once the loss fell by less than this fraction over the last "
        "20 steps (0 = run every step).", url="stop_tol", flag="--stop-tol", min=0.0, step=0.001, format="%.3f",
        section="Optimisation")
    steps: int = setting(
        300, "Steps", "Optimisation steps in one run.", url="steps", flag="--steps", min=0, widget_min=1, step=50,
        section="Optimisation", cap=1000, noun="the number of steps")  # public: ratio ~1.05 in ~30 steps
    batch_size: int = setting(                  # vocab: rows per step, 0 = all (full batch converges far faster
        0, "Batch size (0 = all)",              # than row mini-batches with Adam); sequence: sentences per step
        "Target rows (vocabulary) or sentences (sequence) per step.", url="batch_size", flag="--batch-size", min=0,
        step=256, section="Optimisation", cap=8192, noun="the batch size")  # public: 0 (all) stays allowed
    snapshot_every: int = setting(
        5, "Snapshot every", "Steps between two snapshots (the plots' points).", url="snapshot_every",
        flag="--snapshot-every", min=1, step=1, section="Optimisation")
    seed: int = setting(0, "Seed", url="seed", flag="--seed", widget_min=0, step=1, section="Optimisation")
    device: str = setting("auto", "Device", url="device", flag="--device", choices=DEVICES, section="Optimisation")
    vocab_subset: int = setting(                # vocab: 0 = all rows, else the first N non-special tokens + probes
        0, "Vocabulary rows (0 = all)", "Train on the first N rows (plus the probe tokens) for quicker experiments.",
        url="vocab_subset", flag="--vocab-subset", min=0, step=1000, section="Sizes")
    max_length: int = setting(                  # sequence: WordPiece tokens per sentence, [CLS]/[SEP] included
        64, "Sequence length", flag="--max-length", min=3, cap=128, noun="the sequence length")
    text: str = setting(                        # sequence: the user's corpus; '' = assets/corpus.txt
        "", "Text file", "sequence: a UTF-8 .txt, one sentence per line.", flag="--text-file", file=True)
    probe_size: int = setting(                  # probe tokens drawn from the word groups, for plots and kNN overlap
        500, "Probe tokens on the map", "Tokens drawn on the map.", url="probe_size", flag="--probe-size", min=2,
        step=50, section="Sizes", cap=1000, noun="the number of probe tokens")
    knn_k: int = 10

    def validate(self) -> "DistillConfig":
        def need(cond: bool, msg: str) -> None:
            if not cond:
                raise DistillError(msg)

        for f in declared(type(self)):  # choices and smallest values, as declared
            value, meta = getattr(self, f.name), f.metadata
            if "choices" in meta:
                need(value in meta["choices"], f"Unknown {meta['label'].lower()} '{value}': choose "
                     + ", ".join(f"'{c}'" for c in meta["choices"]) + ".")
        need(isinstance(self.hidden_size, int) and self.hidden_size > 0,
             f"The student dimension d_s must be a positive whole number, not {self.hidden_size}.")
        need(self.hidden_size <= 8192, f"The student dimension d_s = {self.hidden_size} is too large: use 8192 or less.")
        check_lr(self.lr)
        need(self.steps >= 0, f"The number of steps must be 0 or more, not {self.steps}.")
        need(self.batch_size >= 0, f"The batch size must be 0 (all) or more, not {self.batch_size}.")
        need(self.snapshot_every >= 1, f"The snapshot interval must be at least 1 step, not {self.snapshot_every}.")
        need(self.max_length >= 3, "The maximum sequence length must be at least 3 tokens.")
        need(self.probe_size >= 2, "The probe set needs at least 2 tokens.")
        for f in declared(type(self)):
            low = f.metadata.get("min")
            need(low is None or getattr(self, f.name) >= low,
                 f"{f.metadata['label']} must be {low} or more, not {getattr(self, f.name)}.")
        need(len(self.betas) == 2 and all(0 <= b < 1 for b in self.betas), "Adam's betas must lie in [0, 1).")
        need(self.knn_k >= 1, "k for the kNN overlap must be at least 1.")
        need(math.isfinite(self.stop_tol) and 0 <= self.stop_tol < 1,
             f"Stop when converged must be a fraction from 0 (off) to below 1, not {self.stop_tol}.")
        return self

    def to_dict(self) -> dict:
        return asdict(self)

    def save(self, path: str | Path) -> None:
        Path(path).write_text(json.dumps(self.to_dict(), indent=2))

    @classmethod
    def from_dict(cls, data: dict) -> "DistillConfig":
        names = {f.name for f in fields(cls)}
        kept = {k: v for k, v in data.items() if k in names}
        if "betas" in kept:
            kept["betas"] = tuple(kept["betas"])
        return cls(**kept)


def declared(cls=DistillConfig, surface: str | None = None) -> list:
    """The fields declared with ``setting``, in order; with a surface ('url', 'flag', 'cap'), those shown there."""
    return [f for f in fields(cls) if f.metadata and (surface is None or f.metadata.get(surface) is not None)]


def default(f):
    """A field's default value."""
    return f.default if f.default is not MISSING else f.default_factory()
