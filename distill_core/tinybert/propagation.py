"""A mismatch at the embedding output spreads into the layers above: the teacher's own layers fed E_s W_e.

For each student, the teacher's embedding output E_t = hidden_states[0] is replaced by what the student gives in
its place, E_s W_e, and the teacher's own transformer layers run on it unchanged (forward passes only, no
training). Each layer's hidden states are compared with the teacher's own, over real tokens:

    rel_err_l = ||H'_l - H_l||_F / ||H_l||_F          l = 0 (the embedding output itself) ... L

and the final sentence embedding (the mean of the last hidden states over real tokens, all-MiniLM-L6-v2's own
pooling) by its cosine with the teacher's, averaged over the sentences.

The students: for several d_s, the best any d_s-wide student can give, the rank-d_s optimum of the (centred)
targets (Eckart-Young: what a run that reaches its floor outputs); and an untrained student at its random start
(BERT's N(0, 0.02) tables through its LayerNorm, times a freshly initialised W_e). Feeding E_t itself gives zero
error everywhere: the check that only the input changed.
"""
from __future__ import annotations

from contextlib import contextmanager
from dataclasses import dataclass, field

import torch
from torch import nn

from ..seeding import seeded
from ..student import make_student

DIMS = (8, 32, 128, 256)  # d_s of the students at their floor; the bundled teacher is 384 wide


@dataclass
class Propagation:
    labels: list[str]                      # one per student: "d_s = 8 (at its floor)", ..., "random start"
    rel_error: list[list[float]]           # per student, per layer 0..L: ||H'_l - H_l|| / ||H_l|| over real tokens
    cosine: list[float]                    # per student: mean cosine of the sentence embedding with the teacher's
    sentences: int = 0
    tokens: int = 0
    dims: list[int | None] = field(default_factory=list)  # d_s per student, None for the random start

    @property
    def layers(self) -> list[int]:
        return list(range(len(self.rel_error[0]))) if self.rel_error else []

    def numbers(self) -> dict[str, float]:
        """Flat numbers for tables, JSON and the CLI: the embedding output's error, the last layer's, the cosine."""
        out = {}
        for label, err, cos in zip(self.labels, self.rel_error, self.cosine):
            out[f"{label}: relative error at the embedding output"] = err[0]
            out[f"{label}: relative error after layer {len(err) - 1}"] = err[-1]
            out[f"{label}: sentence-embedding cosine"] = cos
        return out


@contextmanager
def embedding_output_replaced(model: nn.Module, replacement: torch.Tensor):
    """While inside, ``model.embeddings`` returns ``replacement`` (B, L, d_t): everything above it runs as usual."""
    handle = model.embeddings.register_forward_hook(lambda module, args, out: replacement)
    try:
        yield
    finally:
        handle.remove()


@torch.no_grad()
def teacher_hidden(teacher, ids: torch.Tensor, mask: torch.Tensor, types: torch.Tensor,
                   embedding_output: torch.Tensor | None = None) -> tuple[torch.Tensor, ...]:
    """The teacher's hidden states 0..L for a batch; ``embedding_output`` (B, L, d_t) in place of E_t if given."""
    model = teacher.model
    kwargs = dict(input_ids=ids, attention_mask=mask, token_type_ids=types, output_hidden_states=True)
    if embedding_output is None:
        return model(**kwargs).hidden_states
    with embedding_output_replaced(model, embedding_output.to(ids.device)):
        return model(**kwargs).hidden_states


def rank_optimum(E_t: torch.Tensor, mask: torch.Tensor, d_s: int) -> torch.Tensor:
    """The rank-d_s optimum of the centred real-token rows, mean + (E_t - mean) V V^T: the floor's prediction."""
    rows = E_t[mask.bool()].double()                                   # (n, d_t)
    mean = rows.mean(0)
    _, _, Vh = torch.linalg.svd(rows - mean, full_matrices=False)       # Vh: (d_t, d_t)
    V = Vh[:d_s].T                                                      # (d_t, d_s)
    out = ((E_t.double() - mean) @ V) @ V.T + mean                      # (B, L, d_t) @ (d_t, d_s) @ (d_s, d_t)
    return out.to(E_t.dtype)


@torch.no_grad()
def random_start(teacher, ids: torch.Tensor, types: torch.Tensor, d_s: int, seed: int = 0) -> torch.Tensor:
    """E_s W_e of an untrained d_s-wide student: BERT's own init and a fresh nn.Linear W_e (with its bias)."""
    with seeded(seed):
        student = make_student(teacher, d_s, 0, "random").to(ids.device).eval()
        w_e = nn.Linear(d_s, teacher.hidden_size).to(ids.device)
    e_s = student.embeddings(input_ids=ids, token_type_ids=types)       # (B, L, d_s)
    return w_e(e_s)                                                     # (B, L, d_s) @ (d_s, d_t) -> (B, L, d_t)


