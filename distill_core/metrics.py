"""Alignment measures between the teacher's vectors and the projected student's, row for row, and the
student's spectrum sigma(E_s W_e) from a small Gram matrix."""
from __future__ import annotations

import numpy as np
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


class GramSpectrum:
    """sigma(E W) for a tall E (n, d_s), without ever holding E: rows arrive in chunks, only the (d_s, d_s) Gram
    matrix E^T E and the column sums are kept.

    With E = U S V^T, E^T E = V S^2 V^T and E W = U (S V^T W), so sigma(E W) = sigma(S V^T W): a (d_s, d_t)
    SVD instead of an (n, d_t) one or a QR of the (n, d_s) matrix. Centred (a bias on W_e): E_c^T E_c =
    E^T E - n mu mu^T with mu the column means. Float64 throughout: the Gram squares E's condition number, so
    singular values below ~1e-7 of the largest are not resolved (they are not on any plot either)."""

    def __init__(self, d_s: int, centered: bool):
        self.gram = torch.zeros(d_s, d_s, dtype=torch.float64)
        self.total = torch.zeros(d_s, dtype=torch.float64)
        self.rows, self.centered = 0, centered

    def add(self, e: torch.Tensor) -> None:
        e = e.detach().to("cpu", torch.float64)  # (c, d_s)
        self.gram += e.T @ e                      # (d_s, c) @ (c, d_s) -> (d_s, d_s)
        self.total += e.sum(0)
        self.rows += e.shape[0]

    def singular_values(self, W: torch.Tensor) -> torch.Tensor:
        """sigma(E W), descending, float64; W (d_s, d_t)."""
        G = self.gram.numpy()
        if self.centered and self.rows:
            mu = self.total.numpy() / self.rows
            G = G - self.rows * np.outer(mu, mu)
        lam, V = np.linalg.eigh(G)                        # ascending; G is symmetric PSD up to rounding
        A = (V * np.sqrt(np.clip(lam, 0, None))).T @ W.detach().to("cpu", torch.float64).numpy()  # (d_s, d_t)
        return torch.from_numpy(singular_values(A))


def singular_values(M) -> np.ndarray:
    """Singular values of a small matrix, descending, float64, as sqrt(eig(M M^T)) on its short side: absolute error
    ~1e-8 of the largest. numpy's LAPACK, not torch's: on a busy 2-core machine torch's eigh/svd of a 128 x 384
    matrix took 0.1-0.6 s (its threads spin against other work), numpy's a few ms."""
    M = M.detach().to("cpu", torch.float64).numpy() if isinstance(M, torch.Tensor) else np.asarray(M, np.float64)
    short = M @ M.T if M.shape[0] <= M.shape[1] else M.T @ M  # (k, k), k = min(M.shape)
    return np.sqrt(np.clip(np.linalg.eigvalsh(short)[::-1], 0, None))
