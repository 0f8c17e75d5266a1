"""Probe tokens: word-group words whose teacher and projected-student vectors are plotted and compared."""
from __future__ import annotations

from dataclasses import dataclass

import torch

from .assets import word_groups
from .targets import special_ids


@dataclass
class Probe:
    ids: list[int]
    words: list[str]
    groups: list[str]
    input_ids: torch.Tensor       # sequence mode: (P, 3) = [CLS] w [SEP]; vocab mode: (P,)
    token_type_ids: torch.Tensor | None
    position: int                 # which column of input_ids is the word

    @classmethod
    def build(cls, tokenizer, mode: str, limit: int, device) -> "Probe":
        ids, words, groups = probe_tokens(tokenizer, limit)
        ids_t = torch.tensor(ids, device=device)
        if mode == "vocab":
            return cls(ids, words, groups, ids_t, None, 0)
        # In sequence mode E_t is the embedding-layer output, which depends on position: a probe token's vector
        # is its output at position 1 of "[CLS] word [SEP]", the same for teacher and student.
        cls_id, sep_id = tokenizer.cls_token_id, tokenizer.sep_token_id
        cols = [ids_t]
        position = 0
        if cls_id is not None:
            cols.insert(0, torch.full_like(ids_t, cls_id))
            position = 1
        if sep_id is not None:
            cols.append(torch.full_like(ids_t, sep_id))
        input_ids = torch.stack(cols, dim=1)  # (P, 3)
        return cls(ids, words, groups, input_ids, torch.zeros_like(input_ids), position)

    def teacher_vectors(self, teacher) -> torch.Tensor:
        with torch.no_grad():
            if self.token_type_ids is None:
                return teacher.embeddings.word_embeddings(self.input_ids).float()  # (P, d_t)
            out = teacher.embeddings(input_ids=self.input_ids, token_type_ids=self.token_type_ids)
            return out[:, self.position].float()  # (P, d_t)

    def student_vectors(self, pair) -> torch.Tensor:
        """E_s W_e for the probe tokens, in the teacher's space (P, d_t)."""
        with torch.no_grad():
            if self.token_type_ids is None:
                return pair.word_rows(self.input_ids)
            return pair.sequence(self.input_ids, self.token_type_ids)[:, self.position]


def probe_tokens(tokenizer, limit: int = 500) -> tuple[list[int], list[str], list[str]]:
    """(ids, words, group of each) for word-group words that are single tokens in this vocabulary.

    Groups are taken round-robin so a small limit still covers every group. Falls back to the first
    non-special vocabulary entries when a (toy) vocabulary holds none of the words.
    """
    vocab = tokenizer.get_vocab()
    groups = {g: [w for w in words if w in vocab] for g, words in word_groups().items()}
    picked: list[tuple[int, str, str]] = []
    seen: set[str] = set()
    depth = max((len(w) for w in groups.values()), default=0)
    for i in range(depth):
        for g, words in groups.items():
            if i < len(words) and words[i] not in seen and len(picked) < limit:
                seen.add(words[i])
                picked.append((vocab[words[i]], words[i], g))
    if len(picked) < 2:
        special = special_ids(tokenizer)
        inv = sorted((i, w) for w, i in vocab.items() if i not in special)
        picked = [(i, w, "vocabulary") for i, w in inv[:limit]]
    ids, words, groups_of = (list(x) for x in zip(*picked))
    return ids, words, groups_of