def _compare(teacher_h, student_h, mask: torch.Tensor) -> tuple[list[float], float]:
    real = mask.bool()
    errs = [float((s[real] - t[real]).norm() / t[real].norm().clamp_min(1e-30)) for t, s in zip(teacher_h, student_h)]
    m = mask.unsqueeze(-1).to(teacher_h[-1].dtype)                     # (B, L, 1)
    pool = lambda h: (h * m).sum(1) / m.sum(1).clamp_min(1.0)           # noqa: E731  (B, L, d_t) -> (B, d_t)
    cos = float(nn.functional.cosine_similarity(pool(student_h[-1]), pool(teacher_h[-1]), dim=-1).mean())
    return errs, cos


@torch.no_grad()
def propagation(teacher, targets, dims: tuple[int, ...] = DIMS, random_dim: int = 128, seed: int = 0,
                include_exact: bool = False, sentences: int | None = None) -> Propagation:
    """Per-layer relative error and the sentence-embedding cosine for each student; ``targets`` is a sequence
    TargetSet (its E_t, ids, mask and token types), of which the first ``sentences`` are used (None: all).
    ``include_exact`` adds E_t itself (zero error: the check that only the input changed)."""
    dev, n = teacher.device, sentences or int(targets.ids.shape[0])
    ids, mask, types = targets.ids[:n].to(dev), targets.mask[:n].to(dev), targets.token_type_ids[:n].to(dev)
    E_t = targets.E_t[:n].to(dev)                                       # (B, L, d_t)
    d_t = E_t.shape[-1]
    reference = teacher_hidden(teacher, ids, mask, types)
    inputs: list[tuple[str, int | None, torch.Tensor]] = []
    if include_exact:
        inputs.append(("E_t itself", d_t, E_t))
    for d in dims:
        if d >= d_t:
            continue
        inputs.append((f"d_s = {d} (at its floor)", d, rank_optimum(E_t, mask, d)))
    inputs.append((f"random start (d_s = {random_dim})", None, random_start(teacher, ids, types, random_dim, seed)))
    result = Propagation([], [], [], sentences=int(ids.shape[0]), tokens=int(mask.sum()))
    for label, d, given in inputs:
        errs, cos = _compare(reference, teacher_hidden(teacher, ids, mask, types, given), mask)
        result.labels.append(label); result.dims.append(d); result.rel_error.append(errs); result.cosine.append(cos)
    return result


def findings(p: Propagation) -> list[str]:
    """What the numbers say, computed from them."""
    lines = []
    floors = [(lab.split(" (")[0], e, c) for lab, d, e, c in zip(p.labels, p.dims, p.rel_error, p.cosine)
              if d is not None and not lab.startswith("E_t")]
    last = len(p.layers) - 1
    if floors:
        lines.append("Students at their floor, the best their width allows, give the teacher's layers inputs "
                     + ", ".join(f"{e[0]:.0%} off ({lab})" for lab, e, _ in floors)
                     + f". After the teacher's {last} layers the hidden states are "
                     + ", ".join(f"{e[-1]:.0%} off" for _, e, _ in floors)
                     + "; the lowest it gets on the way is "
                     + ", ".join(f"{min(e[1:]):.0%}" for _, e, _ in floors)
                     + ". The layers damp a mismatch at their input a little but never remove it: what enters "
                       "wrong leaves wrong.")
        lines.append("The sentence embedding (the mean of the last hidden states) keeps a cosine of "
                     + ", ".join(f"{c:.3f} ({lab})" for lab, _, c in floors)
                     + " with the teacher's: the narrower the student's embedding layer, the less of the teacher's "
                       "sentence meaning its layers can rebuild, even with the teacher's own weights above it.")
    rnd = [(lab, e, c) for lab, d, e, c in zip(p.labels, p.dims, p.rel_error, p.cosine) if d is None]
    if rnd:
        lab, e, c = rnd[0]
        width = lab.split("(")[-1].rstrip(")")
        lines.append(f"An untrained student ({width}, at its random start) gives the layers inputs {e[0]:.0%} off; "
                     f"they end {e[-1]:.0%} off and the sentence embedding's cosine is {c:.3f}: the teacher's layers "
                     "cannot use it at all.")
    lines.append("Forward passes only, the teacher's own weights: only the embedding output changed. This is the "
                 "mechanism behind aligning early; how much a trained student gains from it is what TinyBERT's "
                 "with/without comparison asks.")
    return lines
