"""TinyBERT-style layer-wise distillation: embedding + hidden-state + attention losses, each logged on its own.

The teacher runs once over the corpus (every layer this time: hidden states and attentions are the targets),
in eval() and without gradients; only the layers the uniform map g(m) picks are kept. The student is a real
BertModel with the teacher's head count (attention maps are compared head by head) and is trained whole,
with W_e / W_h, on the weighted sum of the terms. It exports through ``save_pretrained``.
"""
from __future__ import annotations

import copy
import hashlib
import json
import math
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

import torch

from ..assets import default_corpus, read_user_text
from ..cache import BoundedCache
from ..config import check_lr
from ..device import resolve_device
from ..errors import DistillError, DivergedError
from ..seeding import seeded
from ..student import student_config
from ..targets import tokenize
from ..params import projection_parameter_count
from .losses import LayerProjections, layer_map, mapped_teacher, tinybert_losses

TERMS = ("embedding", "hidden", "attention")


@dataclass
class TinyBertConfig:
    hidden_size: int = 96               # d_s; a multiple of the teacher's head count (12 for all-MiniLM-L6-v2)
    num_hidden_layers: int = 2          # L_s; g(m) = m * L_t / L_s picks teacher layers 3 and 6 of 6
    shared_projection: bool = True      # one W for every layer (TinyBERT's code) or one per layer
    weights: dict = field(default_factory=lambda: {"embedding": 1.0, "hidden": 1.0, "attention": 1.0})
    lr: float = 1e-3                    # Adam; the whole student is trained from BERT's random init
    batch_size: int = 32
    steps: int = 200
    max_length: int = 32                # tokens per sentence: the teacher's targets are kept in memory
    text: str = ""                      # '' = assets/corpus.txt
    seed: int = 0
    device: str = "cpu"

    def validate(self, heads: int) -> "TinyBertConfig":
        if self.hidden_size < 1 or self.hidden_size % heads:
            raise DistillError(f"The student dimension d_s = {self.hidden_size} must be a multiple of the teacher's "
                               f"{heads} attention heads, so attention maps compare head by head.")
        check_lr(self.lr)
        if self.steps < 0 or self.batch_size < 1 or self.max_length < 3:
            raise DistillError("Steps must be 0 or more, the batch at least 1 and the length at least 3 tokens.")
        if any(k not in TERMS or not (v >= 0) for k, v in self.weights.items()) or not any(self.weights.values()):
            raise DistillError("Loss weights must be 0 or more for embedding, hidden and attention, one of them > 0.")
        return self


@dataclass
class LossPoint:
    step: int
    embedding: float
    hidden: float
    attention: float
    total: float                        # the weighted sum that is minimised
    lr: float
    elapsed: float


@dataclass
class TeacherTargets:
    input_ids: torch.Tensor             # (N, L)
    mask: torch.Tensor                  # (N, L)
    token_type_ids: torch.Tensor        # (N, L)
    hidden: list[torch.Tensor]          # L_s + 1 of (N, L, d_t): [E_t, H_t^{g(1)}, ...]
    attention: list[torch.Tensor]       # L_s of (N, H, L, L): [A_t^{g(1)}, ...]
    gmap: list[int]


@torch.no_grad()
def teacher_targets(teacher, sentences: list[str], gmap: list[int], max_length: int, chunk: int = 64):
    enc = tokenize(teacher.tokenizer, sentences, max_length)
    dev = teacher.device
    model = eager_view(teacher.model)  # never the shared teacher's own attention setting
    hidden, attn = [], []
    for start in range(0, len(sentences), chunk):
        sl = slice(start, start + chunk)
        out = model(input_ids=enc["input_ids"][sl].to(dev), attention_mask=enc["attention_mask"][sl].to(dev),
                            token_type_ids=enc["token_type_ids"][sl].to(dev), output_hidden_states=True,
                            output_attentions=True)
        if out.attentions is None or len(out.attentions) == 0:
            raise DistillError("This teacher does not return attention maps: load it with eager attention.")
        h, a = mapped_teacher(out.hidden_states, out.attentions, gmap)
        hidden.append([x.float() for x in h]); attn.append([x.float() for x in a])
    cat = lambda parts, i: torch.cat([p[i] for p in parts])  # noqa: E731
    return TeacherTargets(enc["input_ids"].to(dev), enc["attention_mask"].to(dev), enc["token_type_ids"].to(dev),
                          [cat(hidden, i) for i in range(len(gmap) + 1)], [cat(attn, i) for i in range(len(gmap))],
                          gmap)


