"""Data-parallel runs under ``torchrun``: gloo on CPU, nccl on CUDA; rank 0 writes the outputs.

The engine splits each batch across processes and averages gradients (engine._average_gradients), which with
equal shards is the same step a single process would take on the whole batch.
"""
from __future__ import annotations

import os

import torch

from .device import resolve_device


def setup(device: str = "auto") -> tuple[int, int, str]:
    """(rank, world size, device string); starts the process group when launched by torchrun."""
    world = int(os.environ.get("WORLD_SIZE", "1"))
    launched = "TORCHELASTIC_RUN_ID" in os.environ  # set by torchrun, even for one process
    if world <= 1 and not launched:
        return 0, 1, str(resolve_device(device))
    dev = resolve_device(device)
    backend = "nccl" if dev.type == "cuda" else "gloo"
    if dev.type == "cuda":
        local = int(os.environ.get("LOCAL_RANK", "0"))
        torch.cuda.set_device(local)
        dev = torch.device("cuda", local)
    if not torch.distributed.is_initialized():
        torch.distributed.init_process_group(backend=backend)
    return torch.distributed.get_rank(), torch.distributed.get_world_size(), str(dev)


def backend() -> str | None:
    """The process group's backend (gloo, nccl), or None for a plain single process."""
    if torch.distributed.is_available() and torch.distributed.is_initialized():
        return str(torch.distributed.get_backend())
    return None


def teardown() -> None:
    if torch.distributed.is_available() and torch.distributed.is_initialized():
        torch.distributed.destroy_process_group()
