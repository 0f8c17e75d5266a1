"""The Eckart-Young floor and the closed-form oracle, checked against brute force on small matrices."""
import itertools

import torch

from distill_core.floor import eckart_young_floor, oracle, pca_basis, spectrum


def brute_force_min(T: torch.Tensor, k: int, center: bool, starts: int = 20, iters: int = 300) -> float:
    """min over E (n,k), W (k,d), b of MSE(E W + b, T) by alternating least squares from many random starts."""
    g = torch.Generator().manual_seed(0)
    best = float("inf")
    b = T.mean(0) if center else torch.zeros(T.shape[1], dtype=T.dtype)
    R = T - b
    for _ in range(starts):
        W = torch.randn(k, T.shape[1], generator=g, dtype=T.dtype)
        for _ in range(iters):
            E = R @ torch.linalg.pinv(W)        # (n, d) @ (d, k) -> (n, k)
            W = torch.linalg.pinv(E) @ R        # (k, n) @ (n, d) -> (k, d)
        best = min(best, float(((E @ W - R) ** 2).mean()))
    return best


def test_floor_matches_brute_force():
    g = torch.Generator().manual_seed(1)
    for n, d, k in [(6, 4, 1), (8, 5, 2), (10, 6, 3)]:
        T = torch.randn(n, d, generator=g, dtype=torch.float64) + 0.5
        for center in (True, False):
            floor = eckart_young_floor(T, k, center)
            brute = brute_force_min(T, k, center)
            assert abs(brute - floor) < 1e-9 + 1e-6 * floor, (n, d, k, center, brute, floor)


def test_no_rank_k_map_beats_the_floor():
    g = torch.Generator().manual_seed(2)
    T = torch.randn(12, 5, generator=g, dtype=torch.float64)
    floor = eckart_young_floor(T, 2, center=False)
    for _ in range(200):
        E, W = torch.randn(12, 2, generator=g, dtype=torch.float64), torch.randn(2, 5, generator=g, dtype=torch.float64)
        # the best E for this W (least squares) is still no better than the floor
        E = T @ torch.linalg.pinv(W)
        assert float(((E @ W - T) ** 2).mean()) >= floor - 1e-12


def test_floor_uses_coordinate_subsets_as_upper_bound():
    """Keeping any k of the d columns exactly is a rank-k solution: the floor is at most its error."""
    g = torch.Generator().manual_seed(3)
    T = torch.randn(9, 4, generator=g, dtype=torch.float64)
    floor = eckart_young_floor(T, 2, center=False)
    for cols in itertools.combinations(range(4), 2):
        rest = [c for c in range(4) if c not in cols]
        err = float((T[:, rest] ** 2).sum() / T.numel())
        assert floor <= err + 1e-12


def test_oracle_reaches_the_floor_and_has_the_right_shapes():
    g = torch.Generator().manual_seed(4)
    T = torch.randn(50, 12, generator=g, dtype=torch.float64) * torch.linspace(3, 0.1, 12) + 2.0
    for center in (True, False):
        o = oracle(T, 4, center)
        assert o.E_s.shape == (50, 4) and o.W_e.shape == (4, 12) and o.b.shape == (12,)
        assert abs(o.mse - eckart_young_floor(T, 4, center)) < 1e-12
    # centring can only help when a bias is allowed
    assert eckart_young_floor(T, 4, True) <= eckart_young_floor(T, 4, False)


def test_floor_is_zero_at_full_rank_and_falls_with_rank():
    T = torch.randn(30, 8, generator=torch.Generator().manual_seed(5), dtype=torch.float64)
    floors = [eckart_young_floor(T, k, True) for k in range(9)]
    assert floors[-1] < 1e-20 and floors[-2] > 0
    assert all(a >= b for a, b in zip(floors, floors[1:]))
    assert abs(floors[0] - float(((T - T.mean(0)) ** 2).mean())) < 1e-12


def test_pca_basis_spans_the_top_directions():
    T = torch.randn(40, 6, generator=torch.Generator().manual_seed(6), dtype=torch.float64) * torch.tensor([5, 4, 3, .2, .1, .05])
    mean, V = pca_basis(T, 3)
    residual = (T - mean) - (T - mean) @ V @ V.T
    assert abs(float((residual ** 2).mean()) - eckart_young_floor(T, 3, True)) < 1e-12
    assert torch.allclose(spectrum(T, True), torch.linalg.svdvals(T - T.mean(0)))
