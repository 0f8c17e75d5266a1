"""A tiny BERT teacher (random weights, a WordPiece vocabulary of special tokens and word-group words)."""
from __future__ import annotations

import itertools

import torch

from distill_core.assets import word_groups
from distill_core.teacher import Teacher

SPECIAL = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]


def tiny_vocab(groups: int = 4, per_group: int = 8) -> list[str]:
    words = [ws[:per_group] for ws in itertools.islice(word_groups().values(), groups)]
    extra = ["the", "a", "is", "was", "and", "of", "to", "in", "new", "game", "rain", "team", "phone", "soup"]
    seen = dict.fromkeys(SPECIAL + [w for ws in words for w in ws] + extra + [".", ","])
    return list(seen)


def tiny_teacher(tmp_path, hidden: int = 32, layers: int = 4, heads: int = 4, seed: int = 0) -> Teacher:
    from transformers import BertConfig, BertModel, BertTokenizer

    vocab_file = tmp_path / "vocab.txt"
    vocab_file.write_text("\n".join(tiny_vocab()) + "\n")
    tokenizer = BertTokenizer(str(vocab_file), do_lower_case=True)
    torch.manual_seed(seed)
    cfg = BertConfig(vocab_size=len(tokenizer), hidden_size=hidden, num_hidden_layers=layers,
                     num_attention_heads=heads, intermediate_size=2 * hidden, max_position_embeddings=64,
                     attn_implementation="eager", initializer_range=0.3)  # peaked attention maps
    model = BertModel(cfg, add_pooling_layer=False).eval().requires_grad_(False)
    return Teacher(model=model, tokenizer=tokenizer, name="tiny", source=str(tmp_path))
