"""Word benchmarks: the parser on gensim's real files, Spearman and 3CosAdd against direct formulas, tiny tables with
known orderings, and the real teacher: a trained d_s = 128 student keeps what the rank-128 optimum keeps."""
import importlib.util
from pathlib import Path

import numpy as np
import pytest
import torch

from distill_core.evaluation import wordbench as wb
from distill_core.errors import DistillError
from distill_core.evaluation.wordscores import Optimum, pair_lookups, random_table

pytestmark = pytest.mark.skipif(not wb.available(), reason="gensim (the benchmark files) is not installed")


@pytest.fixture(scope="module")
def tiny_tokenizer(tiny_teacher_dir):
    from transformers import AutoTokenizer

    return AutoTokenizer.from_pretrained(str(tiny_teacher_dir))


def _tiny_words(tokenizer) -> list[str]:
    return sorted(w for w in tokenizer.get_vocab() if w.isalpha())


def _pairs_scored_by(table, tokenizer, n=300, seed=0):
    """Random pairs of the vocabulary's words, 'human' score = cosine under ``table``."""
    words = _tiny_words(tokenizer)
    rng = np.random.default_rng(seed)
    vocab = tokenizer.get_vocab()
    pairs = []
    for _ in range(n):
        a, b = rng.choice(len(words), 2, replace=False)
        va, vb = table[vocab[words[a]]], table[vocab[words[b]]]
        pairs.append((words[a], words[b], float(torch.nn.functional.cosine_similarity(va, vb, dim=0))))
    return pairs


def test_files_are_found_without_importing_gensim_and_parse_whole():
    import subprocess
    import sys

    code = "import sys; from distill_core.evaluation import wordbench; wordbench.data_dir(); print('gensim' in sys.modules)"
    found = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=str(Path(wb.__file__).resolve().parents[2]))
    assert found.stdout.strip() == "False", found.stderr    # located by path: gensim itself is never imported
    folder = wb.data_dir()
    for name in wb.SIMILARITY_SETS:
        lines = (folder / wb.FILES[name]).read_text().splitlines()
        data = [ln for ln in lines if ln.strip() and not ln.startswith("#")]
        pairs = wb.read_set(name)
        assert len(pairs) == len(data) and all(isinstance(s, float) for _, _, s in pairs)
        assert all(a == a.lower() and b == b.lower() for a, b, _ in pairs)
    lines = (folder / wb.FILES["analogy"]).read_text().splitlines()
    questions = wb.read_set("analogy")
    assert len(questions) == sum(1 for ln in lines if ln.strip() and not ln.startswith(":"))
    assert len({q[4] for q in questions}) == sum(1 for ln in lines if ln.startswith(":"))
    assert "wordsim353" in wb.FILES["wordsim"] and len(wb.read_set("wordsim")) == 353  # the set's own name
    assert len(wb.read_set("simlex")) == 999


def test_missing_gensim_is_one_sentence(monkeypatch):
    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "gensim" else real(name, *a))
    with pytest.raises(DistillError, match="pip install gensim"):
        wb.data_dir()
    assert not wb.available()


def test_spearman_matches_scipy_with_ties():
    from scipy.stats import spearmanr

    rng = np.random.default_rng(1)
    x = rng.integers(0, 6, 200).astype(float)       # many ties
    y = x + rng.normal(0, 2, 200)
    assert abs(wb.spearman(x, y) - spearmanr(x, y).statistic) < 1e-12
    assert wb.spearman(x, x) == pytest.approx(1.0)


def test_a_table_scores_what_its_own_cosines_say_and_a_random_one_near_zero(tiny_tokenizer):
    n = len(tiny_tokenizer.get_vocab())
    table = torch.randn(n, 16, generator=torch.Generator().manual_seed(0))
    pairs = _pairs_scored_by(table, tiny_tokenizer)
    s = wb.SimilaritySet.build("tiny", tiny_tokenizer, pairs)
    assert s.coverage == 1.0 and s.single_token_share == 1.0
    assert s.rho(wb.table_lookup(table)) == pytest.approx(1.0)
    Q = torch.linalg.qr(torch.randn(16, 16, generator=torch.Generator().manual_seed(1))).Q
    assert s.rho(wb.table_lookup(3.0 * table @ Q)) == pytest.approx(1.0)   # cosines ignore rotation and scale
    other = random_table(n, 16, seed=7)
    assert abs(s.rho(wb.table_lookup(other))) < 0.2                          # ~300 pairs: sd of rho ~0.06


