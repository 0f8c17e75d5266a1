"""The 'output' target (Model2Vec's "output embeddings"): each vocabulary token's mean-pooled last hidden state.

Token t's target row is mean(last_hidden_state of "[CLS] t [SEP]") over the three positions, the whole teacher
run once per token (Model2Vec, Tulkens & van Dongen 2024, with its default mean pooling). Unlike the vocabulary
target this needs the transformer layers, ~30k forward passes (minutes on a laptop CPU), so the table is computed
once per teacher and kept on disk under the user's cache folder (``$DISTILL_LAB_CACHE``, else
``$XDG_CACHE_HOME/distill-lab``, else ``~/.cache/distill-lab``), keyed by a hash of the teacher's weights.
The student's table is free here too, so the floor is again reached exactly by the closed-form optimum.
"""
from __future__ import annotations

import hashlib
import os
import tempfile
import threading
from pathlib import Path
from typing import Callable

import torch

from .floor import spectrum, target_matrix
from .targets import TargetSet

BATCH = 512  # tokens per forward pass: (512, 3) inputs keep the attention tiny and the matmuls large

Progress = Callable[[int, int], None]  # (rows done, rows in all)
_BUILDING: dict[str, tuple[int, int]] = {}  # teacher source -> (rows done, rows in all) while a table is computed
_BUILDING_LOCK = threading.Lock()


def building(teacher_source: str) -> tuple[int, int] | None:
    """(done, total) while this teacher's output table is being computed in this process, else None: a page can
    show a progress bar without reaching into the thread that computes it."""
    with _BUILDING_LOCK:
        return _BUILDING.get(teacher_source)


def cache_dir() -> Path:
    root = os.environ.get("DISTILL_LAB_CACHE")
    if root:
        return Path(root).expanduser()
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base).expanduser() / "distill-lab"


def fingerprint(teacher) -> str:
    """A short hash of the teacher's config and weights: a changed checkpoint never reuses a stale table."""
    h = hashlib.sha256(teacher.model.config.to_json_string(use_diff=False).encode())
    for name, p in sorted(teacher.model.state_dict().items()):
        h.update(name.encode())
        h.update(p.detach().to("cpu").contiguous().numpy().tobytes())
    return h.hexdigest()[:20]


def token_inputs(tokenizer, ids: torch.Tensor) -> torch.Tensor:
    """(n, 3) rows "[CLS] t [SEP]" (fewer columns when the tokenizer has no such tokens)."""
    cols = [ids]
    if tokenizer.cls_token_id is not None:
        cols.insert(0, torch.full_like(ids, tokenizer.cls_token_id))
    if tokenizer.sep_token_id is not None:
        cols.append(torch.full_like(ids, tokenizer.sep_token_id))
    return torch.stack(cols, dim=1)


@torch.no_grad()
def compute_output_rows(teacher, ids: torch.Tensor, progress: Progress | None = None) -> torch.Tensor:
    """(n, d_t) mean-pooled last hidden states of "[CLS] t [SEP]", one row per id, in float32 on the CPU."""
    dev = teacher.device
    inputs = token_inputs(teacher.tokenizer, ids.cpu())  # (n, 3): every row the same length, so no padding
    out = torch.empty(len(ids), teacher.hidden_size)
    try:
        for start in range(0, len(ids), BATCH):
            x = inputs[start : start + BATCH].to(dev)
            hidden = teacher.model(input_ids=x, attention_mask=torch.ones_like(x),
                                   token_type_ids=torch.zeros_like(x)).last_hidden_state  # (b, 3, d_t)
            out[start : start + len(x)] = hidden.float().mean(1).cpu()                     # (b, d_t)
            done = min(start + BATCH, len(ids))
            with _BUILDING_LOCK:
                _BUILDING[teacher.source] = (done, len(ids))
            if progress is not None:
                progress(done, len(ids))
    finally:
        with _BUILDING_LOCK:
            _BUILDING.pop(teacher.source, None)
    return out


def _save_atomic(table: torch.Tensor, path: Path) -> None:
    from safetensors.torch import save_file

    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    os.close(fd)
    try:
        save_file({"output": table.contiguous()}, tmp, metadata={"what": "mean-pooled last hidden state per token"})
        os.replace(tmp, path)  # a reader never sees half a file
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _load(path: Path) -> torch.Tensor | None:
    from safetensors import SafetensorError
    from safetensors.torch import load_file

    try:
        return load_file(str(path))["output"]
    except (OSError, KeyError, SafetensorError):  # missing or damaged: compute again
        return None


def output_table(teacher, ids: torch.Tensor | None = None, progress: Progress | None = None,
                 cache: bool = True) -> torch.Tensor:
    """The output rows for ``ids`` (None = the whole vocabulary, in id order), (n, d_t), from the disk cache when
    there; a subset is sliced from a cached whole table, else computed (and cached) on its own."""
    whole = torch.arange(teacher.vocab_size)
    ids = whole if ids is None else ids.cpu().long()
    key = fingerprint(teacher) if cache else ""
    full_path = cache_dir() / "output" / f"{key}-all.safetensors"
    if cache and (table := _load(full_path)) is not None and table.shape == (teacher.vocab_size, teacher.hidden_size):
        if progress is not None:
            progress(len(ids), len(ids))
        return table[ids]
    is_whole = torch.equal(ids, whole)
    path = full_path if is_whole else cache_dir() / "output" / (
        f"{key}-{hashlib.sha256(ids.numpy().tobytes()).hexdigest()[:12]}.safetensors")
    if cache and not is_whole and (table := _load(path)) is not None and table.shape[0] == len(ids):
        if progress is not None:
            progress(len(ids), len(ids))
        return table
    if not cache:
        return compute_output_rows(teacher, ids, progress)
    with _path_lock(path):  # a second session asking for the same table waits for the first's file
        if (table := _load(path)) is not None and table.shape[0] == len(ids):
            if progress is not None:
                progress(len(ids), len(ids))
            return table
        table = compute_output_rows(teacher, ids, progress)
        _save_atomic(table, path)
    return table


_PATH_LOCKS: dict[Path, threading.Lock] = {}


def _path_lock(path: Path) -> threading.Lock:
    with _BUILDING_LOCK:
        return _PATH_LOCKS.setdefault(path, threading.Lock())


def output_targets(teacher, ids: torch.Tensor, center: bool = True, progress: Progress | None = None) -> TargetSet:
    """A TargetSet of output rows: row-for-row like the vocabulary target (a free student table), its own floor."""
    E_t = output_table(teacher, ids, progress).to(teacher.device)  # (n, d_t)
    whole = bool(torch.equal(ids.cpu(), torch.arange(teacher.vocab_size)))
    return TargetSet(mode="vocab", E_t=E_t, ids=ids.to(E_t.device), sigma=spectrum(target_matrix(E_t), center),
                     centered=center, whole_table=whole)


def probe_rows(targets: TargetSet, probe_ids) -> torch.Tensor:
    """The target rows of the probe tokens (the vocabulary subset always holds them), (P, d_t)."""
    ids = torch.as_tensor(probe_ids, device=targets.ids.device)
    at = torch.searchsorted(targets.ids, ids)  # target ids are ascending
    return targets.E_t[at]
