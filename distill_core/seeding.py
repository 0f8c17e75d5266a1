"""Seeded initialisation that still holds when several runs start at once in one process (the app's server).

torch's default random generator is one per process. Two sessions that initialise their students at the same
time in different threads would draw from it in turn: neither would get the weights its seed promises, and each
run would depend on the other's draws. Every seeded initialisation therefore takes one process-wide lock.
"""
from __future__ import annotations

import threading
from contextlib import contextmanager

import torch

INIT_LOCK = threading.RLock()


@contextmanager
def seeded(seed: int):
    """Seed torch's default generator and keep it to this thread until the block ends."""
    with INIT_LOCK:
        torch.manual_seed(seed)
        yield
