"""Nothing lost: an export round-trips bit for bit, is taken from one moment of a training run, and a failed
write leaves no half-written folder."""
from __future__ import annotations

import csv
import io
import json
import time
import zipfile
from pathlib import Path

import pytest
import torch

from distill_core import export
from distill_core.config import DistillConfig
from distill_core.engine import Engine
from distill_core.teacher import load_teacher


@pytest.fixture
def engine(tiny_teacher_dir):
    cfg = DistillConfig(teacher=str(tiny_teacher_dir), hidden_size=8, steps=20, snapshot_every=4, probe_size=20,
                        device="cpu", seed=3)
    eng = Engine(config=cfg)
    eng.run(6)  # stopped between snapshots (4 and 8): the export must still end at step 6
    return eng


def _exported_loss(folder: Path, teacher, ids: torch.Tensor) -> float:
    """MSE(E_s W_e + b, E_t) over the vocabulary rows, computed from the files alone."""
    from transformers import AutoModel

    student = AutoModel.from_pretrained(folder, use_safetensors=True)
    w_e, bias = export.load_w_e(folder)
    with torch.no_grad():
        pred = student.embeddings.word_embeddings.weight[ids] @ w_e + (bias if bias is not None else 0)  # (n, d_t)
        target = teacher.embeddings.word_embeddings.weight[ids]  # (n, d_t)
        return float((pred - target).pow(2).mean())


def _history(folder: Path) -> list[dict]:
    return list(csv.DictReader(io.StringIO((folder / "history.csv").read_text())))


def test_round_trip_is_bit_for_bit(engine, tmp_path):
    from transformers import AutoModel, AutoTokenizer

    folder = export.save_run(engine, tmp_path / "run")
    loaded = AutoModel.from_pretrained(folder, use_safetensors=True).state_dict()
    original = engine.pair.student.state_dict()
    # AutoModel builds BertModel with a pooler the student never had (it is not saved, so freshly drawn).
    assert original.keys() <= loaded.keys() and set(loaded) - set(original) <= {"pooler.dense.weight",
                                                                                "pooler.dense.bias"}
    for name, tensor in original.items():
        assert torch.equal(loaded[name], tensor.cpu()), name
    w_e, bias = export.load_w_e(folder)
    assert torch.equal(w_e, engine.pair.projection.W_e.detach().cpu())
    assert torch.equal(bias, engine.pair.projection.linear.bias.detach().cpu())
    assert AutoTokenizer.from_pretrained(folder).get_vocab() == engine.teacher.tokenizer.get_vocab()
    config = json.loads((folder / "run_config.json").read_text())
    assert config["step"] == 6 and DistillConfig.from_dict(config) == engine.config


def test_export_between_snapshots_ends_at_the_weights(engine, tmp_path):
    folder = export.save_run(engine, tmp_path / "run")
    rows = _history(folder)
    assert [int(r["step"]) for r in rows] == [0, 4, 6]
    assert [s.step for s in engine.history] == [0, 4]  # exporting read the run; it did not record into it
    ids = engine.targets.ids.cpu()
    assert float(rows[-1]["loss"]) == pytest.approx(_exported_loss(folder, engine.teacher, ids), rel=1e-5)


def test_export_while_training_is_one_consistent_moment(tiny_teacher_dir, tmp_path):
    """Exports taken from a worker in full flight: each file set agrees with itself (weights, step, loss)."""
    from labui.worker import LabWorker

    teacher = load_teacher(str(tiny_teacher_dir), "cpu")
    cfg = DistillConfig(teacher=str(tiny_teacher_dir), hidden_size=8, steps=100_000, snapshot_every=3,
                        probe_size=20, device="cpu", lr=0.01, stop_tol=0.0)  # a long run: no convergence stop
    worker = LabWorker()
    seen_steps = set()
    try:
        worker.start(cfg, teacher)
        deadline = time.monotonic() + 60
        while worker.view().status != "running" and time.monotonic() < deadline:
            time.sleep(0.05)
        for i in range(6):
            time.sleep(0.15)
            with zipfile.ZipFile(io.BytesIO(worker.export_zip())) as zf:
                zf.extractall(tmp_path / f"x{i}")
            folder = tmp_path / f"x{i}" / "student"
            rows, config = _history(folder), json.loads((folder / "run_config.json").read_text())
            assert int(rows[-1]["step"]) == config["step"]  # the history ends where the weights are
            ids = worker._engine.targets.ids.cpu()
            assert float(rows[-1]["loss"]) == pytest.approx(_exported_loss(folder, teacher, ids), rel=1e-5)
            seen_steps.add(config["step"])
    finally:
        worker.stop()
        worker.join(10)
    assert len(seen_steps) >= 3  # the exports really were taken at different moments of a live run


def _tree(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def test_failed_write_leaves_nothing_half_written(engine, tmp_path, monkeypatch):
    def broken(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(export, "save_file", broken)  # fails after the student was already written
    with pytest.raises(OSError, match="disk full"):
        export.save_run(engine, tmp_path / "run")
    assert list(tmp_path.iterdir()) == []  # no folder, no temporary leftovers


def test_failed_overwrite_keeps_the_previous_run(engine, tmp_path, monkeypatch):
    out = export.save_run(engine, tmp_path / "run")
    before = _tree(out)
    engine.run(2)
    monkeypatch.setattr(export, "save_file", lambda *a, **k: (_ for _ in ()).throw(OSError("disk full")))
    with pytest.raises(OSError):
        export.save_run(engine, out)
    assert _tree(out) == before
    assert [p.name for p in tmp_path.iterdir()] == ["run"]


def test_failed_rename_puts_the_previous_run_back(engine, tmp_path, monkeypatch):
    import os

    out = export.save_run(engine, tmp_path / "run")
    before = _tree(out)
    real_replace, calls = os.replace, []

    def flaky(src, dst):
        calls.append((src, dst))
        if len(calls) == 2:  # old run moved aside; moving the new one in fails
            raise OSError("rename failed")
        return real_replace(src, dst)

    monkeypatch.setattr(export.os, "replace", flaky)
    with pytest.raises(OSError, match="rename failed"):
        export.save_run(engine, out)
    monkeypatch.setattr(export.os, "replace", real_replace)
    assert _tree(out) == before
    assert [p.name for p in tmp_path.iterdir()] == ["run"]
