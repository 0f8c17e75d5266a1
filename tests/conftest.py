"""Shared fixtures: tiny random BERT teachers saved as real folders (safetensors + config + tokenizer)."""
from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
# No background load of the bundled teacher when app.py runs: tests make their own teachers, and a second thread
# importing transformers at the same moment as a fixture can catch its lazy module half-initialised.
os.environ.setdefault("LAB_PRELOAD", "0")

SPECIALS = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]


def tiny_vocab(n_words: int = 95) -> list[str]:
    """Specials + the first words of each word group + filler: a ~100-token uncased vocabulary."""
    from distill_core.assets import word_groups

    words: list[str] = []
    for group in word_groups().values():
        words.extend(group[:4])
    filler = ["the", "a", "is", "of", "and", "to", "in", "it", "was", "on", ".", ",", "?", "!"]
    words = list(dict.fromkeys(filler + words))[:n_words]
    return list(dict.fromkeys(SPECIALS + words))


def make_tiny_teacher(folder: Path, hidden_size: int = 32, n_layers: int = 2, seed: int = 0) -> Path:
    import torch
    from transformers import BertConfig, BertModel, BertTokenizer

    folder.mkdir(parents=True, exist_ok=True)
    vocab = tiny_vocab()
    tokenizer = BertTokenizer(vocab={w: i for i, w in enumerate(vocab)}, do_lower_case=True)
    torch.manual_seed(seed)
    heads = 4 if hidden_size % 4 == 0 else 1
    config = BertConfig(vocab_size=len(vocab), hidden_size=hidden_size, num_hidden_layers=n_layers,
                        num_attention_heads=heads, intermediate_size=2 * hidden_size, max_position_embeddings=64)
    BertModel(config).save_pretrained(folder, safe_serialization=True)
    tokenizer.save_pretrained(folder)
    return folder


@pytest.fixture(scope="session")
def tiny_teacher_dir(tmp_path_factory) -> Path:
    return make_tiny_teacher(tmp_path_factory.mktemp("tiny_teacher"))


@pytest.fixture(scope="session")
def wide_teacher_dir(tmp_path_factory) -> Path:
    """The source example's teacher width: d_t = 768 (tiny vocabulary, one layer)."""
    return make_tiny_teacher(tmp_path_factory.mktemp("wide_teacher"), hidden_size=768, n_layers=1)


@pytest.fixture(scope="session")
def bundled_teacher():
    from distill_core.teacher import load_teacher

    return load_teacher("bundled", "cpu")
