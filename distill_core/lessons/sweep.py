"""The floor and the cost of a student as functions of its width d_s, and short training runs at several d_s.

The floor needs no training: for targets with singular values sigma (n rows, d_t columns), the best rank-d_s
map reaches sum_{i > d_s} sigma_i^2 / (n d_t) (Eckart-Young). Training runs show how close short runs get.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .experiments import fit_vocab
from ..floor import floor_from_spectrum
from ..targets import TargetSet

SWEEP_DIMS = (8, 16, 32, 64, 128, 256)


def floor_curve(sigma, n: int, d_t: int, dims) -> np.ndarray:
    """The Eckart-Young floor for each d_s in ``dims`` (0 once d_s >= rank of the targets)."""
    return np.array([floor_from_spectrum(sigma, int(d), n, d_t) for d in dims])


def explained_variance(sigma, dims) -> np.ndarray:
    """Share of the (centred) targets' variance that a rank-d_s map can keep: sum_{i <= d_s} sigma_i^2 / total."""
    s2 = np.asarray(sigma, dtype=np.float64) ** 2
    total = s2.sum()
    return np.array([s2[: int(d)].sum() / total for d in dims])


# -- short training runs (a page runs them in labui.bg_job.Job) -----------------------------------------------------------
@dataclass
class SweepResult:
    dims: list[int] = field(default_factory=list)
    reached: list[float] = field(default_factory=list)
    floors: list[float] = field(default_factory=list)


def run_sweep(targets: TargetSet, dims=SWEEP_DIMS, steps: int = 100, on_progress=None, should_stop=None) -> SweepResult:
    """Train one student per d_s on ``targets`` for ``steps`` full-batch steps; reached loss and floor per d_s.

    on_progress(done_steps, total_steps, result_so_far) after every step; should_stop() ends it early.
    """
    result = SweepResult()
    total, base = steps * len(dims), 0
    for d in dims:
        if should_stop is not None and should_stop():
            break

        def tick(step, base=base):
            if on_progress is not None:
                on_progress(base + step, total, result)

        fit = fit_vocab(targets, int(d), steps, every=steps, on_step=tick)
        result.dims.append(int(d))
        result.reached.append(fit.curve.final)
        result.floors.append(fit.curve.floor)
        base += steps
        if on_progress is not None:
            on_progress(base, total, result)
    return result
