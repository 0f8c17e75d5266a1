"""The 'output' target (Model2Vec's): rows equal a direct forward pass, Model2Vec's own encoder agrees, the table is
computed once and then read from the disk cache, and a run on it reaches its own floor (tiny random BERT)."""
import importlib.util
import os
import subprocess
import sys
from pathlib import Path

import pytest
import torch

from distill_core import output_target as ot
from distill_core.config import DistillConfig
from distill_core.engine import Engine
from distill_core.floor import eckart_young_floor
from distill_core.teacher import load_teacher

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture()
def cache(tmp_path, monkeypatch):
    monkeypatch.setenv("DISTILL_LAB_CACHE", str(tmp_path / "cache"))
    return tmp_path / "cache"


@pytest.fixture(scope="module")
def tiny(tiny_teacher_dir):
    return load_teacher(str(tiny_teacher_dir), "cpu")


def test_rows_are_the_mean_pooled_last_hidden_state(tiny, cache):
    ids = torch.tensor([7, 12, 40])
    rows = ot.output_table(tiny, ids)
    tok = tiny.tokenizer
    for row, i in zip(rows, ids.tolist()):
        enc = tok(tok.convert_ids_to_tokens(i), return_tensors="pt")  # "[CLS] word [SEP]" by the tokenizer itself
        assert enc["input_ids"][0].tolist() == [tok.cls_token_id, i, tok.sep_token_id]
        with torch.no_grad():
            want = tiny.model(**enc).last_hidden_state[0].mean(0)      # (d_t,)
        assert torch.allclose(row, want, atol=1e-5)


@pytest.mark.skipif(importlib.util.find_spec("model2vec") is None, reason="model2vec is a dev requirement")
def test_model2vec_encoder_gives_the_same_rows(tiny, cache):
    from model2vec.distill.inference import create_embeddings

    ids = list(range(5, 60))
    theirs = create_embeddings(tiny.model, [[tiny.tokenizer.cls_token_id, i, tiny.tokenizer.sep_token_id] for i in ids],
                               "cpu", tiny.tokenizer.pad_token_id)                        # (n, d_t) numpy
    ours = ot.output_table(tiny, torch.tensor(ids), cache=False)
    assert torch.allclose(ours, torch.from_numpy(theirs).float(), atol=1e-5)


def test_computed_once_then_read_from_the_cache(tiny, cache, monkeypatch):
    seen = []
    full = ot.output_table(tiny, progress=lambda done, total: seen.append((ot.building(tiny.source), done, total)))
    assert seen[0][0] == seen[0][1:] and ot.building(tiny.source) is None   # visible while computing, then gone
    seen = [s[1:] for s in seen]
    assert full.shape == (tiny.vocab_size, tiny.hidden_size) and seen[-1] == (tiny.vocab_size, tiny.vocab_size)
    files = list((cache / "output").glob("*-all.safetensors"))
    assert len(files) == 1 and files[0].name.startswith(ot.fingerprint(tiny))

    def never(*a, **k):
        raise AssertionError("recomputed although cached")

    monkeypatch.setattr(ot, "compute_output_rows", never)
    again = ot.output_table(tiny)
    assert torch.equal(again, full)
    sub = torch.tensor([3, 9, 50])
    assert torch.equal(ot.output_table(tiny, sub), full[sub])       # a subset is sliced from the whole table


def test_a_damaged_cache_file_is_computed_again(tiny, cache):
    ot.output_table(tiny)
    path = next((cache / "output").glob("*-all.safetensors"))
    path.write_bytes(b"not a safetensors file")
    table = ot.output_table(tiny)
    assert table.shape == (tiny.vocab_size, tiny.hidden_size) and path.stat().st_size > 100


def test_a_run_on_the_output_target_reaches_its_own_floor(tiny, cache):
    cfg = DistillConfig(teacher=str(tiny.source), target="output", hidden_size=8, num_hidden_layers=1, steps=300,
                        device="cpu", lr=0.05, stop_tol=0.0)
    engine = Engine(cfg, teacher=tiny)
    table = ot.output_table(tiny)
    assert torch.equal(engine.targets.E_t, table)
    assert engine.floor == pytest.approx(eckart_young_floor(table.double(), 8, center=True), rel=1e-9)
    assert engine.floor < engine.targets.floor(4)              # its own floor, not the word table's
    word_floor = eckart_young_floor(tiny.embeddings.word_embeddings.weight.detach().double(), 8, center=True)
    assert engine.floor != pytest.approx(word_floor, rel=1e-3)
    assert torch.equal(engine.probe_teacher, table[torch.tensor(engine.probe.ids)])
    first = engine.run(0)[0].loss
    engine.run(300)
    assert engine.latest.loss < first and engine.latest.ratio < 1.1, engine.latest.ratio


def test_cli_target_output(tiny_teacher_dir, tmp_path):
    env = os.environ | {"PYTHONPATH": str(ROOT), "TOKENIZERS_PARALLELISM": "false",
                        "DISTILL_LAB_CACHE": str(tmp_path / "cache")}
    r = subprocess.run([sys.executable, "-m", "distill_core", "run", "--teacher", str(tiny_teacher_dir), "--target",
                        "output", "--student-dim", "8", "--layers", "1", "--steps", "20", "--device", "cpu", "--quiet"],
                       cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr
    assert "(output)" in r.stdout and list((tmp_path / "cache" / "output").glob("*.safetensors"))


def test_two_sessions_asking_at_once_compute_the_table_once(tiny, cache, monkeypatch):
    import threading

    calls, real = [], ot.compute_output_rows

    def counted(*args, **kw):
        calls.append(1)
        return real(*args, **kw)

    monkeypatch.setattr(ot, "compute_output_rows", counted)
    gate, got = threading.Barrier(3), []

    def ask():
        gate.wait()
        got.append(ot.output_table(tiny))

    threads = [threading.Thread(target=ask) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(calls) == 1 and len(got) == 3 and all(torch.equal(g, got[0]) for g in got)
