"""The real bundled teacher (all-MiniLM-L6-v2): the default settings reach the Eckart-Young floor."""
import torch

from distill_core.assets import default_corpus, word_groups
from distill_core.config import DistillConfig
from distill_core.engine import Engine
from distill_core.floor import eckart_young_floor, oracle


def test_vocab_mode_default_settings_reach_ratio_1_05(bundled_teacher):
    engine = Engine(DistillConfig(device="cpu", steps=60), teacher=bundled_teacher)
    assert engine.targets.E_t.shape == (30522, 384) and engine.config.hidden_size == 128
    engine.run(60)
    last = engine.latest
    assert last.ratio <= 1.05, last.ratio
    assert last.loss >= engine.floor * (1 - 1e-4)
    assert last.knn_overlap > 0.7 and last.mean_cosine > 0.75
    # the floor is the one a closed-form SVD gives
    T = bundled_teacher.embeddings.word_embeddings.weight.detach().double()
    assert abs(engine.floor - eckart_young_floor(T, 128, center=True)) < 1e-12


def test_oracle_on_the_real_table_sits_on_the_floor(bundled_teacher):
    T = bundled_teacher.embeddings.word_embeddings.weight.detach().double()[:4000]
    o = oracle(T, 64, center=True)
    assert abs(o.mse - eckart_young_floor(T, 64, True)) < 1e-12


def test_sequence_targets_skip_the_transformer_layers(bundled_teacher):
    cfg = DistillConfig(device="cpu", target="sequence", steps=10, batch_size=32, max_length=32)
    calls = []
    hook = bundled_teacher.model.encoder.register_forward_hook(lambda *a: calls.append(1))
    try:
        engine = Engine(cfg, teacher=bundled_teacher)
        engine.run(10)
    finally:
        hook.remove()
    assert calls == []  # only teacher.embeddings ran
    assert engine.targets.E_t.shape[0] == len(default_corpus()) and engine.targets.d_t == 384
    assert engine.latest.loss < engine.history[0].loss
    assert engine.latest.loss >= engine.floor


def test_word_groups_are_single_tokens_in_the_teacher_vocabulary(bundled_teacher):
    groups = word_groups()
    assert len(groups) >= 20 and all(len(w) >= 20 for w in groups.values())
    words = [w for ws in groups.values() for w in ws]
    assert len(words) == len(set(words))
    tok = bundled_teacher.tokenizer
    assert all(tok.tokenize(w) == [w] for w in words)
    assert 300 <= len(default_corpus()) <= 600
