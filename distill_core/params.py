"""Parameter counts of teachers, students and the maps distillation trains, in one place (BERT's own layout).

Every count here is checked in the tests against ``sum(p.numel() for p in model.parameters())`` of a real model.
"""
from __future__ import annotations


def embedding_params(d_s: int, vocab: int, positions: int, types: int) -> int:
    """Student embedding module: word + position + token-type tables (d_s each) and LayerNorm (2 d_s)."""
    return (vocab + positions + types) * d_s + 2 * d_s


def layer_params(d: int, intermediate: int | None = None) -> int:
    """One BERT layer: Q, K, V, attention output (4 d^2 + 4 d), two LayerNorms (4 d), feed-forward (2 d i + i + d)."""
    i = 4 * d if intermediate is None else intermediate
    return 4 * d * d + 4 * d + 4 * d + 2 * d * i + i + d


def projection_params(d_s: int, d_t: int, bias: bool = True) -> int:
    """W_e (d_s, d_t) and its bias: trained during distillation, thrown away after it."""
    return d_s * d_t + (d_t if bias else 0)


def student_params(config, d_s: int, layers: int = 4) -> dict[str, int]:
    """Parameter counts of a d_s-wide student with the teacher's vocabulary and positions."""
    emb = embedding_params(d_s, config.vocab_size, config.max_position_embeddings, getattr(config, "type_vocab_size", 2))
    body = layers * layer_params(d_s)
    return {"embeddings": emb, "layers": body, "total": emb + body,
            "W_e (discarded)": projection_params(d_s, config.hidden_size)}


def teacher_params(config) -> dict[str, int]:
    d = config.hidden_size
    emb = embedding_params(d, config.vocab_size, config.max_position_embeddings, getattr(config, "type_vocab_size", 2))
    body = config.num_hidden_layers * layer_params(d, config.intermediate_size)
    return {"embeddings": emb, "layers": body, "total": emb + body}


def projection_parameter_count(d_s: int, d_t: int, student_layers: int, shared: bool, bias: bool = True) -> int:
    """TinyBERT's maps from d_s to d_t: one shared map, or one per mapped layer (L_s + 1 with the embeddings)."""
    return (1 if shared else student_layers + 1) * projection_params(d_s, d_t, bias)
