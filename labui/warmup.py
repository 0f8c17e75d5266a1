"""What a fresh server loads in the background once its first page is on screen.

app.py draws the navigation and the first page with nothing heavy imported (a first visitor sees Home within a
second); then this starts, once per process:

- a thread that imports torch and transformers, loads the bundled teacher and builds the lab's default targets and
  floor: the first Start then only builds the student (first point within a second) instead of loading a BERT;
- UMAP's warm-up, in a child process at the lowest CPU priority (distill_core/token_maps.py), so its import and
  numba compilation never hold this server's interpreter lock nor take a core from a run that trains meanwhile.

Pages that need the teacher earlier simply wait for the same cached value (st.cache_resource computes each key once).
"""
from __future__ import annotations

import os
import threading

_STATE: dict = {"thread": None}
_LOCK = threading.Lock()


def warm_up_after_first_page() -> threading.Thread:
    with _LOCK:
        if _STATE["thread"] is None:
            off = os.environ.get("LAB_PRELOAD", "1") == "0"  # tests build their own teachers
            _STATE["thread"] = threading.Thread(target=(lambda: None) if off else _warm_up, name="warm-up",
                                                daemon=True)
            _STATE["thread"].start()
        return _STATE["thread"]


def _warm_up() -> None:
    from distill_core import token_maps

    if token_maps.UMAP_ON:
        token_maps.warm_umap_async()  # a child process: returns at once
    try:
        from distill_core.config import DistillConfig
        from distill_core.device import resolve_device
        from labui.common import cached_teacher, settle_heap
        from labui.worker import shared_targets

        config = DistillConfig()
        teacher = cached_teacher(config.teacher, str(resolve_device(config.device)))
        shared_targets(teacher, config)
        settle_heap()  # the modules imported and the targets built here are kept for good
    except Exception:  # nothing to report from here: the first Start loads it again and says what went wrong
        pass
