"""Pick the compute device: CUDA if present, else Apple's MPS, else CPU (overridable)."""
from __future__ import annotations

import torch

from .config import DEVICES as CHOICES  # declared once, with the device setting
from .errors import DistillError


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
