"""What the student is asked to match, computed once per configuration from the teacher's embeddings only.

vocab:    E_t = rows of the teacher's word-embedding table (no forward pass at all).
sequence: E_t = the teacher's embedding-layer output LayerNorm(word + position + token_type) = hidden_states[0]
          for tokenised sentences; the transformer layers never run.
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field

import torch

from .assets import default_corpus, read_user_text
from .errors import DistillError
from .floor import floor_from_spectrum, spectrum, target_matrix


@dataclass
class TargetSet:
    mode: str
    E_t: torch.Tensor                        # vocab: (n, d_t); sequence: (N, L, d_t)
    ids: torch.Tensor                        # vocab: (n,) token ids; sequence: (N, L) input ids
    mask: torch.Tensor | None = None         # sequence: (N, L) 1 = real token
    token_type_ids: torch.Tensor | None = None
    sentences: list[str] = field(default_factory=list)
    sigma: torch.Tensor | None = None        # singular values of the stacked (centred) targets, float64
    centered: bool = True
    whole_table: bool = False                # vocab: ids are every row of the table, in order

    @property
    def d_t(self) -> int:
        return int(self.E_t.shape[-1])

    @property
    def n_rows(self) -> int:
        """Real target rows (tokens) in the set."""
        return int(self.mask.sum()) if self.mask is not None else int(self.E_t.shape[0])

    def floor(self, d_s: int) -> float:
        """The Eckart-Young floor for a rank-d_s W_e on this target set."""
        return floor_from_spectrum(self.sigma, d_s, self.n_rows, self.d_t)


def special_ids(tokenizer) -> set[int]:
    return set(getattr(tokenizer, "all_special_ids", []) or [])


def vocab_ids(teacher, subset: int = 0, must_include: list[int] | None = None) -> torch.Tensor:
    """All token ids, or the first ``subset`` non-special ones plus ``must_include`` (the probe tokens)."""
    n = teacher.vocab_size
    if not subset or subset >= n:
        return torch.arange(n)
    special = special_ids(teacher.tokenizer)
    chosen = [i for i in range(n) if i not in special][:subset]
    extra = [i for i in (must_include or []) if i not in set(chosen)]
    return torch.tensor(sorted(set(chosen + extra)))


def vocab_targets(teacher, ids: torch.Tensor, center: bool = True) -> TargetSet:
    with torch.no_grad():
        E_t = teacher.embeddings.word_embeddings.weight[ids.to(teacher.device)].detach().float()  # (n, d_t)
    whole = bool(torch.equal(ids.cpu(), torch.arange(teacher.vocab_size)))
    return TargetSet(mode="vocab", E_t=E_t, ids=ids.to(E_t.device), sigma=spectrum(target_matrix(E_t), center),
                     centered=center, whole_table=whole)


MAX_TARGET_BYTES = int(float(os.environ.get("LAB_MAX_TARGET_GB", "1.5")) * 1e9)  # sequence targets in memory


def tokenize(tokenizer, sentences: list[str], max_length: int) -> dict[str, torch.Tensor]:
    enc = tokenizer(sentences, padding="longest", truncation=True, max_length=max_length, return_tensors="pt")
    tt = enc.get("token_type_ids")
    if tt is None:
        tt = torch.zeros_like(enc["input_ids"])
    return {"input_ids": enc["input_ids"], "attention_mask": enc["attention_mask"], "token_type_ids": tt}


def sequence_targets(teacher, text: str | bytes = "", max_length: int = 64, center: bool = True) -> TargetSet:
    sentences = read_user_text(text) if text else list(default_corpus())
    if not sentences:
        raise DistillError("The text is empty: type or upload at least one sentence, one per line.")
    enc = tokenize(teacher.tokenizer, sentences, max_length)
    n, length = enc["input_ids"].shape
    need = n * length * teacher.hidden_size * 4
    if need > MAX_TARGET_BYTES:
        raise DistillError(
            f"This text gives {n:,} sentences x {length} tokens x d_t {teacher.hidden_size} = {need / 1e9:.1f} GB of "
            f"targets, over the {MAX_TARGET_BYTES / 1e9:.1f} GB this lab holds: use fewer sentences or a shorter "
            "sequence length.")
    dev = teacher.device
    with torch.no_grad():
        # Only the embedding module runs: LayerNorm(word + position + token_type) (dropout is off in eval()).
        E_t = teacher.embeddings(input_ids=enc["input_ids"].to(dev),
                                 token_type_ids=enc["token_type_ids"].to(dev)).detach().float()  # (N, L, d_t)
    mask = enc["attention_mask"].to(dev)
    return TargetSet(mode="sequence", E_t=E_t, ids=enc["input_ids"].to(dev), mask=mask,
                     token_type_ids=enc["token_type_ids"].to(dev), sentences=sentences,
                     sigma=spectrum(target_matrix(E_t, mask), center), centered=center)


def build_targets(teacher, config, progress=None) -> TargetSet:
    """``progress(done, total)`` hears about the one slow build: the output target's first computation."""
    if config.target in ("vocab", "output"):
        from .probe import probe_tokens  # probe.py builds on this module's tokenizer helpers

        probe = probe_tokens(teacher.tokenizer, config.probe_size)[0]
        ids = vocab_ids(teacher, config.vocab_subset, probe)
        if config.target == "output":
            from .output_target import output_targets

            return output_targets(teacher, ids, center=config.bias, progress=progress)
        return vocab_targets(teacher, ids, center=config.bias)
    return sequence_targets(teacher, config.text, config.max_length, center=config.bias)
