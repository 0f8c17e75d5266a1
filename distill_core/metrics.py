"""Alignment measures between the teacher's vectors and the projected student's, row for row."""
from __future__ import annotations

import torch
import torch.nn.functional as F


def mean_cosine(a: torch.Tensor, b: torch.Tensor) -> float:
    """Mean over rows of cos(a_i, b_i)."""
    return float(F.cosine_similarity(a.float(), b.float(), dim=-1).mean())


def knn_indices(x: torch.Tensor, k: int) -> torch.Tensor:
    """(n, k) indices of each row's k nearest other rows by cosine similarity."""
    z = F.normalize(x.float(), dim=-1)
    sim = z @ z.T  # (n, d) @ (d, n) -> (n, n)
    sim.fill_diagonal_(-float("inf"))
    return sim.topk(min(k, x.shape[0] - 1), dim=-1).indices


def knn_overlap(teacher: torch.Tensor, student: torch.Tensor, k: int = 10) -> float:
    """Mean fraction of each token's k nearest neighbours (cosine) that the teacher and student agree on."""
    t, s = knn_indices(teacher, k), knn_indices(student, k)
    kk = t.shape[1]
    hits = (t.unsqueeze(-1) == s.unsqueeze(-2)).any(-1).sum(-1)  # (n,)
    return float(hits.float().mean() / kk)
