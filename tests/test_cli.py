"""The command line: JSON summary, outputs, bad arguments, NaN, and a 2-process torchrun run."""
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import torch
from transformers import AutoModel

ROOT = Path(__file__).resolve().parent.parent
KEYS = {"final_mse", "floor_mse", "ratio", "steps", "seconds", "device", "teacher_dim", "student_dim", "we_shape"}


def cli(*args, timeout=300):
    env = os.environ | {"PYTHONPATH": str(ROOT), "TOKENIZERS_PARALLELISM": "false"}
    return subprocess.run([sys.executable, "-m", "distill_core", *args], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=timeout)


def test_run_writes_json_and_a_loadable_student(tiny_teacher_dir, tmp_path):
    out, js = tmp_path / "out", tmp_path / "summary.json"
    r = cli("run", "--teacher", str(tiny_teacher_dir), "--student-dim", "8", "--layers", "1", "--steps", "30",
            "--device", "cpu", "--out", str(out), "--json", str(js))
    assert r.returncode == 0, r.stderr
    summary = json.loads(js.read_text())
    assert KEYS <= set(summary)
    assert summary["we_shape"] == [8, 32] and summary["teacher_dim"] == 32 and summary["student_dim"] == 8
    assert summary["steps"] == 30 and summary["device"] == "cpu"
    assert summary["final_mse"] >= summary["floor_mse"] > 0
    assert summary["ratio"] == pytest.approx(summary["final_mse"] / summary["floor_mse"])
    model = AutoModel.from_pretrained(out)
    assert model.config.hidden_size == 8 and model.config.vocab_size == 99
    for name in ("config.json", "model.safetensors", "tokenizer_config.json", "w_e.safetensors", "run_config.json",
                 "history.csv"):
        assert (out / name).is_file(), name
    assert "ratio" in r.stdout


@pytest.mark.parametrize("args, match", [
    (["--student-dim", "0"], "must be a positive whole number"),
    (["--student-dim", "-3"], "must be a positive whole number"),
    (["--lr", "abc"], "is not a number"),
    (["--target", "words"], "invalid choice"),
    (["--teacher", "/no/such/folder"], "does not exist"),
])
def test_bad_arguments_exit_with_one_clear_line(args, match):
    r = cli("run", "--device", "cpu", *args)
    assert r.returncode != 0
    lines = [ln for ln in r.stderr.strip().splitlines() if ln.strip()]
    assert len(lines) == 1 and match in lines[0] and "Traceback" not in r.stderr


def test_empty_text_file(tiny_teacher_dir, tmp_path):
    empty = tmp_path / "empty.txt"
    empty.write_text("\n \n")
    r = cli("run", "--teacher", str(tiny_teacher_dir), "--target", "sequence", "--text-file", str(empty), "--device", "cpu")
    assert r.returncode == 2 and "empty" in r.stderr and "Traceback" not in r.stderr


def test_nan_loss_names_the_learning_rate_and_keeps_the_run(tiny_teacher_dir, tmp_path):
    js = tmp_path / "s.json"
    r = cli("run", "--teacher", str(tiny_teacher_dir), "--student-dim", "8", "--lr", "1e30", "--steps", "50",
            "--device", "cpu", "--json", str(js), "--quiet")
    assert r.returncode == 3
    assert "learning rate 1e+30" in r.stderr and "Traceback" not in r.stderr
    summary = json.loads(js.read_text())
    assert summary["diverged"] and summary["steps"] < 50


def test_two_processes_under_torchrun_match_one(tiny_teacher_dir, tmp_path):
    """gloo, 2 CPU processes: each takes half of the vocabulary rows; averaged gradients give the same run."""
    common = ["run", "--teacher", str(tiny_teacher_dir), "--student-dim", "8", "--layers", "1", "--steps", "20",
              "--device", "cpu", "--quiet"]
    one = cli(*common, "--json", str(tmp_path / "one.json"))
    assert one.returncode == 0, one.stderr
    env = os.environ | {"PYTHONPATH": str(ROOT), "OMP_NUM_THREADS": "1", "TOKENIZERS_PARALLELISM": "false"}
    torchrun = [sys.executable, "-m", "torch.distributed.run", "--nproc_per_node=2", "--master_port=29517",
                "-m", "distill_core"]
    two = subprocess.run(torchrun + common + ["--json", str(tmp_path / "two.json"), "--out", str(tmp_path / "out")],
                         cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert two.returncode == 0, two.stderr[-2000:]
    a, b = json.loads((tmp_path / "one.json").read_text()), json.loads((tmp_path / "two.json").read_text())
    assert b["world_size"] == 2 and a["world_size"] == 1
    assert b["final_mse"] == pytest.approx(a["final_mse"], rel=2e-3)
    assert (tmp_path / "out" / "model.safetensors").is_file()  # rank 0 wrote the outputs
    assert torch.cuda.is_available() or b["device"] == "cpu"
