"""The student: a real ``transformers.BertModel`` of width d_s, and the projection W_e.

The student keeps the teacher's vocabulary, tokenizer and position count, so its embeddings can be compared
token by token and ``save_pretrained`` / ``AutoModel.from_pretrained`` round-trip it.
"""
from __future__ import annotations

import torch
from torch import nn

from .floor import pca_basis


def _heads_for(d_s: int) -> int:
    # BERT wants hidden_size % heads == 0; aim for heads of width >= 32 (TinyBERT-4L: 312 = 12 x 26).
    for h in (12, 8, 6, 4, 3, 2):
        if d_s % h == 0 and d_s // h >= 16:
            return h
    return 1


def student_config(teacher_config, hidden_size: int, num_hidden_layers: int):
    from transformers import BertConfig

    return BertConfig(
        vocab_size=teacher_config.vocab_size,
        hidden_size=hidden_size,
        num_hidden_layers=num_hidden_layers,
        num_attention_heads=_heads_for(hidden_size),
        intermediate_size=4 * hidden_size,
        max_position_embeddings=teacher_config.max_position_embeddings,
        type_vocab_size=getattr(teacher_config, "type_vocab_size", 2),
        pad_token_id=getattr(teacher_config, "pad_token_id", 0),
        layer_norm_eps=getattr(teacher_config, "layer_norm_eps", 1e-12),
        initializer_range=0.02,
    )


def make_student(teacher, hidden_size: int, num_hidden_layers: int = 4, init: str = "random") -> nn.Module:
    """A BertModel of width ``hidden_size``; call after seeding torch for a deterministic init.

    init='random': BERT's own N(0, 0.02) init. init='teacher_pca': the word, position and token-type tables
    are the teacher's, centred and projected on the top-d_s principal directions of its word table, a
    labelled shortcut to compare against, not distillation.
    """
    from transformers import BertModel

    student = BertModel(student_config(teacher.config, hidden_size, num_hidden_layers), add_pooling_layer=False)
    if init == "teacher_pca":
        t_emb = teacher.embeddings
        k = min(hidden_size, t_emb.word_embeddings.weight.shape[1])
        mean, V = pca_basis(t_emb.word_embeddings.weight, k)  # (d_t,), (d_t, k)
        with torch.no_grad():
            for part in ("word_embeddings", "position_embeddings", "token_type_embeddings"):
                src = getattr(t_emb, part).weight.detach().to("cpu", torch.float64)
                dst = getattr(student.embeddings, part).weight
                dst[:, :k] = ((src - mean) @ V).to(dst.dtype)  # (rows, d_t) @ (d_t, k) -> (rows, k)
    return student


class Projection(nn.Module):
    """W_e: lifts d_s-dim student embeddings to the teacher's d_t. Stored as nn.Linear (weight is W_e^T)."""

    def __init__(self, d_s: int, d_t: int, bias: bool = True):
        super().__init__()
        self.linear = nn.Linear(d_s, d_t, bias=bias)

    @property
    def W_e(self) -> torch.Tensor:
        return self.linear.weight.T  # (d_s, d_t)

    def forward(self, e_s: torch.Tensor) -> torch.Tensor:
        return self.linear(e_s)  # (..., d_s) @ (d_s, d_t) -> (..., d_t)


class EmbeddingPair(nn.Module):
    """The student's embedding module and W_e: everything embedding distillation trains. Several processes keep
    their copies equal by averaging gradients (engine._average_gradients), not through DDP."""

    def __init__(self, student: nn.Module, projection: Projection):
        super().__init__()
        self.student = student
        self.projection = projection

    def word_rows(self, ids: torch.Tensor | None) -> torch.Tensor:
        """Vocab mode: E_s W_e for token ids (None = the whole table), rows of the student's word table."""
        table = self.student.embeddings.word_embeddings.weight  # (vocab, d_s)
        # The whole table is used as is: a gather and its scatter-add backward cost more than the matmul.
        e_s = table if ids is None else table[ids]  # (n, d_s)
        return self.projection(e_s)  # (n, d_s) @ (d_s, d_t) -> (n, d_t)

    def sequence(self, input_ids: torch.Tensor, token_type_ids: torch.Tensor) -> torch.Tensor:
        """Sequence mode: E_s W_e with E_s = LayerNorm(word + position + token_type), the embedding output."""
        e_s = self.student.embeddings(input_ids=input_ids, token_type_ids=token_type_ids)  # (B, L, d_s)
        return self.projection(e_s)  # (B, L, d_t)

    def forward(self, ids, token_type_ids=None):
        if token_type_ids is None:
            return self.word_rows(ids)
        return self.sequence(ids, token_type_ids)
