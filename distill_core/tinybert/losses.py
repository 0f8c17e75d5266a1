"""TinyBERT's other layer-wise losses (Jiao et al., 2020, eqs. 7-10), next to the embedding loss.

    L_emb    = MSE(E_s W_e, E_t)                                    the embedding layer (m = 0)
    L_hidden = sum_{m=1..L_s} MSE(H_s^m W_h, H_t^{g(m)})            hidden states, uniform map g(m) = m L_t / L_s
    L_attn   = sum_{m=1..L_s} MSE(A_s^m, A_t^{g(m)})                attention maps, padded positions ignored

Attention maps here are the attention probabilities softmax(Q K^T / sqrt(d_k)), as the paper's equation 8
writes them. TinyBERT's released code compares the scores before the softmax instead (with the -10000 of
masked keys zeroed). Scores are defined only up to a constant per query row (softmax ignores it), so an MSE on
scores penalises differences that change nothing the model does; probabilities compare what it attends to.

W_e and W_h: one shared projection (TinyBERT's official code: a single ``fit_dense`` for every layer) or one
per layer, L_s + 1 matrices (its later checkpoints and TextBrewer). Per-layer costs L_s more (d_s, d_t) maps.
"""
from __future__ import annotations

import torch
from torch import nn

from ..errors import DistillError
from ..losses import embedding_mse
from ..student import Projection


def layer_map(student_layers: int, teacher_layers: int) -> list[int]:
    """g(m) for m = 1..L_s: the uniform map m * L_t / L_s (rounded down when L_s does not divide L_t).

    Layer 0 (the embedding output) always maps to 0 and the last student layer to the last teacher layer.
    """
    if student_layers < 1:
        raise DistillError("Hidden-state and attention distillation need a student with at least one layer.")
    if student_layers > teacher_layers:
        raise DistillError(f"The student has {student_layers} layers but the teacher only {teacher_layers}: "
                           "use as many layers as the teacher or fewer.")
    return [m * teacher_layers // student_layers for m in range(1, student_layers + 1)]


def hidden_mse(student: torch.Tensor, teacher: torch.Tensor, mask: torch.Tensor | None = None) -> torch.Tensor:
    """MSE(H_s W_h, H_t) for one mapped layer: ``student`` already projected, (B, L, d_t); ``mask`` (B, L).

    The mean runs over real tokens x d_t, as for the embedding loss (TinyBERT's code also averages padding).
    """
    return embedding_mse(student, teacher, mask)


def attention_mse(student: torch.Tensor, teacher: torch.Tensor, mask: torch.Tensor | None = None) -> torch.Tensor:
    """MSE(A_s, A_t) over heads and real (query, key) pairs; ``student``/``teacher`` (B, H, L, L), ``mask`` (B, L).

    A pair counts only when both its query and its key are real tokens: rows of padded queries are whatever
    the softmax makes of them, and their columns are zero on both sides.
    """
    if student.shape != teacher.shape:
        raise DistillError(f"Attention maps differ in shape ({tuple(student.shape)} vs {tuple(teacher.shape)}): "
                           "the student needs as many attention heads as the teacher.")
    diff2 = (student - teacher).pow(2)  # (B, H, L, L)
    if mask is None:
        return diff2.mean()
    m = mask.to(diff2.dtype)
    pairs = m[:, None, :, None] * m[:, None, None, :]  # (B, 1, L, 1) * (B, 1, 1, L) -> (B, 1, L, L)
    return (diff2 * pairs).sum() / (pairs.sum() * diff2.shape[1]).clamp_min(1.0)


class LayerProjections(nn.Module):
    """W_e (index 0) and W_h^m (m = 1..L_s): one shared (d_s, d_t) map, or one per layer."""

    def __init__(self, d_s: int, d_t: int, student_layers: int, shared: bool = True, bias: bool = True):
        super().__init__()
        self.shared = shared
        n = 1 if shared else student_layers + 1
        self.maps = nn.ModuleList(Projection(d_s, d_t, bias=bias) for _ in range(n))

    def forward(self, h: torch.Tensor, m: int) -> torch.Tensor:
        return self.maps[0 if self.shared else m](h)  # (..., d_s) @ (d_s, d_t) -> (..., d_t)


def tinybert_losses(s_hidden, s_attn, t_hidden, t_attn, projections: LayerProjections,
                    mask: torch.Tensor | None = None) -> dict[str, torch.Tensor]:
    """The three terms, unweighted, summed over mapped layers as TinyBERT does.

    s_hidden: the student's hidden_states, L_s + 1 tensors (B, L, d_s) (index 0: the embedding output).
    s_attn:   the student's attentions, L_s tensors (B, H, L, L).
    t_hidden: the teacher's targets already mapped, L_s + 1 tensors (B, L, d_t): [E_t, H_t^{g(1)}, ...].
    t_attn:   the teacher's attentions already mapped, L_s tensors: [A_t^{g(1)}, ...].
    """
    emb = embedding_mse(projections(s_hidden[0], 0), t_hidden[0], mask)
    hidden = sum(hidden_mse(projections(s_hidden[m], m), t_hidden[m], mask) for m in range(1, len(s_hidden)))
    attn = sum(attention_mse(a_s, a_t, mask) for a_s, a_t in zip(s_attn, t_attn))
    return {"embedding": emb, "hidden": hidden, "attention": attn}


def mapped_teacher(hidden_states, attentions, gmap: list[int]) -> tuple[list, list]:
    """Pick the teacher layers the student is compared with: hidden [0, g(1), ...], attention [g(1)-1, ...]."""
    return [hidden_states[0]] + [hidden_states[g] for g in gmap], [attentions[g - 1] for g in gmap]