_CACHE = BoundedCache(2)


def cached_teacher_targets(teacher, sentences: list[str], gmap: list[int], max_length: int) -> TeacherTargets:
    """``teacher_targets`` kept for the last two (teacher, corpus, map, length): the teacher's forward pass over
    the corpus is the slow part of a start, and the targets are read-only."""
    key = _cache_key(teacher, sentences, gmap, max_length)
    # The entry holds the model, so its id cannot be reused by another model while the entry lives.
    return _CACHE.get_or_build(key, lambda: (teacher.model, teacher_targets(teacher, sentences, gmap, max_length)))[1]


def _cache_key(teacher, sentences: list[str], gmap: list[int], max_length: int) -> tuple:
    digest = hashlib.sha1("\n".join(sentences).encode()).hexdigest()
    return id(teacher.model), digest, tuple(gmap), max_length


def targets_cached(teacher, sentences: list[str], gmap: list[int], max_length: int) -> bool:
    """Whether ``cached_teacher_targets`` would answer at once (used to say how long a start will take)."""
    return _cache_key(teacher, sentences, gmap, max_length) in _CACHE


_EAGER = BoundedCache(1)  # one view at a time; the entry holds its model, so the id cannot be reused


def eager_view(model):
    """The model, or a copy sharing its weights, that runs the eager attention path (sdpa returns no maps).

    The teacher is shared read-only by every session: switching its own attention implementation would change
    what every other user's forward passes run. The copy gets its own config and module tree, but its
    parameters and buffers are the teacher's tensors (deepcopy's memo maps each to itself): no extra weights.
    """
    if getattr(model.config, "_attn_implementation", "eager") == "eager":
        return model

    def build():
        shared = {id(t): t for t in (*model.parameters(), *model.buffers())}
        view = copy.deepcopy(model, shared)
        view.set_attn_implementation("eager")
        return model, view

    return _EAGER.get_or_build(id(model), build)[1]


def make_tinybert_student(teacher, hidden_size: int, num_hidden_layers: int):
    from transformers import BertModel

    cfg = student_config(teacher.config, hidden_size, num_hidden_layers)
    cfg.num_attention_heads = teacher.config.num_attention_heads  # compare attention head by head
    cfg._attn_implementation = "eager"
    return BertModel(cfg, add_pooling_layer=False)


