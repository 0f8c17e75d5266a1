"""Pick the compute device: CUDA if present, else Apple's MPS, else CPU (overridable)."""
from __future__ import annotations

import os

import torch

from .config import DEVICES as CHOICES  # declared once, with the device setting
from .errors import DistillError

_BLAS_LIMITED = False


def limit_numpy_blas() -> None:
    """Give numpy's BLAS one thread, once per process (``DISTILL_NUMPY_BLAS_THREADS`` changes the count; 0 leaves it).

    The numpy work here is small (a PCA transform, d_s x d_s eigenproblems, kNN on a few hundred tokens), but an
    OpenBLAS pool of one thread per core keeps spinning for a while after each call, on the cores torch's
    training threads need: on 2 cores that cost the engine about 15% of its steps/s, and the lab's server (whose
    pages call numpy too) about a quarter.
    """
    global _BLAS_LIMITED
    if _BLAS_LIMITED:
        return
    _BLAS_LIMITED = True
    n = int(os.environ.get("DISTILL_NUMPY_BLAS_THREADS", "1"))
    if n <= 0:
        return
    for var in ("OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):  # read by a BLAS loaded later (scipy's own OpenBLAS)
        os.environ.setdefault(var, str(n))
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:  # nothing to limit with: numpy keeps its pool
        return
    threadpool_limits(n, user_api="blas")  # process-wide, kept (not a context)


def resolve_device(name: str = "auto") -> torch.device:
    name = (name or "auto").strip().lower()
    if name not in CHOICES:
        raise DistillError(f"Unknown device '{name}': choose one of {', '.join(CHOICES)}.")
    if name == "auto":
        if torch.cuda.is_available():
            return torch.device("cuda")
        if getattr(torch.backends, "mps", None) is not None and torch.backends.mps.is_available():
            return torch.device("mps")
        return torch.device("cpu")
    if name == "cuda" and not torch.cuda.is_available():
        raise DistillError("Device 'cuda' was asked for but no CUDA GPU is visible: choose 'auto' or 'cpu'.")
    if name == "mps" and not (getattr(torch.backends, "mps", None) and torch.backends.mps.is_available()):
        raise DistillError("Device 'mps' was asked for but Apple's MPS is not available: choose 'auto' or 'cpu'.")
    return torch.device(name)
