"""The run configuration, in BERT's field names where they exist; saved beside a run's results as JSON."""
from __future__ import annotations

import json
from dataclasses import asdict, dataclass, fields
from pathlib import Path

from .errors import DistillError

TARGETS = ("vocab", "sequence")
INITS = ("random", "teacher_pca")
OPTIMIZERS = ("adam", "sgd")
SCHEDULES = ("constant", "linear", "cosine")


@dataclass
class DistillConfig:
    teacher: str = "bundled"            # '' / 'bundled', a local folder, or a hub id
    target: str = "vocab"               # vocab: E_t = word-embedding table; sequence: embedding-layer outputs
    hidden_size: int = 128              # d_s, the student's width (TinyBERT-4L uses 312 for a 768 teacher)
    num_hidden_layers: int = 4          # student depth; embedding distillation trains only its embeddings
    bias: bool = True                   # W_e as nn.Linear with bias; the floor is then computed on centred targets
    init: str = "random"                # random = BERT's N(0, 0.02); teacher_pca = top-d_s principal directions
    optimizer: str = "adam"
    lr: float = 0.03                    # Adam on the bundled teacher: ratio <= 1.05 in ~45 full-batch steps
    betas: tuple[float, float] = (0.8, 0.99)  # Adam; shorter memories than (0.9, 0.999) reach the floor in
                                        # ~30 instead of ~45 full-batch steps on the bundled teacher
    momentum: float = 0.9               # SGD only
    warmup_steps: int = 0
    schedule: str = "constant"          # lr decay after warm-up, over `steps`
    steps: int = 300
    batch_size: int = 0                 # vocab: rows per step, 0 = all (full batch converges far faster
                                        # than row mini-batches with Adam); sequence: sentences per step
    snapshot_every: int = 5
    seed: int = 0
    device: str = "auto"
    vocab_subset: int = 0               # vocab: 0 = all rows, else the first N non-special tokens + probe tokens
    max_length: int = 64                # sequence: WordPiece tokens per sentence, [CLS]/[SEP] included
    text: str = ""                      # sequence: the user's corpus; '' = assets/corpus.txt
    probe_size: int = 500               # probe tokens drawn from the word groups, for plots and kNN overlap
    knn_k: int = 10

    def validate(self) -> "DistillConfig":
        def need(cond: bool, msg: str) -> None:
            if not cond:
                raise DistillError(msg)

        need(self.target in TARGETS, f"Unknown target '{self.target}': choose 'vocab' or 'sequence'.")
        need(self.init in INITS, f"Unknown student init '{self.init}': choose 'random' or 'teacher_pca'.")
        need(self.optimizer in OPTIMIZERS, f"Unknown optimizer '{self.optimizer}': choose 'adam' or 'sgd'.")
        need(self.schedule in SCHEDULES, f"Unknown schedule '{self.schedule}': choose constant, linear or cosine.")
        need(isinstance(self.hidden_size, int) and self.hidden_size > 0,
             f"The student dimension d_s must be a positive whole number, not {self.hidden_size}.")
        need(self.hidden_size <= 8192, f"The student dimension d_s = {self.hidden_size} is too large: use 8192 or less.")
        need(self.num_hidden_layers >= 0, "The number of student layers must be 0 or more.")
        need(self.lr == self.lr and 0 < self.lr < float("inf"),
             f"The learning rate must be a positive number, not {self.lr}.")
        need(self.steps >= 0, f"The number of steps must be 0 or more, not {self.steps}.")
        need(self.batch_size >= 0, f"The batch size must be 0 (all) or more, not {self.batch_size}.")
        need(self.snapshot_every >= 1, f"The snapshot interval must be at least 1 step, not {self.snapshot_every}.")
        need(self.warmup_steps >= 0, "The warm-up must be 0 or more steps.")
        need(self.max_length >= 3, "The maximum sequence length must be at least 3 tokens.")
        need(self.probe_size >= 2, "The probe set needs at least 2 tokens.")
        need(len(self.betas) == 2 and all(0 <= b < 1 for b in self.betas), "Adam's betas must lie in [0, 1).")
        need(self.knn_k >= 1, "k for the kNN overlap must be at least 1.")
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