def test_a_word_is_the_mean_of_its_wordpieces(tiny_tokenizer):
    vocab = tiny_tokenizer.get_vocab()
    whole = _tiny_words(tiny_tokenizer)
    pieces = [w for w in vocab if w.startswith("##")]
    word = whole[0] + whole[1] if not pieces else whole[0] + pieces[0][2:]
    rows = wb.WordRows.build(tiny_tokenizer, [word, whole[2], "qzxv"])
    ids = wb.word_pieces(tiny_tokenizer, [word])[0]
    table = torch.randn(len(vocab), 8, generator=torch.Generator().manual_seed(2))
    got = rows.vectors(wb.table_lookup(table))
    if ids:
        assert torch.allclose(got[0], table[ids].mean(0), atol=1e-6)
    assert rows.single[1] and torch.allclose(got[1], table[vocab[whole[2]]])
    assert not rows.covered[2] and torch.count_nonzero(got[2]) == 0       # all [UNK]: not covered


def test_3cosadd_finds_planted_offsets_and_matches_a_direct_loop(tiny_tokenizer):
    vocab = tiny_tokenizer.get_vocab()
    words = _tiny_words(tiny_tokenizer)[:20]
    base, cap = words[:10], words[10:]
    d = 32
    table = torch.zeros(len(vocab), d)
    for i, (b, c) in enumerate(zip(base, cap)):
        table[vocab[b], i] = 1.0                       # country_i = u_i
        table[vocab[c], i], table[vocab[c], d - 1] = 1.0, 1.0   # capital_i = u_i + v, one shared offset
    questions = [(base[i], cap[i], base[j], cap[j], "capital") for i in range(10) for j in range(10) if i != j]
    bench = wb.AnalogySet.build(tiny_tokenizer, questions)
    assert bench.accuracy(wb.table_lookup(table), bench.own_words)["accuracy"] == 1.0

    noisy = random_table(len(vocab), 12, seed=3)
    got = bench.accuracy(wb.table_lookup(noisy), bench.own_words)["accuracy"]
    C = torch.nn.functional.normalize(noisy, dim=-1)
    cands = bench.own_words.tolist()
    hits = 0
    for a, b, c, want in bench.questions.tolist():
        scores = {t: float(C[t] @ (C[b] - C[a] + C[c])) for t in cands if t not in (a, b, c)}
        hits += max(scores, key=scores.get) == want
    assert got == pytest.approx(hits / len(bench.questions))


def test_cheap_rhos_equal_the_full_score(bundled_teacher):
    bench = wb.bench_for(bundled_teacher.tokenizer)
    table = bundled_teacher.embeddings.word_embeddings.weight.detach()
    full = bench.score(wb.table_lookup(table), analogy=False)
    seen = []
    cheap = bench.rhos(lambda ids: (seen.append(len(ids)), table[ids])[1])
    assert seen == [len(bench.similarity_rows)] and len(bench.similarity_rows) < 5000
    for name in wb.SIMILARITY_SETS:
        assert cheap[name] == pytest.approx(full[name]["rho"], abs=1e-6)
        assert full[name]["coverage"] > 0.9


def test_trained_student_keeps_what_the_rank_128_optimum_keeps(bundled_teacher):
    from distill_core.config import DistillConfig
    from distill_core.engine import Engine

    bench = wb.bench_for(bundled_teacher.tokenizer)
    table = bundled_teacher.embeddings.word_embeddings.weight.detach()
    opt = Optimum(table)
    rho = {k: bench.rhos(wb.table_lookup(opt.lifted(k)))["wordsim"] for k in (16, 128)}
    assert rho[16] < rho[128]
    engine = Engine(DistillConfig(device="cpu", steps=60, snapshot_every=60), teacher=bundled_teacher)
    engine.run(60)
    student = bench.rhos(pair_lookups(engine.pair)["lifted"])["wordsim"]
    assert abs(student - rho[128]) < 0.03, (student, rho)
    first, last = engine.history[0], engine.latest          # the live metric: rises as the loss falls
    assert last.loss < first.loss and last.wordsim_rho > first.wordsim_rho + 0.5
    assert last.wordsim_rho == pytest.approx(student, abs=1e-6) and last.simlex_rho > first.simlex_rho
    assert last.wordsim_ref == pytest.approx(bench.rhos(wb.table_lookup(table))["wordsim"])
    assert abs(bench.rhos(wb.table_lookup(random_table(table.shape[0], 128)))["wordsim"]) < 0.15


def test_a_run_is_scored_on_the_pairs_over_the_rows_it_trains(tiny_tokenizer):
    n = len(tiny_tokenizer.get_vocab())
    table = torch.randn(n, 16, generator=torch.Generator().manual_seed(0))
    s = wb.SimilaritySet.build("tiny", tiny_tokenizer, _pairs_scored_by(table, tiny_tokenizer))
    vocab = tiny_tokenizer.get_vocab()
    allowed = torch.tensor(sorted(vocab[w] for w in _tiny_words(tiny_tokenizer)[:30]))
    inner = s.within(allowed)
    ids = {int(t) for t in allowed}
    want = [(a, b) for a, b in zip(s.a, s.b) if vocab[s.words.words[a]] in ids and vocab[s.words.words[b]] in ids]
    assert list(zip(inner.a, inner.b)) == want and 0 < len(want) < len(s.a)
    assert inner.rho(wb.table_lookup(table)) == pytest.approx(1.0)