class TinyBertTrainer:
    """Step-wise like the engine: ``run(n)``, ``history`` of LossPoint, ``reset()``, ``export(folder)``."""

    def __init__(self, config: TinyBertConfig, teacher, sentences: list[str] | None = None,
                 targets: TeacherTargets | None = None):
        """``targets``: the teacher's, already computed for this layer map (else computed and cached)."""
        self.config, self.teacher = config, teacher
        config.validate(int(teacher.config.num_attention_heads))
        self.device = resolve_device(config.device)
        self.gmap = layer_map(config.num_hidden_layers, int(teacher.config.num_hidden_layers))
        if targets is None:
            if sentences is None:
                sentences = read_user_text(config.text) if config.text else list(default_corpus())
            targets = cached_teacher_targets(teacher, sentences, self.gmap, config.max_length)
        self.targets = targets
        self.reset()

    def reset(self) -> None:
        cfg = self.config
        self.generator = torch.Generator().manual_seed(cfg.seed)
        with seeded(cfg.seed):  # other sessions' threads must not draw from torch's RNG in between
            self.student = make_tinybert_student(self.teacher, cfg.hidden_size, cfg.num_hidden_layers)
            self.projections = LayerProjections(cfg.hidden_size, self.teacher.hidden_size, cfg.num_hidden_layers,
                                                cfg.shared_projection)
        # Dropout off: each logged loss is then a function of the parameters alone.
        self.student.to(self.device).eval(); self.projections.to(self.device)
        params = list(self.student.parameters()) + list(self.projections.parameters())
        self.optimizer = torch.optim.Adam(params, lr=cfg.lr)
        self.step_count, self.elapsed, self.history = 0, 0.0, []

    @property
    def done(self) -> bool:
        return self.step_count >= self.config.steps

    def projection_parameters(self) -> int:
        return sum(p.numel() for p in self.projections.parameters())

    def expected_projection_parameters(self) -> int:
        c = self.config
        return projection_parameter_count(c.hidden_size, self.teacher.hidden_size, c.num_hidden_layers,
                                          c.shared_projection)

    def losses(self, idx: torch.Tensor) -> dict[str, torch.Tensor]:
        tg = self.targets
        ids, mask = tg.input_ids[idx].to(self.device), tg.mask[idx].to(self.device)
        out = self.student(input_ids=ids, attention_mask=mask, token_type_ids=tg.token_type_ids[idx].to(self.device),
                           output_hidden_states=True, output_attentions=True)
        t_hidden = [h[idx].to(self.device) for h in tg.hidden]  # (b, L, d_t) each
        t_attn = [a[idx].to(self.device) for a in tg.attention]  # (b, H, L, L) each
        terms = tinybert_losses(out.hidden_states, out.attentions, t_hidden, t_attn, self.projections, mask)
        terms["total"] = sum(self.config.weights.get(k, 0.0) * terms[k] for k in TERMS)
        return terms

    def train_step(self) -> LossPoint:
        n = self.targets.input_ids.shape[0]
        idx = torch.randperm(n, generator=self.generator)[: self.config.batch_size]
        t0 = time.perf_counter()
        terms = self.losses(idx)
        total = float(terms["total"].detach())
        if not math.isfinite(total):
            raise DivergedError(f"The loss became {total} at step {self.step_count + 1}: lower the learning rate "
                                f"(try {self.config.lr / 10:g}) and start again.")
        self.optimizer.zero_grad(set_to_none=False)
        terms["total"].backward()
        self.optimizer.step()
        self.step_count += 1
        self.elapsed += time.perf_counter() - t0
        vals = {k: float(terms[k].detach()) for k in TERMS}
        return LossPoint(self.step_count, **vals, total=total, lr=self.config.lr, elapsed=self.elapsed)

    def run(self, n_steps: int, on_point=None, should_stop=None) -> list[LossPoint]:
        """Up to ``n_steps`` steps, never past config.steps; each step's terms (of its batch) are logged."""
        new = []
        for _ in range(n_steps):
            if self.done or (should_stop is not None and should_stop()):
                break
            point = self.train_step()
            self.history.append(point); new.append(point)
            if on_point is not None:
                on_point(point)
        return new

    def export(self, folder: str | Path) -> Path:
        """The student via ``save_pretrained`` (loadable by AutoModel), its tokenizer, W_e / W_h and the config."""
        from safetensors.torch import save_file

        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        self.student.save_pretrained(folder, safe_serialization=True)
        self.teacher.tokenizer.save_pretrained(folder)
        maps = {}
        for i, p in enumerate(self.projections.maps):
            name = "W" if self.projections.shared else ("W_e" if i == 0 else f"W_h{i}")
            maps[name] = p.W_e.detach().cpu().contiguous()  # (d_s, d_t)
            if p.linear.bias is not None:
                maps[f"{name}.bias"] = p.linear.bias.detach().cpu().clone()
        save_file(maps, str(folder / "projections.safetensors"),
                  metadata={"layout": "each W is (d_s, d_t): y = x @ W + bias; 'W' alone = one shared map"})
        info = asdict(self.config) | {"layer_map": self.gmap, "teacher_name": self.teacher.name,
                                      "history": [asdict(p) for p in self.history]}
        (folder / "tinybert_run.json").write_text(json.dumps(info, indent=2))
        return folder
