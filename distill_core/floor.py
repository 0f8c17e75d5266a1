"""The Eckart-Young floor and the closed-form optimum.

Stack the target rows as T (n, d_t). E_s W_e has rank <= d_s, so (Eckart & Young, 1936)

    MSE(E_s W_e, T) >= sum_{i > d_s} sigma_i(T)^2 / (n d_t),

and with a bias b the same holds for T centred on its column means. In the vocabulary mode every row of E_s
is free, so the bound is reached: E_s* = U_k S_k, W_e* = V_k^T, b* = mean (the oracle below).
"""
from __future__ import annotations

from dataclasses import dataclass

import torch


def target_matrix(targets: torch.Tensor, mask: torch.Tensor | None = None) -> torch.Tensor:
    """The real target rows as one (n, d_t) float64 matrix (padding dropped)."""
    t = targets.reshape(-1, targets.shape[-1])
    if mask is not None:
        t = t[mask.reshape(-1).bool()]
    return t.detach().to("cpu", torch.float64)


def spectrum(T: torch.Tensor, center: bool) -> torch.Tensor:
    """Singular values of T (centred on column means when W_e has a bias), descending, float64."""
    T = T.to(torch.float64)
    if center:
        T = T - T.mean(0, keepdim=True)
    return torch.linalg.svdvals(T)


def floor_from_spectrum(sigma: torch.Tensor, rank: int, n: int, d_t: int) -> float:
    """sum_{i > rank} sigma_i^2 / (n d_t): the least MSE any rank-`rank` map can reach."""
    return float((sigma[rank:] ** 2).sum() / (n * d_t))


def eckart_young_floor(T: torch.Tensor, rank: int, center: bool = True) -> float:
    n, d_t = T.shape
    return floor_from_spectrum(spectrum(T, center), rank, n, d_t)


@dataclass
class Oracle:
    E_s: torch.Tensor   # (n, d_s)
    W_e: torch.Tensor   # (d_s, d_t)
    b: torch.Tensor     # (d_t,)  zeros without bias
    mse: float


def oracle(T: torch.Tensor, rank: int, center: bool = True) -> Oracle:
    """The closed-form optimum of min ||E_s W_e + b - T||^2 over E_s (n, rank), W_e (rank, d_t), b."""
    T = T.to(torch.float64)
    b = T.mean(0) if center else torch.zeros(T.shape[1], dtype=T.dtype)
    U, S, Vh = torch.linalg.svd(T - b, full_matrices=False)
    E_s = U[:, :rank] * S[:rank]          # (n, k)
    W_e = Vh[:rank]                       # (k, d_t)
    mse = float(((E_s @ W_e + b - T) ** 2).mean())  # (n, k) @ (k, d_t) -> (n, d_t)
    return Oracle(E_s=E_s, W_e=W_e, b=b, mse=mse)


def pca_basis(table: torch.Tensor, rank: int) -> tuple[torch.Tensor, torch.Tensor]:
    """(mean (d_t,), V (d_t, rank)): the top-`rank` principal directions of a teacher table."""
    table = table.detach().to("cpu", torch.float64)
    mean = table.mean(0)
    _, _, Vh = torch.linalg.svd(table - mean, full_matrices=False)
    return mean, Vh[:rank].T
